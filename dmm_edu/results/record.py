"""One result in memory: the `Result` record, its content hash, the JSON form of its metrics, and the
two errors every reader and writer of result folders raises. Book page: "Reproducibility".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT_PREFIX = "dmm_edu.result/"
FORMAT = FORMAT_PREFIX + "2"  #: 2: the content hash covers the provenance (code hash, versions) too
METRICS_FILE, ARRAYS_FILE = "metrics.json", "arrays.npz"
RESULT_FILES = (METRICS_FILE, ARRAYS_FILE)  #: the only files a save writes into (or replaces in) a folder
VOLATILE_PROVENANCE = ("created", "duration_s", "machine")  #: when and where it ran: outside the hash
RECORD_KEYS = {"experiment": str, "profile": str, "seed": int, "content_hash": str, "metrics": dict,
               "config": dict, "provenance": dict}


class CorruptResultError(ValueError):
    """A result folder that cannot be read back as saved: a file missing, truncated or not parseable,
    a key missing, a content hash that does not match, or a format this dmm_edu does not read.
    `path`: the folder. The message says how to make it anew."""

    def __init__(self, path: str | Path, problem: str, record: dict | None = None):
        self.path = Path(path)
        if isinstance(record, dict) and all(isinstance(record.get(k), t) for k, t in
                                            (("experiment", str), ("profile", str), ("seed", int))):
            fix = (f"run it again: dmm-edu run {record['experiment']} --profile {record['profile']} "
                   f"--seed {record['seed']} --out {str(self.path)!r}")
        else:
            fix = (f"run the experiment again into it: dmm-edu run EXPERIMENT --out {str(self.path)!r} --force "
                   "(only metrics.json and arrays.npz are replaced; other files there stay), or delete those two files")
        super().__init__(f"{str(self.path)!r}: {problem}; the result there cannot be used. To fix it, {fix} "
                         "(an entry of the result cache is recomputed by itself; a folder you chose is not)")


class OutputFolderError(ValueError):
    """A folder given for output (`out`, the cache, a site folder) that cannot be used: a file, not
    writable, holding someone else's files or another result, or a write that failed (disk full).
    Raised before any work where it can be known before; nothing is left half-written."""


@dataclass
class Result:
    """One run of one experiment.

    experiment: id ("E1" …); profile: "smoke" | "book" | "full"; seed: the run's seed;
    config: the config dataclass as a dict; metrics: JSON-able numbers (the book quotes these);
    arrays: named numpy arrays (figures and animations draw these); provenance: versions, code
    hash, time, duration.
    """

    experiment: str
    profile: str
    seed: int
    config: dict
    metrics: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def content_hash(self) -> str:
        """SHA-256 over the experiment, profile, seed, config, metrics, provenance and every array's name,
        dtype, shape and bytes. Of the provenance, what made the numbers counts (code hash, versions, any
        other key), not when and where they were made (`VOLATILE_PROVENANCE`): the same code and seed give
        the same hash on every run."""
        provenance = {k: v for k, v in self.provenance.items() if k not in VOLATILE_PROVENANCE}
        h = hashlib.sha256()
        h.update(_canonical({"experiment": self.experiment, "profile": self.profile, "seed": self.seed,
                             "config": self.config, "metrics": self.metrics, "provenance": provenance}).encode())
        for name in sorted(self.arrays):
            a = np.ascontiguousarray(self.arrays[name])
            h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
            h.update(a.tobytes())
        return h.hexdigest()


def as_json(obj):
    """`obj` as it reads back from JSON (tuples become lists, numpy scalars numbers)."""
    return json.loads(json.dumps(obj, default=_jsonable))


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot store a {type(obj).__name__} in metrics.json")
