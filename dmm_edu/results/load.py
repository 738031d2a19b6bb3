"""Reading a result folder back: every read or format failure is one `CorruptResultError` that names the
folder and how to make it anew. Book page: "Reproducibility".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from dmm_edu.results.record import (
    ARRAYS_FILE,
    FORMAT,
    FORMAT_PREFIX,
    METRICS_FILE,
    RECORD_KEYS,
    RESULT_FILES,
    CorruptResultError,
    Result,
)

# ---------------------------------------------------------------- reading a result folder
def _read_record(path: Path) -> dict:
    """The record in path/metrics.json, checked for format and keys; CorruptResultError otherwise."""
    try:
        record = json.loads((path / METRICS_FILE).read_bytes())
    except FileNotFoundError:
        raise CorruptResultError(path, f"{METRICS_FILE} is missing") from None
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        raise CorruptResultError(path, f"{METRICS_FILE} cannot be read ({type(exc).__name__}: {exc})") from exc
    if not isinstance(record, dict):
        raise CorruptResultError(path, f"{METRICS_FILE} holds a {type(record).__name__}, not a result record")
    fmt = record.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith(FORMAT_PREFIX):
            version = fmt[len(FORMAT_PREFIX):]
            older = version.isdigit() and int(version) < int(FORMAT[len(FORMAT_PREFIX):])
            problem = (f"it was written by an {'older' if older else 'other'} dmm_edu (format {fmt!r}; "
                       f"this one reads {FORMAT!r})")
        else:
            problem = f"{METRICS_FILE} has format {fmt!r}, not {FORMAT!r}"
        raise CorruptResultError(path, problem, record)
    missing = sorted(k for k in RECORD_KEYS if k not in record)
    wrong = sorted(k for k, t in RECORD_KEYS.items() if k in record and
                   (not isinstance(record[k], t) or isinstance(record[k], bool)))
    if missing or wrong:
        problem = "; ".join(p for p in (f"{METRICS_FILE} lacks the key(s) {missing}" if missing else "",
                                        f"{METRICS_FILE} has a wrong type at {wrong}" if wrong else "") if p)
        raise CorruptResultError(path, problem, record)
    return record


def _read_arrays(path: Path, record: dict) -> dict[str, np.ndarray]:
    """Every array of path/arrays.npz, read in full; CorruptResultError for any read failure."""
    try:
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise CorruptResultError(path, f"{ARRAYS_FILE} is missing", record) from None
    except Exception as exc:  # BadZipFile, EOFError, zlib.error, ValueError, OSError …: truncated or damaged bytes
        raise CorruptResultError(path, f"{ARRAYS_FILE} cannot be read ({type(exc).__name__}: {exc})", record) from exc


def _identity(path: Path) -> tuple[str, dict | None]:
    """What the folder `path` holds: ("absent" | "empty" | "result" | "damaged" | "foreign", record or None).

    "result": a metrics.json of some dmm_edu result format, with its experiment, profile and seed;
    "damaged": metrics.json or arrays.npz is there but the record cannot be read.
    """
    if not os.path.lexists(path):
        return "absent", None
    try:
        entries = os.listdir(path)
    except OSError:
        return "foreign", None
    if not entries:
        return "empty", None
    try:
        record = json.loads((path / METRICS_FILE).read_bytes())
        ok = (isinstance(record, dict) and str(record.get("format", "")).startswith(FORMAT_PREFIX)
              and all(isinstance(record.get(k), RECORD_KEYS[k]) for k in ("experiment", "profile", "seed")))
    except (OSError, ValueError):
        record, ok = None, False
    if ok:
        return "result", record
    return ("damaged", None) if any(f in entries for f in RESULT_FILES) else ("foreign", None)


def is_result_dir(path: str | Path) -> bool:
    """True if `path` holds a result of this format (its metrics.json is readable; arrays not checked)."""
    try:
        _read_record(Path(path))
        return True
    except CorruptResultError:
        return False


def load_result(path: str | Path, verify: bool = True) -> Result:
    """Read a result folder; with `verify`, check its content hash.

    First finishes or undoes an interrupted save there (`recover`, where the folder is writable).
    FileNotFoundError if `path` is not a folder or holds neither metrics.json nor arrays.npz;
    CorruptResultError for every other failure (a missing or damaged file, missing keys, an older
    format, a content hash that does not match).
    """
    from dmm_edu.results.save import recover  # the writer's clean-up; imported here: save imports this module

    path = Path(path)
    try:
        recover(path)
    except OSError:
        pass  # a read-only folder: read what is there
    if not path.is_dir():
        raise FileNotFoundError(f"path={str(path)!r} does not hold a dmm_edu result ("
                                f"{'a file' if path.exists() else 'no such folder'}); "
                                "make one with `dmm-edu run EXPERIMENT --out FOLDER`")
    if not any((path / f).exists() for f in RESULT_FILES):
        raise FileNotFoundError(f"path={str(path)!r} does not hold a dmm_edu result (no {METRICS_FILE} or "
                                f"{ARRAYS_FILE}); make one with `dmm-edu run EXPERIMENT --out {str(path)!r}`")
    record = _read_record(path)
    arrays = _read_arrays(path, record)
    result = Result(record["experiment"], record["profile"], record["seed"], record["config"], record["metrics"],
                    arrays, record["provenance"])
    if verify and result.content_hash() != record["content_hash"]:
        raise CorruptResultError(path, "content hash mismatch; the result (its metrics, arrays or provenance) was "
                                 "modified after it was saved", record)
    return result


# ---------------------------------------------------------------- output folders
