"""Downloading a dataset file so that a broken download never looks like a finished one.

Mirrors are tried in order. Each file streams to `<file>.part` (with a progress bar), its MD5 (and
SHA-256 where known) is checked against the published value, and only then is it renamed to its
final name; any failure deletes the `.part` and moves on to the next mirror. A mirror that goes
silent (`timeout`), sends slower than `min_rate` over a window of `timeout` seconds, or takes longer
than `deadline` in all counts as failed. The `.part` file is created exclusively and never through a
link, so a link planted at that name cannot redirect the download onto a file outside the cache.
If every mirror fails, `DatasetUnavailableError` lists each URL with its error and says how to get the data.
Book page: "data" (the image datasets).
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from dmm_edu.cache import ENV_VAR, cache_dir
from dmm_edu.data.image_errors import ChecksumMismatchError, CorruptDataError, DatasetUnavailableError

TIMEOUT_S = 30.0  # seconds without an answer before a mirror counts as dead; the window of the rate check
MIN_RATE = 16 * 1024  # bytes per second a mirror must keep up over every window of `timeout` seconds
DEADLINE_S = 4 * 3600.0  # total seconds one file may take from one mirror (CIFAR-10 at MIN_RATE: under 3 h)
CHUNK = 1 << 16  # bytes per read (at most: a read returns what one receive brought)
DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}  # no room for the file
PART_FLAGS = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


class SlowMirrorError(OSError):
    """A mirror answers, but too slowly (below `min_rate`) or not within the `deadline`."""


def dataset_dir(name: str) -> Path:
    """Where the files of dataset `name` are cached: cache_dir() / "datasets" / name (not created)."""
    return cache_dir() / "datasets" / name


def ensure_writable(folder: str | Path) -> Path:
    """Create `folder` if needed and prove that a file can be written there, else raise PermissionError.

    The test writes a real temporary file (os.access alone is fooled by root and by read-only mounts).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(f"the dataset cache folder {folder} is not writable ({exc.strerror or exc}); "
                              f"set the environment variable {ENV_VAR} to a folder you can write to, "
                              f"e.g. {ENV_VAR}=/tmp/dmm_edu_cache") from exc
    return folder


def file_digest(path: str | Path, algorithm: str = "md5") -> str:
    """The hex digest ("md5" or "sha256") of the file at `path`, read in chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_digest(path: str | Path, algorithm: str, expected: str, name: str | None = None) -> None:
    """Raise ChecksumMismatchError unless the file's digest equals `expected`; `name` names the file in it."""
    got = file_digest(path, algorithm)
    if got != expected.lower():
        raise ChecksumMismatchError(f"{name or Path(path).name}: {algorithm.upper()} is {got}, expected {expected}")


def mirror_url(mirror: str, filename: str) -> str:
    """The URL of `filename` on a mirror given as its folder URL ("https://host/path/" or "file:///dir/")."""
    return mirror.rstrip("/") + "/" + filename


def fetch(filename: str, mirrors: Sequence[str], folder: str | Path, *, md5: str, sha256: str | None = None,
          progress: bool = True, timeout: float = TIMEOUT_S, min_rate: float = MIN_RATE,
          deadline: float | None = DEADLINE_S, how_to_get: str = "") -> Path:
    """Download `filename` from the first mirror that serves it intact; return the final path.

    Args:
        filename: the file's name on the mirrors and in `folder`.
        mirrors: folder URLs tried in order (http://, https:// or file://).
        folder: where the file goes; created, and checked to be writable first.
        md5, sha256: the published digests of the file as served (sha256 may be None).
        progress: show a progress bar (only on a terminal).
        timeout: seconds without an answer before a mirror counts as failed; also the window over
            which `min_rate` is measured.
        min_rate: bytes per second a mirror must send, on average over every window of `timeout`
            seconds (0: no minimum).
        deadline: seconds one mirror may take for the whole file (None: no limit).
        how_to_get: advice appended to DatasetUnavailableError (other ways to get the data).

    Raises:
        PermissionError: `folder` is not writable.
        OSError: the disk is full (or a file size limit is reached); no mirror is tried after that.
        FileExistsError: another download of `filename` into `folder` is running (its `.part`
            changed less than 2 · timeout seconds ago), or the `.part` name is taken by a folder.
        DatasetUnavailableError: every mirror failed; the message lists each URL and its error.
    """
    if isinstance(mirrors, (str, bytes)) or not all(isinstance(m, str) for m in mirrors):
        raise TypeError(f"mirrors={mirrors!r} is not accepted; expected a list of folder URLs, e.g. "
                        "['https://host/path/']")
    timeout = _check_seconds("timeout", timeout)
    if isinstance(min_rate, bool) or not isinstance(min_rate, (int, float)) or not 0 <= min_rate < float("inf"):
        raise ValueError(f"min_rate={min_rate!r} is not accepted; expected bytes per second, a finite number >= 0")
    deadline = None if deadline is None else _check_seconds("deadline", deadline)
    folder = ensure_writable(folder)
    final = folder / filename
    part = folder / (filename + ".part")
    if final.is_dir() and not final.is_symlink():
        raise IsADirectoryError(f"{final} is a folder; the downloaded file {filename} goes at that path: "
                                "move the folder away")
    _clear_stale_part(part, stale_after=2 * timeout)
    failures = []
    for mirror in mirrors:
        url = mirror_url(mirror, filename)
        out = _create_part(part)
        try:
            with out:
                _download(url, out, progress=progress, timeout=timeout, min_rate=min_rate, deadline=deadline)
            check_digest(part, "md5", md5, name=filename)
            if sha256:
                check_digest(part, "sha256", sha256, name=filename)
            os.replace(part, final)  # the only way a file gets its final name: complete and verified
            return final
        except (OSError, http.client.HTTPException, CorruptDataError) as exc:
            if isinstance(exc, OSError) and exc.errno in DISK_FULL:  # not the mirror's fault: the next one fails too
                part.unlink(missing_ok=True)
                raise OSError(exc.errno, f"no space left for {filename} in {folder} ({os.strerror(exc.errno)}); free "
                                         f"some space, or set {ENV_VAR} to a folder on a disk with room") from exc
            failures.append(f"  {url}: {_describe(exc, timeout)}")
        finally:
            part.unlink(missing_ok=True)
    tried = "\n".join(failures) or "  (no mirror is configured)"
    raise DatasetUnavailableError(f"could not download {filename}; tried:\n{tried}\n{how_to_get}".rstrip())


def _check_seconds(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ValueError(f"{name}={value!r} is not accepted; expected seconds, a finite number > 0")
    return float(value)


def _clear_stale_part(part: Path, stale_after: float) -> None:
    """Make way for a new `part`: remove a link at that name (the link, never what it points to) and a
    file left by a crash; refuse a file another download is still writing, and a folder."""
    try:
        st = part.lstat()
    except FileNotFoundError:
        return
    if part.is_symlink():
        part.unlink()  # removes the link itself; its target is not touched
    elif part.is_dir():
        raise FileExistsError(f"{part} is a folder; it is in the way of the download: move it away")
    elif time.time() - st.st_mtime < stale_after:
        raise FileExistsError(f"{part} changed {time.time() - st.st_mtime:.0f} s ago: another download of "
                              f"{part.name[:-len('.part')]} into {part.parent} seems to be running; wait for it, "
                              "or delete the .part file if there is none")
    else:
        part.unlink()  # left by a download that was killed


def _create_part(part: Path):
    """A new, empty file `part` opened for writing; FileExistsError if anything (a link too) is at that name.

    O_CREAT | O_EXCL | O_NOFOLLOW: the open never goes through a link and never reuses a file.
    """
    try:
        return os.fdopen(os.open(part, PART_FLAGS, 0o666), "wb")
    except FileExistsError:
        raise FileExistsError(f"{part} appeared just before the download started (another download, or a link "
                              "put there); nothing was written through it: try again") from None


def _download(url: str, out, *, progress: bool, timeout: float, min_rate: float = MIN_RATE,
              deadline: float | None = DEADLINE_S) -> None:
    """Stream `url` into the open file `out`; raise CorruptDataError if fewer bytes came than announced,
    SlowMirrorError if the mirror is slower than `min_rate` over a window of `timeout` s or misses `deadline`.

    A read returns what one receive brought (read1), so the clock is checked even while a mirror
    trickles a byte at a time; a mirror silent for `timeout` seconds raises socket.timeout instead.
    """
    start = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        read = getattr(response, "read1", response.read)
        got, window_start, window_got = 0, start, 0
        with _progress_bar(total, Path(url).name, progress) as bar:
            while chunk := read(CHUNK):
                out.write(chunk)
                got += len(chunk)
                bar.update(len(chunk))
                now = time.monotonic()
                if deadline is not None and now - start > deadline:
                    raise SlowMirrorError(f"not finished within deadline={deadline:g} s "
                                          f"({_size(got)} of {_size(total) if total else '?'} arrived)")
                if now - window_start >= timeout:  # the mean rate over the last window of `timeout` seconds
                    rate = (got - window_got) / (now - window_start)
                    if rate < min_rate:
                        raise SlowMirrorError(f"too slow: {rate:.1f} bytes/s over the last {now - window_start:.1f} s; "
                                              f"a mirror must send at least min_rate={min_rate:g} bytes/s")
                    window_start, window_got = now, got
    if total is not None and got != total:
        raise CorruptDataError(f"incomplete download: {got} of {total} bytes arrived")


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n} bytes"


def _describe(exc: BaseException, timeout: float) -> str:
    """A one-line reason for a failed mirror."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s"
    return str(exc) or type(exc).__name__


def _progress_bar(total: int | None, label: str, progress: bool):
    """A tqdm byte counter on stderr, shown only when `progress` and stderr is a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=label, leave=False,
                disable=not progress or not sys.stderr.isatty())
