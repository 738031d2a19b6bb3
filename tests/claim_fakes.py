"""A fake experiment result for the claims tests: the metrics a test names, and provenance enough to quote them."""

from __future__ import annotations

from dmm_edu.results import Result


def fake_result(metrics: dict, experiment: str = "E5", seed: int = 0, profile: str = "smoke") -> Result:
    """A Result of `experiment` at `profile` and `seed` holding `metrics` (a code hash that differs per seed)."""
    return Result(experiment, profile, seed, {"a": 1}, metrics, {}, {"code_hash": f"{seed}" * 64, "versions": {},
                                                                       "duration_s": 1.0})
