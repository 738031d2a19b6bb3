"""Checks for the book's coding exercises: useful feedback without giving the answer away.

Write the function a chapter asks for, then hand it to `check`:

    from dmm_edu.exercises import check, starter
    print(starter("ch-manifolds.ex1"))           # the stub to start from
    def on_fraction(d, U): ...
    print(check("ch-manifolds.ex1", on_fraction))  # [PASSED] … or [NOT YET] … with what is off

The checker calls your function on randomized inputs drawn from an explicit np.random.Generator
(default: np.random.default_rng(0)) and compares the output with what the math requires; the
reference solutions live in `dmm_edu.exercises.solutions`. numpy only.
Book pages: "Data manifolds and tangent spaces", "Why perturbations are tiny and look like noise",
"On- vs off-manifold perturbations", "Dimpling in high dimension", "Adversarial training deepens
dimples", "Training on mislabeled adversarial examples" (their exercises).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

import numpy as np

from dmm_edu._checks import check_rng
from dmm_edu.exercises import manifolds, on_off, tiny, training
from dmm_edu.exercises._core import CheckResult, Exercise, Feedback

#: every exercise by id ("ch-<chapter>.ex<number>")
EXERCISES: dict[str, Exercise] = {ex.id: ex for module in (manifolds, tiny, on_off, training) for ex in module.EXERCISES}


def exercise_ids() -> list[str]:
    """The ids of every exercise, in book order."""
    return list(EXERCISES)


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise registered as `exercise_id`; ValueError listing the ids (and the closest) otherwise."""
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        near = difflib.get_close_matches(str(exercise_id), EXERCISES, n=1, cutoff=0.6)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"exercise_id={exercise_id!r} is not an exercise; accepted: {', '.join(EXERCISES)}.{hint}")
    return EXERCISES[exercise_id]


def starter(exercise_id: str) -> str:
    """The starter stub of an exercise (Python source: the signature, a docstring, NotImplementedError)."""
    return get_exercise(exercise_id).starter


def check(exercise_id: str, fn: Callable, rng: np.random.Generator | None = None) -> CheckResult:
    """Run the randomized tests of `exercise_id` on your function `fn`; a CheckResult to print.

    rng: the generator the tests draw from (default np.random.default_rng(0)); another seed gives
    other inputs, the same verdict for a correct function. A stub that still raises
    NotImplementedError, a wrong answer or an exception in `fn` give passed=False and a message.
    """
    exercise = get_exercise(exercise_id)
    if not callable(fn):
        raise TypeError(f"fn must be your function (callable), e.g. check({exercise_id!r}, "
                        f"{exercise.signature.split('(')[0]}); got {type(fn).__name__}")
    rng = np.random.default_rng(0) if rng is None else check_rng("rng", rng)
    try:
        note = exercise.test(fn, rng)
    except Feedback as feedback:
        return CheckResult(exercise_id, False, str(feedback))
    return CheckResult(exercise_id, True, note)


__all__ = ["EXERCISES", "CheckResult", "Exercise", "check", "exercise_ids", "get_exercise", "starter"]
