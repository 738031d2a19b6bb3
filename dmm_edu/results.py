"""Saved experiment results: arrays, metrics and the provenance that says where they came from.

An experiment runs once and saves a result; every number, figure and animation of the book is
drawn from it. A result folder holds `metrics.json` (metrics, config, provenance, content hash)
and `arrays.npz`. It is written into a temporary sibling folder and renamed into place only when
complete, so an interrupted run never leaves a folder that looks like a finished result, and a
folder of someone else's files is never overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT = "dmm_edu.result/1"
METRICS_FILE, ARRAYS_FILE = "metrics.json", "arrays.npz"


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
        """SHA-256 over the config, the metrics and every array's name, dtype, shape and bytes."""
        h = hashlib.sha256()
        h.update(_canonical({"experiment": self.experiment, "profile": self.profile, "seed": self.seed,
                             "config": self.config, "metrics": self.metrics}).encode())
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


# Modules that present results but never compute them: editing them must not make results stale.
PRESENTATION = ("cli.py", "cli_data.py", "cli_book.py", "cli_animate.py", "book.py", "claims.py", "animate.py", "tour.py",
                "plots", "exercises")
_EXPERIMENT_FILE = re.compile(r"e\d\d_\w+\.py")


def code_hash(experiment_module: str | None = None, root: str | Path | None = None) -> str:
    """SHA-256 of the dmm_edu source that computes results: results made by different code never look alike.

    Hashes every `.py` file of the package except the presentation layer (`PRESENTATION`: the CLI,
    the book, the claims, the plots, the exercises) and, when `experiment_module` is given (e.g.
    "dmm_edu.experiments.e05_on_off_attacks"), except the other experiments' own modules, so an edit
    to one experiment or to a figure does not make every cached result stale. `root`: the package
    folder (default: this installation's).
    """
    root = Path(root) if root is not None else Path(__file__).resolve().parent
    own = experiment_module.rsplit(".", 1)[-1] + ".py" if experiment_module else None
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in PRESENTATION:
            continue
        if own and rel.parts[0] == "experiments" and _EXPERIMENT_FILE.fullmatch(rel.name) and rel.name != own:
            continue
        h.update(str(rel).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def provenance(duration_s: float | None = None, experiment_module: str | None = None) -> dict:
    """Versions of what ran, the code hash, the time and the machine."""
    from dmm_edu import __version__

    versions = {"dmm_edu": __version__, "python": platform.python_version(), "numpy": np.__version__}
    if "torch" in sys.modules:  # only report torch where the experiment used it
        versions["torch"] = sys.modules["torch"].__version__
    prov = {"versions": versions, "code_hash": code_hash(experiment_module), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()}}
    if duration_s is not None:
        prov["duration_s"] = round(duration_s, 3)
    return prov


def is_result_dir(path: Path) -> bool:
    """True if `path` holds a result written by `save_result`."""
    try:
        return json.loads((path / METRICS_FILE).read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def check_out_dir(out: str | Path) -> Path:
    """`out` as a Path if a result may be written there: new, empty, or an earlier result."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"out={str(out)!r} is a file; expected a folder for the result")
        if any(out.iterdir()) and not is_result_dir(out):
            raise FileExistsError(f"out={str(out)!r} exists and holds files that are not a dmm_edu result; "
                                  "choose an empty or new folder")
    return out


def save_result(result: Result, out: str | Path) -> Path:
    """Write `result` to the folder `out`, atomically.

    metrics.json may hold NaN (a median over no successful attack, say): Python's json reads it.

    `out` may not exist yet, be empty, or hold an earlier result (which is replaced). A folder
    with any other content raises FileExistsError and is left untouched.
    """
    out = check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.part-", dir=out.parent))
    old = None
    try:
        arrays = {k: np.asarray(v) for k, v in result.arrays.items()}
        with open(tmp / ARRAYS_FILE, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        record = {"format": FORMAT, "experiment": result.experiment, "profile": result.profile,
                  "seed": result.seed, "content_hash": result.content_hash(), "metrics": result.metrics,
                  "config": result.config, "provenance": result.provenance}
        (tmp / METRICS_FILE).write_text(json.dumps(record, indent=2, default=_jsonable) + "\n")
        old = None
        if out.exists():  # an earlier result: move it aside, put the new one in, then delete the old
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            os.replace(old, out)  # the earlier result comes back if the new one did not land
        raise
    return out


def load_result(path: str | Path, verify: bool = True) -> Result:
    """Read a result folder; with `verify`, check its content hash (a tampered file raises)."""
    path = Path(path)
    if not is_result_dir(path):
        raise FileNotFoundError(f"path={str(path)!r} does not hold a dmm_edu result ({METRICS_FILE} missing or foreign)")
    record = json.loads((path / METRICS_FILE).read_text())
    with np.load(path / ARRAYS_FILE, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    result = Result(record["experiment"], record["profile"], record["seed"], record["config"], record["metrics"],
                    arrays, record["provenance"])
    if verify and result.content_hash() != record["content_hash"]:
        raise ValueError(f"path={str(path)!r}: content hash mismatch; the result was modified after it was saved")
    return result
