"""Provenance: what a result depends on. `code_hash` hashes exactly the dmm_edu source an experiment
imports, transitively, as read from its import statements; `provenance` records it with the versions,
the time and the machine. Book page: "Reproducibility".
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import hashlib
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

PACKAGE = "dmm_edu"
# What every run goes through besides the experiment's own code: seeding the rng, converting the
# metrics and recording the result (`run_experiment`), with everything it imports.
RUNNER = "dmm_edu.experiments.base"
# The catalogue of experiments (ids, titles, module paths): the runner imports it to find a module by
# id, but nothing in it changes what an experiment computes. Hashing it would make every cached result
# stale whenever an experiment is added to the catalogue.
CATALOGUE = "dmm_edu.experiments.registry"


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
    memo, memo_key = _HELD.get(), (experiment_module, str(root))
    if memo is not None and memo_key in memo:
        return memo[memo_key]
    h = hashlib.sha256()
    for rel in code_files(experiment_module, root):
        data = (root / rel).read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())  # path and length first: no two file lists hash alike
        h.update(data)
    if memo is not None:
        memo[memo_key] = h.hexdigest()
    return h.hexdigest()


#: code_hash per (module, root) inside `hashes_held`, else None; a context variable, so another thread
#: (or task) of the process is not given the held hashes
_HELD: contextvars.ContextVar[dict[tuple, str] | None] = contextvars.ContextVar("dmm_edu_code_hashes", default=None)


@contextlib.contextmanager
def hashes_held():
    """Inside this block `code_hash` reads the source of each (experiment module, root) once and
    returns that hash again on later calls, even if a file changes meanwhile: for a caller that keys
    many runs of the same experiments in a moment (loading the book's cached results: 65 runs of 21
    experiments and variants). Nested blocks share the outer one's hashes; other threads do not."""
    if _HELD.get() is not None:
        yield
        return
    token = _HELD.set({})
    try:
        yield
    finally:
        _HELD.reset(token)


def code_files(experiment_module: str | None = None, root: str | Path | None = None) -> list[str]:
    """The files `code_hash` hashes: sorted POSIX paths relative to the package folder `root`.

    Found by reading, not by running: every `import` and `from … import` statement of a file (inside
    functions too, relative ones included) that names a dmm_edu module adds that module's file, the
    `__init__.py` of each package above it (importing a submodule runs them) and, in turn, what those
    import. `from pkg import name` adds `pkg/name.py` when that file exists (a submodule), else only
    `pkg`. Modules loaded by name at run time (`importlib`) are not seen; imports of other packages are
    ignored. The catalogue of experiments (`CATALOGUE`) is left out: adding an experiment to it changes no
    other experiment's results. Without `experiment_module`, every `.py` file under `root`.
    """
    root = _package_root(root)
    if experiment_module is None:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    if _source(experiment_module, root) is None:
        raise ValueError(f"experiment_module={experiment_module!r} is not a module of {PACKAGE} under {str(root)!r}; "
                         f"expected a dotted name such as '{PACKAGE}.experiments.e05_on_off_attacks'")
    sources: dict[str, Path | None] = {}  # _source per module name, looked up once per call

    def source(module: str) -> Path | None:
        if module not in sources:
            sources[module] = _source(module, root)
        return sources[module]

    seen: set[str] = set()  # the modules found (each has a file)
    named: set[str] = set()  # the names already followed (an import statement may name a module many times)
    todo = [experiment_module, RUNNER]
    while todo:
        name = todo.pop()
        if name in named:
            continue
        named.add(name)
        for module in _with_parents(name, source):
            if module not in seen and module != CATALOGUE:
                seen.add(module)
                todo.extend(_imports(module, source(module)))
    return sorted(source(m).relative_to(root).as_posix() for m in seen)


def _package_root(root: str | Path | None) -> Path:
    return Path(root) if root is not None else Path(__file__).resolve().parent.parent  # dmm_edu/


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


def _with_parents(module: str, source) -> list[str]:
    """The modules importing `module` runs: "a.b.c" -> ["a", "a.b", "a.b.c"], those with a file
    (`source(name)`, the file of a module name or None)."""
    parts = module.split(".")
    prefixes = (".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return [m for m in prefixes if source(m) is not None]


def _imports(module: str, path: Path) -> list[str]:
    """The dmm_edu module names that `module`'s import statements (in its file `path`) name, anywhere
    in the file.

    `from pkg import a, b` names "pkg", "pkg.a" and "pkg.b" (the last two count only where they are
    files). A file that does not parse imports nothing (it is hashed all the same).
    """
    try:
        stat = path.stat()
    except OSError:
        return []
    key = (str(path), module, stat.st_mtime_ns, stat.st_size)  # an edited file is parsed again
    if key not in _IMPORTS:
        _IMPORTS[key] = _parse_imports(module, path)
    return list(_IMPORTS[key])


_IMPORTS: dict[tuple, list[str]] = {}  #: what `_imports` found per (file, module, mtime, size): parsed once


def _parse_imports(module: str, path: Path) -> list[str]:
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


def provenance(duration_s: float | None = None, experiment_module: str | None = None,
               threads: int | None = None) -> dict:
    """Versions of what ran, the code hash, the time, the machine and the torch/BLAS threads it ran with
    (`dmm_edu.threads`: part of what the numbers depend on)."""
    from dmm_edu import __version__

    versions = {"dmm_edu": __version__, "python": platform.python_version(), "numpy": np.__version__}
    if "torch" in sys.modules:  # only report torch where the experiment used it
        versions["torch"] = sys.modules["torch"].__version__
    prov = {"versions": versions, "code_hash": code_hash(experiment_module), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()}}
    if threads is not None:
        prov["threads"] = int(threads)
    if duration_s is not None:
        prov["duration_s"] = round(duration_s, 3)
    return prov


def edited_since_loaded(experiment_module: str, since: float, loaded=None, root: str | Path | None = None) -> list[str]:
    """The files of `code_files(experiment_module)` whose module this process has already imported
    (`loaded`, default `sys.modules`) and that were modified on disk after `since` (a time.time()).

    A process that imported a module before its file was edited runs the old code, while `code_hash`
    reads the new file: a result it saved would sit under the new code's key. `run_cached` refuses
    to save such a result. Conservative: a module imported after the edit is listed too.
    """
    root = _package_root(root)
    loaded = sys.modules if loaded is None else loaded
    out = []
    for rel in code_files(experiment_module, root):
        parts = rel.removesuffix(".py").split("/")
        module = ".".join([PACKAGE, *parts[:-1]] if parts[-1] == "__init__" else [PACKAGE, *parts])
        if module in loaded and (root / rel).stat().st_mtime > since:
            out.append(rel)
    return out
