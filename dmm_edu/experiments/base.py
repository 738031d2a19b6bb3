"""Running an experiment: pick its config for a profile, run it with a seeded generator, save.

Every experiment module defines a config dataclass, `CONFIGS = {"smoke": …, "book": …, "full": …}`
and `run(config, rng, progress=None) -> (metrics, arrays)`. This module turns that into a
`Result` with provenance, and (with `out`) a saved result folder. Profiles: `smoke` (seconds; the
tests), `book` (what the book shows; CPU minutes), `full` (the paper's scale).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dmm_edu._checks import check_choice
from dmm_edu.experiments.registry import get_experiment
from dmm_edu.results import (
    Result,
    as_json,
    check_out_dir,
    code_hash,
    is_result_dir,
    load_result,
    provenance,
    save_result,
)

PROFILES = ("smoke", "book", "full")


def load_module(experiment_id: str):
    """The module implementing an experiment (ValueError if it is only planned)."""
    spec = get_experiment(experiment_id)
    if not spec.available:
        raise ValueError(f"experiment={experiment_id!r} is planned but not implemented yet; "
                         "`dmm-edu list` shows which can run")
    return importlib.import_module(spec.module)


def config_for(experiment_id: str, profile: str = "book", **overrides):
    """The config of `experiment_id` at `profile`, with fields replaced by `overrides`."""
    profile = check_choice("profile", profile, PROFILES)
    config = load_module(experiment_id).CONFIGS[profile]
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"unknown config field(s) {unknown} for {experiment_id}; accepted: {sorted(fields)}")
    return dataclasses.replace(config, **overrides)


def run_experiment(experiment_id: str, profile: str = "book", seed: int = 0, out: str | Path | None = None,
                   progress: Callable[[str], None] | None = None, **overrides) -> Result:
    """Run one experiment and return its Result; with `out`, also save it there (atomically).

    The seed feeds one `np.random.Generator` that makes every random draw of the run.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed={seed!r} is not accepted; expected a non-negative integer")
    if out is not None:
        check_out_dir(out)  # fail before the work, not after it
    module = load_module(experiment_id)
    config = config_for(experiment_id, profile, **overrides)
    rng = np.random.default_rng(int(seed))
    t0 = time.perf_counter()
    metrics, arrays = module.run(config, rng, progress=progress)
    result = Result(experiment=experiment_id, profile=profile, seed=int(seed), config=as_json(dataclasses.asdict(config)),
                    metrics=as_json(metrics), arrays=arrays, provenance=provenance(time.perf_counter() - t0, module.__name__))
    if out is not None:
        save_result(result, out)
    return result


def cache_key(experiment_id: str, profile: str, seed: int, config) -> str:
    """What a cached result depends on: experiment, profile, seed, the full config and the code (`code_hash`:
    the experiment's module, this runner and every dmm_edu module they import)."""
    spec = json.dumps({"experiment": experiment_id, "profile": profile, "seed": int(seed),
                       "config": as_json(dataclasses.asdict(config))}, sort_keys=True)
    return hashlib.sha256((spec + code_hash(get_experiment(experiment_id).module)).encode()).hexdigest()[:16]


def run_cached(experiment_id: str, profile: str = "book", seed: int = 0, cache: str | Path | None = None,
               progress: Callable[[str], None] | None = None, **overrides) -> Result:
    """`run_experiment`, unless the same experiment, profile, seed, config and code already ran.

    Results live in `cache` (default: the dmm_edu cache folder's `results/`), one folder per key;
    a folder that fails its content-hash check is recomputed. Editing any source the result
    depends on (see `dmm_edu.results.code_hash`) changes the key, so a cached number never outlives
    the code that made it.
    """
    from dmm_edu.cache import cache_dir

    config = config_for(experiment_id, profile, **overrides)
    key = cache_key(experiment_id, profile, seed, config)
    folder = Path(cache) if cache is not None else cache_dir() / "results"
    folder = folder / f"{experiment_id}-{profile}-s{seed}-{key}"
    if is_result_dir(folder):
        try:
            return load_result(folder)
        except ValueError:
            pass  # tampered or damaged: run again and replace it
    return run_experiment(experiment_id, profile, seed, out=folder, progress=progress, **overrides)
