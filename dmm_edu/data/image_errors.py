"""The errors of the image datasets: data that cannot be had, and data that is damaged.

`DatasetUnavailableError` says a file is neither on disk nor downloadable now, and tells the reader
how to get it (and which bundled set works offline). `CorruptDataError` says a file is there but
wrong: a bad format, a truncated file, a checksum that does not match. Book page: "data" (the image datasets).
"""

from __future__ import annotations


class DatasetUnavailableError(RuntimeError):
    """A dataset file is missing and could not be downloaded (offline, every mirror failed)."""


class CorruptDataError(ValueError):
    """A data file is damaged: not the expected format, truncated, or with extra bytes."""


class ChecksumMismatchError(CorruptDataError):
    """A file's MD5 or SHA-256 differs from the published value."""
