"""The IDX format of MNIST and Fashion-MNIST: a tiny header, then raw bytes.

An IDX file starts with a 4-byte magic `00 00 TT ND` (TT = 0x08 for unsigned bytes, ND = the number
of dimensions), then ND big-endian uint32 sizes, then the values in row-major order. Image files are
(N, 28, 28) with magic 2051, label files (N,) with magic 2049. The mirrors serve them gzipped.
Book page: "data" (the image datasets).
"""

from __future__ import annotations

import gzip
import io
import math
import zlib
from pathlib import Path

import numpy as np

from dmm_edu.data.image_errors import CorruptDataError

UBYTE = 0x08  # the only type code MNIST and Fashion-MNIST use
GZIP_MAGIC = b"\x1f\x8b"
MAX_PAYLOAD = 1 << 28  # 256 MiB: bytes an IDX file may hold (the largest, MNIST's training images, holds 47 MB)


class IdxFormatError(CorruptDataError):
    """The bytes are not a well-formed IDX file of unsigned bytes."""


def parse_idx(raw: bytes, *, ndim: int | None = None, source: str = "data") -> np.ndarray:
    """The array stored in the IDX bytes `raw`: shape (d_1, ..., d_ND), dtype uint8.

    Checks the magic (two zero bytes, type code 0x08), the number of dimensions (== `ndim` if
    given) and that the payload holds exactly d_1 · ... · d_ND bytes; `source` names the file in
    errors. Returns a writable copy.
    """
    raw = bytes(raw)
    if len(raw) < 4:
        raise IdxFormatError(f"{source}: {len(raw)} bytes is too short for an IDX file (the magic alone is 4 bytes)")
    zero0, zero1, type_code, nd = raw[:4]
    if zero0 != 0 or zero1 != 0:
        raise IdxFormatError(f"{source}: magic {raw[:4].hex(' ')} is not an IDX magic (expected 00 00 08 ND); "
                             "is the file still gzipped or not an IDX file?")
    if type_code != UBYTE:
        raise IdxFormatError(f"{source}: IDX type code 0x{type_code:02x} is not accepted; expected 0x08 (unsigned byte)")
    if nd == 0 or (ndim is not None and nd != ndim):
        want = f"{ndim}" if ndim is not None else ">= 1"
        raise IdxFormatError(f"{source}: IDX header says {nd} dimensions; expected {want}")
    header = 4 + 4 * nd  # magic + ND big-endian uint32 sizes
    if len(raw) < header:
        raise IdxFormatError(f"{source}: truncated IDX header ({len(raw)} bytes; the header needs {header})")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=nd, offset=4))  # (d_1, ..., d_ND)
    expected = math.prod(shape)  # payload bytes = d_1 · ... · d_ND (exact: no int64 overflow)
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "has extra bytes"
        raise IdxFormatError(f"{source}: {what}: the header says shape {shape} ({expected} bytes of values), "
                             f"the file holds {got}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()  # (d_1, ..., d_ND)


def idx_bytes(a: np.ndarray) -> bytes:
    """The IDX encoding of a uint8 array `a` of shape (d_1, ..., d_ND), 1 <= ND <= 255."""
    a = np.asarray(a)
    if a.dtype != np.uint8:
        raise TypeError(f"a must be a uint8 array; got dtype {a.dtype}")
    if not 1 <= a.ndim <= 255 or any(d >= 2**32 for d in a.shape):
        raise ValueError(f"a has shape {a.shape}; IDX holds 1 to 255 dimensions, each < 2**32")
    magic = bytes([0, 0, UBYTE, a.ndim])
    sizes = np.asarray(a.shape, dtype=">u4").tobytes()  # ND big-endian uint32
    return magic + sizes + np.ascontiguousarray(a).tobytes()


def read_payload(path: str | Path) -> bytes:
    """The bytes of `path`, decompressed when they are gzipped (a truncated or corrupt gzip raises)."""
    path = Path(path)
    if not path.is_file():
        raise CorruptDataError(f"{path}: not a regular file (a folder, or a link to nothing); expected an IDX file")
    too_big = f"{path}: holds more than {MAX_PAYLOAD} bytes of IDX data; no MNIST-like file is that large"
    if path.stat().st_size > MAX_PAYLOAD:
        raise CorruptDataError(too_big)
    raw = path.read_bytes()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            payload = gz.read(MAX_PAYLOAD + 1)  # a gzip bomb stops here instead of filling the memory
    except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise CorruptDataError(f"{path}: not a complete gzip file ({exc}); the file is truncated or damaged") from exc
    if len(payload) > MAX_PAYLOAD:
        raise CorruptDataError(too_big)
    return payload


def read_idx(path: str | Path, *, ndim: int | None = None) -> np.ndarray:
    """The array in the IDX file `path` (gzipped or not), checked as `parse_idx` does."""
    return parse_idx(read_payload(path), ndim=ndim, source=str(path))
