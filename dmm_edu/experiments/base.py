"""Running an experiment: pick its config for a profile, run it with a seeded generator, save.

Every experiment module defines a config dataclass, `CONFIGS = {"smoke": …, "book": …, "full": …}`
and `run(config, rng, progress=None) -> (metrics, arrays)`, and may define `check_config(config)`
(ValueError naming a field whose value it cannot run). This module turns that into a `Result` with
provenance, and (with `out`) a saved result folder. Everything that can be checked is checked before
the work: the experiment id (any case), the profile, the seed, every override (a known field, of
its annotated type, in the experiment's range) and the output folder (writable, not someone else's).
Profiles: `smoke` (seconds; the tests), `book` (what the book shows; CPU minutes), `full` (the
paper's scale).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import time
import typing
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dmm_edu import threads as thread_policy
from dmm_edu._checks import check_choice, check_type
from dmm_edu.experiments.registry import canonical_id, get_experiment
from dmm_edu.results import (
    CorruptResultError,
    Result,
    as_json,
    code_hash,
    load_result,
    prepare_folder,
    prepare_out_dir,
    provenance,
    save_result,
)

PROFILES = ("smoke", "book", "full")


def load_module(experiment_id: str):
    """The module implementing an experiment (id in any case; ValueError if it is only planned)."""
    spec = get_experiment(experiment_id)
    if not spec.available:
        raise ValueError(f"experiment={experiment_id!r} is planned but not implemented yet; "
                         "`dmm-edu list` shows which can run")
    return importlib.import_module(spec.module)


def config_for(experiment_id: str, profile: str = "book", **overrides):
    """The config of `experiment_id` at `profile`, with fields replaced by `overrides`, checked.

    ValueError naming the field for an unknown field, a value not of the field's annotated type
    (`tuple[int, ...]`, `int | None`, …; a list is accepted for a tuple), or a value outside what the
    experiment accepts (its `check_config`). Nothing runs before these checks.
    """
    profile = check_choice("profile", profile, PROFILES)
    module = load_module(experiment_id)
    config = module.CONFIGS[profile]
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"unknown config field(s) {unknown} for {canonical_id(experiment_id)}; "
                         f"accepted: {sorted(fields)}")
    hints = typing.get_type_hints(type(config))
    overrides = {name: check_type(name, value, hints[name]) for name, value in overrides.items()}
    config = dataclasses.replace(config, **overrides)
    check = getattr(module, "check_config", None)
    if check is not None:
        check(config)
    return config


def check_seed(seed) -> int:
    """`seed` as an int if it is a non-negative integer; ValueError otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} is not accepted; expected a non-negative integer")
    return int(seed)


def run_experiment(experiment_id: str, profile: str = "book", seed: int = 0, out: str | Path | None = None,
                   progress: Callable[[str], None] | None = None, force: bool = False, **overrides) -> Result:
    """Run one experiment and return its Result; with `out`, also save it there (see `save_result`).

    experiment_id: a registered id in any case ("e8i" runs "E8i"; the result records "E8i"). The seed
    feeds one `np.random.Generator` that makes every random draw of the run. Before any work: the
    config and `overrides` are checked (`config_for`) and `out` is checked and proven writable
    (`prepare_out_dir`: a folder of other files, another experiment's result without `force`, an
    unwritable place raise OutputFolderError). It computes with `dmm_edu.threads.threads()` torch and
    BLAS threads (1 unless `$DMM_EDU_THREADS` says otherwise; the previous counts are restored after),
    recorded in the provenance: at one thread a result is the same on any machine and under any load.
    """
    experiment_id = canonical_id(experiment_id)
    seed = check_seed(seed)
    thread_policy.threads()  # a bad $DMM_EDU_THREADS fails here, before any work
    module = load_module(experiment_id)
    config = config_for(experiment_id, profile, **overrides)
    if out is not None:
        prepare_out_dir(out, experiment_id, profile, seed, force=force)  # fail before the work, not after it
    n_threads = thread_policy.threads()  # the numbers depend on it: recorded, and part of the cache key
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    with thread_policy.limit(n_threads):
        metrics, arrays = module.run(config, rng, progress=progress)
    result = Result(experiment=experiment_id, profile=profile, seed=seed, config=as_json(dataclasses.asdict(config)),
                    metrics=as_json(metrics), arrays=arrays,
                    provenance=provenance(time.perf_counter() - t0, module.__name__, threads=n_threads))
    if out is not None:
        save_result(result, out, force=force)
    return result


def cache_key(experiment_id: str, profile: str, seed: int, config, threads: int | None = None) -> str:
    """What a cached result depends on: experiment, profile, seed, the full config, the code (`code_hash`:
    the experiment's module, this runner and every dmm_edu module they import) and the torch/BLAS threads
    it computes with (default: `dmm_edu.threads.threads()`; a float sum split over more threads rounds
    differently, so a result made with 4 threads never stands in for one made with 1)."""
    experiment_id = canonical_id(experiment_id)
    threads = thread_policy.threads() if threads is None else thread_policy.check_threads("threads", threads)
    spec = json.dumps({"experiment": experiment_id, "profile": profile, "seed": int(seed),
                       "config": as_json(dataclasses.asdict(config)), "threads": threads}, sort_keys=True)
    return hashlib.sha256((spec + code_hash(get_experiment(experiment_id).module)).encode()).hexdigest()[:16]


def run_cached(experiment_id: str, profile: str = "book", seed: int = 0, cache: str | Path | None = None,
               progress: Callable[[str], None] | None = None, **overrides) -> Result:
    """`run_experiment`, unless the same experiment, profile, seed, config and code already ran.

    Results live in `cache` (default: the dmm_edu cache folder's `results/`, `dmm_edu.cache.results_dir`),
    one folder per key. An entry that cannot be used (a damaged or missing file, a content hash that
    does not match, an older format: any CorruptResultError) is recomputed and replaced; one left
    half-replaced by a crash is first restored. Editing any source the result depends on (see
    `dmm_edu.results.code_hash`) changes the key, so a cached number never outlives the code that
    made it. A process that imported that source before it was edited would compute with the old code:
    it gets a fresh result that is not cached (RuntimeWarning). The cache folder is created and proven
    writable before any work (OutputFolderError).
    Processes that ask for the same missing run at once (two builds, parallel tests) compute it once:
    the others wait on a lock file (in the temporary folder) and then read it.
    """
    folder = cache_folder(experiment_id, profile, seed, cache, **overrides)
    result = _load_if_usable(folder)
    if result is not None:
        return result
    stale = _stale_in_memory(experiment_id)
    if stale:  # this process would compute with the old code and file it under the new code's key
        warnings.warn(f"{canonical_id(experiment_id)}: {', '.join(stale)} changed on disk after this process "
                      "imported it; computing with the code in memory without caching the result "
                      "(restart the process to cache it)", RuntimeWarning, stacklevel=2)
        return run_experiment(experiment_id, profile, seed, progress=progress, **overrides)
    with _lock(folder):  # two processes asking for one run: one computes, the other waits, then reads it
        result = _load_if_usable(folder)  # the other process may have made it meanwhile
        if result is not None:
            return result
        return run_experiment(experiment_id, profile, seed, out=folder, progress=progress, force=True, **overrides)


def _stale_in_memory(experiment_id: str) -> list[str]:
    """The source files of an experiment edited since this process imported them (`edited_since_loaded`)."""
    import dmm_edu
    from dmm_edu.results.code import edited_since_loaded

    return edited_since_loaded(get_experiment(experiment_id).module, dmm_edu.IMPORTED_AT)


def _lock(folder: Path):
    """An inter-process lock for one cache entry; the lock file lives in the temporary folder (keyed by
    the entry's absolute path), so cache folders hold results only."""
    import tempfile

    from filelock import FileLock

    locks = Path(tempfile.gettempdir()) / "dmm_edu-locks"
    locks.mkdir(exist_ok=True)
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:24]
    return FileLock(locks / f"{name}.lock")


def _load_if_usable(folder: Path) -> Result | None:
    try:
        return load_result(folder)
    except FileNotFoundError:
        return None  # not computed yet
    except CorruptResultError:
        return None  # damaged, tampered or outdated: run again and replace it


def cache_folder(experiment_id: str, profile: str = "book", seed: int = 0, cache: str | Path | None = None,
                 **overrides) -> Path:
    """The folder where `run_cached` keeps (or will keep) this run; the cache root is created and proven
    writable (OutputFolderError), the config and seed checked (ValueError), nothing computed."""
    from dmm_edu.cache import ENV_VAR as CACHE_ENV
    from dmm_edu.cache import results_dir

    experiment_id, seed = canonical_id(experiment_id), check_seed(seed)
    config = config_for(experiment_id, profile, **overrides)
    key = cache_key(experiment_id, profile, seed, config)
    root = prepare_folder(cache if cache is not None else results_dir(), "cache",
                          "" if cache is not None else f" (the default cache; set {CACHE_ENV} to use another folder)")
    return root / f"{experiment_id}-{profile}-s{seed}-{key}"


def load_cached(experiment_id: str, profile: str = "book", seed: int = 0, cache: str | Path | None = None,
                **overrides) -> Result | None:
    """The result `run_cached` would return without computing, or None if it would have to compute."""
    return _load_if_usable(cache_folder(experiment_id, profile, seed, cache, **overrides))
