"""Smoke-profile results shared by the image-experiment test modules: each (experiment, seed,
overrides) runs once per test session, whichever module asks first."""

from dmm_edu.experiments.base import run_experiment

_RESULTS: dict = {}


def smoke(experiment: str, seed: int, **overrides):
    """The smoke result of (experiment, seed, overrides), run once per test session."""
    key = (experiment, seed, tuple(sorted(overrides.items())))
    if key not in _RESULTS:
        _RESULTS[key] = run_experiment(experiment, "smoke", seed=seed, **overrides)
    return _RESULTS[key]
