"""Saved experiment results: arrays, metrics and the provenance that says where they came from.

An experiment runs once and saves a result; every number, figure and animation of the book is
drawn from it. A result folder holds `metrics.json` (metrics, config, provenance, content hash)
and `arrays.npz`. It is written into a temporary sibling folder and renamed into place only when
complete, so an interrupted run never leaves a folder that looks like a finished result, and a
folder of someone else's files is never overwritten.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
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


PACKAGE = "dmm_edu"
# What every run goes through besides the experiment's own code: seeding the rng, converting the
# metrics and recording the result (`run_experiment`), with everything it imports.
RUNNER = "dmm_edu.experiments.base"


def code_hash(experiment_module: str | None = None, root: str | Path | None = None) -> str:
    """SHA-256 of the dmm_edu source a result depends on: results made by different code never look alike.

    With `experiment_module` (e.g. "dmm_edu.experiments.e05_on_off_attacks"): the files of
    `code_files(experiment_module)`, i.e. that module, the runner (`RUNNER`) and every dmm_edu module they
    import, transitively, as read from their import statements. Editing a helper or a library module an
    experiment uses makes its cached results stale; editing another experiment, a figure, the claims or
    the CLI does not. Without `experiment_module`: every `.py` file of the package. Each file enters with
    its path relative to the package folder, in sorted order, so the hash is the same on every machine.
    `root`: the package folder (default: this installation's).
    """
    root = _package_root(root)
    h = hashlib.sha256()
    for rel in code_files(experiment_module, root):
        data = (root / rel).read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())  # path and length first: no two file lists hash alike
        h.update(data)
    return h.hexdigest()


def code_files(experiment_module: str | None = None, root: str | Path | None = None) -> list[str]:
    """The files `code_hash` hashes: sorted POSIX paths relative to the package folder `root`.

    Found by reading, not by running: every `import` and `from … import` statement of a file (inside
    functions too, relative ones included) that names a dmm_edu module adds that module's file, the
    `__init__.py` of each package above it (importing a submodule runs them) and, in turn, what those
    import. `from pkg import name` adds `pkg/name.py` when that file exists (a submodule), else only
    `pkg`. Modules loaded by name at run time (`importlib`) are not seen; imports of other packages are
    ignored. Without `experiment_module`, every `.py` file under `root`.
    """
    root = _package_root(root)
    if experiment_module is None:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    if _source(experiment_module, root) is None:
        raise ValueError(f"experiment_module={experiment_module!r} is not a module of {PACKAGE} under {str(root)!r}; "
                         f"expected a dotted name such as '{PACKAGE}.experiments.e05_on_off_attacks'")
    seen: set[str] = set()
    todo = [experiment_module, RUNNER]
    while todo:
        for module in _with_parents(todo.pop(), root):
            if module not in seen:
                seen.add(module)
                todo.extend(_imports(module, root))
    return sorted(_source(m, root).relative_to(root).as_posix() for m in seen)


def _package_root(root: str | Path | None) -> Path:
    return Path(root) if root is not None else Path(__file__).resolve().parent


def _source(module: str, root: Path) -> Path | None:
    """The file of the dmm_edu module `module` under `root` (a package's `__init__.py`), or None."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    folder = root.joinpath(*parts[1:])
    if (folder / "__init__.py").is_file():
        return folder / "__init__.py"
    if len(parts) > 1 and (path := folder.with_name(parts[-1] + ".py")).is_file():
        return path
    return None


def _with_parents(module: str, root: Path) -> list[str]:
    """The modules importing `module` runs: "a.b.c" -> ["a", "a.b", "a.b.c"], those with a file under `root`."""
    parts = module.split(".")
    prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return [m for m in prefixes if _source(m, root) is not None]


def _imports(module: str, root: Path) -> list[str]:
    """The dmm_edu module names that `module`'s import statements name, anywhere in its file.

    `from pkg import a, b` names "pkg", "pkg.a" and "pkg.b" (the last two count only where they are
    files). A file that does not parse imports nothing (it is hashed all the same).
    """
    path = _source(module, root)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: "." is `package`, each further dot one package up
                parts = package.split(".")
                keep = len(parts) - (node.level - 1)
                if keep < 1:
                    continue  # beyond the top-level package: Python refuses it too
                base = ".".join(parts[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return [n for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")]


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
