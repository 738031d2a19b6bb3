"""Downloading a dataset file so that a broken download never looks like a finished one.

Mirrors are tried in order. Each file streams to `<file>.part` (with a progress bar), its MD5 (and
SHA-256 where known) is checked against the published value, and only then is it renamed to its
final name; any failure deletes the `.part` and moves on to the next mirror. If every mirror fails,
`DatasetUnavailableError` lists each URL with its error and says how to get the data.
Book page: "data" (the image datasets).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from dmm_edu.cache import ENV_VAR, cache_dir
from dmm_edu.data.image_errors import ChecksumMismatchError, CorruptDataError, DatasetUnavailableError

TIMEOUT_S = 30.0  # seconds without an answer before a mirror counts as dead
CHUNK = 1 << 16  # bytes per read


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


def check_digest(path: str | Path, algorithm: str, expected: str) -> None:
    """Raise ChecksumMismatchError unless the file's digest equals `expected`."""
    got = file_digest(path, algorithm)
    if got != expected.lower():
        raise ChecksumMismatchError(f"{Path(path).name}: {algorithm.upper()} is {got}, expected {expected}")


def mirror_url(mirror: str, filename: str) -> str:
    """The URL of `filename` on a mirror given as its folder URL ("https://host/path/" or "file:///dir/")."""
    return mirror.rstrip("/") + "/" + filename


def fetch(filename: str, mirrors: Sequence[str], folder: str | Path, *, md5: str, sha256: str | None = None,
          progress: bool = True, timeout: float = TIMEOUT_S, how_to_get: str = "") -> Path:
    """Download `filename` from the first mirror that serves it intact; return the final path.

    Args:
        filename: the file's name on the mirrors and in `folder`.
        mirrors: folder URLs tried in order (http://, https:// or file://).
        folder: where the file goes; created, and checked to be writable first.
        md5, sha256: the published digests of the file as served (sha256 may be None).
        progress: show a progress bar (only on a terminal).
        timeout: seconds without an answer before a mirror counts as failed.
        how_to_get: advice appended to DatasetUnavailableError (other ways to get the data).

    Raises:
        PermissionError: `folder` is not writable.
        DatasetUnavailableError: every mirror failed; the message lists each URL and its error.
    """
    folder = ensure_writable(folder)
    final = folder / filename
    part = folder / (filename + ".part")
    failures = []
    for mirror in mirrors:
        url = mirror_url(mirror, filename)
        try:
            _download(url, part, progress=progress, timeout=timeout)
            check_digest(part, "md5", md5)
            if sha256:
                check_digest(part, "sha256", sha256)
            os.replace(part, final)  # the only way a file gets its final name: complete and verified
            return final
        except (OSError, http.client.HTTPException, CorruptDataError) as exc:
            failures.append(f"  {url}: {_describe(exc, timeout)}")
        finally:
            part.unlink(missing_ok=True)
    tried = "\n".join(failures) or "  (no mirror is configured)"
    raise DatasetUnavailableError(f"could not download {filename}; tried:\n{tried}\n{how_to_get}".rstrip())


def _download(url: str, part: Path, *, progress: bool, timeout: float) -> None:
    """Stream `url` into the file `part`; raise CorruptDataError if fewer bytes came than announced."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        got = 0
        with open(part, "wb") as out, _progress_bar(total, part.name[:-len(".part")], progress) as bar:
            while chunk := response.read(CHUNK):
                out.write(chunk)
                got += len(chunk)
                bar.update(len(chunk))
    if total is not None and got != total:
        raise CorruptDataError(f"incomplete download: {got} of {total} bytes arrived")


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
