"""CIFAR-10 in its binary version: fixed-size records, read without unpickling anything.

Each record is 1 label byte and 3072 pixel bytes: the red, green and blue planes of a 32x32 image,
each row-major. A batch file is records back to back (10,000 in the real files), so its length must
be a multiple of 3073. The archive is unpacked member by member: only the expected files, only
regular files, and never to a path taken from the archive. Book page: "data" (the image datasets).
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import numpy as np

from dmm_edu.data.image_errors import CorruptDataError

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
C, H, W = 3, 32, 32
RECORD_BYTES = 1 + C * H * W  # 3073: label byte + R, G, B planes


def parse_cifar_batch(raw: bytes, *, source: str = "data") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 from the bytes of one binary batch file.

    Checks that the length is a non-zero multiple of 3073 and that every label is < 10; `source`
    names the file in errors.
    """
    n, rest = divmod(len(raw), RECORD_BYTES)
    if n == 0 or rest:
        raise CorruptDataError(f"{source}: {len(raw)} bytes is not a whole number of CIFAR-10 records "
                               f"({RECORD_BYTES} bytes each: 1 label + 3x32x32 pixels); the file is truncated or not "
                               "a CIFAR-10 binary batch")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(n, RECORD_BYTES)  # (N, 3073)
    y = records[:, 0].astype(np.int64)  # (N,)
    if y.max() >= len(CLASSES):
        i = int(np.argmax(y >= len(CLASSES)))
        raise CorruptDataError(f"{source}: record {i} has label {int(y[i])}; CIFAR-10 labels are 0..9")
    x = records[:, 1:].reshape(n, C, H, W).copy()  # (N, 3, 32, 32): planes R, G, B, rows, columns
    return x, y


def cifar_bytes(x: np.ndarray, y: np.ndarray) -> bytes:
    """The binary batch encoding of images x: (N, 3, 32, 32) uint8 and labels y: (N,) in 0..9."""
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[1:] != (C, H, W):
        raise ValueError(f"x must be a uint8 array of shape (N, 3, 32, 32); got shape {x.shape}, dtype {x.dtype}")
    if y.shape != (x.shape[0],) or y.min(initial=0) < 0 or y.max(initial=0) >= len(CLASSES):
        raise ValueError(f"y must hold {x.shape[0]} labels in 0..9; got shape {y.shape}")
    records = np.concatenate([y.astype(np.uint8)[:, None], x.reshape(len(x), -1)], axis=1)  # (N, 3073)
    return records.tobytes()


def _is_safe(name: str) -> bool:
    """A member name that stays inside the folder it is unpacked into (relative, no '..')."""
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and ":" not in name


def _remove(path: Path) -> None:
    """Delete `path`: a link or a file itself (never what a link points to), a real folder with its contents."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def extract_members(archive: str | Path, wanted: dict[str, str], dest: str | Path,
                    check: Callable[[Path], None] | None = None) -> Path:
    """Unpack the members named by `wanted` (member name -> file name) from a .tar.gz into `dest`.

    The files go to a sibling folder `dest.part` first, `check(part_folder)` may inspect them (and
    raise), and the folder is renamed to `dest` only then, so a half-unpacked or unchecked folder
    never looks complete. An archive with any member whose path
    leaves the folder (absolute, '..') is refused whole, a wanted member must be a regular file
    (no links or devices), and the output paths come from `wanted`, never from the archive.
    """
    archive, dest = Path(archive), Path(dest)
    part = dest.with_name(dest.name + ".part")
    _remove(part)  # left by a crash (a link there is removed, never followed)
    part.mkdir(parents=True)
    try:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                found = set()
                for member in tar:  # streams once through the archive
                    if not _is_safe(member.name):
                        raise CorruptDataError(f"{archive}: member {member.name!r} would be written outside the "
                                               "target folder; refusing the archive")
                    if member.name not in wanted:
                        continue
                    if not member.isfile():
                        raise CorruptDataError(f"{archive}: member {member.name!r} is not a regular file; refusing it")
                    src = tar.extractfile(member)
                    with src, open(part / wanted[member.name], "wb") as out:
                        shutil.copyfileobj(src, out)
                    found.add(member.name)
        except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise CorruptDataError(f"{archive}: not a complete .tar.gz archive ({exc})") from exc
        missing = sorted(set(wanted) - found)
        if missing:
            raise CorruptDataError(f"{archive}: the archive lacks {missing}")
        if check is not None:
            check(part)
        _remove(dest)  # the batches of an earlier download, or a link put in their place
        os.replace(part, dest)
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return dest
