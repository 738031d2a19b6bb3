"""One run-wide cache of experiment results, shared by every test file.

`smoke(experiment, seed, **overrides)` and `book(...)` return the result of `run_cached` in the
run cache, once per test session (later calls return the same object: treat it as read-only).
The run cache is the dmm_edu results cache as the session found it ($DMM_EDU_CACHE, else the user
cache folder), read before any test can point $DMM_EDU_CACHE elsewhere: after the README's
`dmm-edu book build`, the book-profile tests read the build's runs instead of training again, and
a second test session reads the first one's smoke runs. A cached result is keyed by experiment,
profile, seed, config, code and threads (`dmm_edu.experiments.base.cache_key`), so it is always the
result the current code would compute. `$DMM_EDU_TEST_CACHE` points the run cache elsewhere (a
folder of its own: `.ci/run` does not, on purpose).
"""

from __future__ import annotations

import os
from pathlib import Path

from dmm_edu.experiments.base import run_cached

_RESULTS: dict = {}
_CACHE: list[Path] = []


def run_cache() -> Path:
    """The run-wide results folder (fixed at the first call of the session; conftest makes that call
    before any test runs)."""
    if not _CACHE:
        from dmm_edu.cache import results_dir

        override = os.environ.get("DMM_EDU_TEST_CACHE")
        _CACHE.append(Path(override) / "results" if override else results_dir())
    return _CACHE[0]


def cached(experiment: str, profile: str, seed: int = 0, **overrides):
    """The result of (experiment, profile, seed, overrides) from the run cache, computed at most once."""
    key = (experiment, profile, seed, tuple(sorted(overrides.items())))
    if key not in _RESULTS:
        _RESULTS[key] = run_cached(experiment, profile, seed, cache=run_cache(), **overrides)
    return _RESULTS[key]


def smoke(experiment: str, seed: int = 0, **overrides):
    """The smoke result of (experiment, seed, overrides) from the run cache."""
    return cached(experiment, "smoke", seed, **overrides)


def book(experiment: str, seed: int = 0, **overrides):
    """The book-profile result of (experiment, seed, overrides) from the run cache."""
    return cached(experiment, "book", seed, **overrides)
