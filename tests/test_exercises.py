"""The exercise checker: reference solutions pass, stubs fail helpfully, typical mistakes get specific feedback.

Each wrong answer below is a mistake a reader is likely to make; the test asserts the checker names
that mistake (a phrase of its message) rather than a generic "wrong". Correct answers must pass for
any generator seed, so the verdict does not hinge on one draw.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.exercises import EXERCISES, CheckResult, check, exercise_ids, get_exercise, starter, solutions
from dmm_edu.exercises.manifolds import exact_mean_on


def stub_from_starter(exercise_id: str):
    """The function defined by an exercise's starter source (it raises NotImplementedError)."""
    namespace: dict = {}
    exec(starter(exercise_id), namespace)  # noqa: S102 - our own starter text
    (fn,) = [v for k, v in namespace.items() if callable(v) and not k.startswith("__")]
    return fn


def verdict(exercise_id: str, fn, seed: int = 0) -> CheckResult:
    return check(exercise_id, fn, np.random.default_rng(seed))


# --- the registry and the result ------------------------------------------------------------------

def test_ids_are_per_chapter_and_cover_this_books_chapters():
    ids = exercise_ids()
    assert ids == list(EXERCISES)
    assert {"ch-manifolds", "ch-tiny", "ch-on-off"} <= {i.split(".")[0] for i in ids}  # other chapters may add theirs
    assert all(i.startswith("ch-") and ".ex" in i for i in ids)
    for i in ids:
        assert get_exercise(i).id == i


def test_unknown_id_lists_the_ids_and_suggests_the_closest():
    with pytest.raises(ValueError) as err:
        check("ch-onoff.ex1", solutions.project_l2_ball)
    msg = str(err.value)
    assert "ch-onoff.ex1" in msg and all(i in msg for i in exercise_ids())
    assert "Did you mean 'ch-on-off.ex1'" in msg


def test_fn_must_be_callable_and_rng_a_generator():
    with pytest.raises(TypeError, match="must be your function"):
        check("ch-tiny.ex1", 3.0)
    with pytest.raises((TypeError, ValueError), match="rng"):
        check("ch-tiny.ex1", solutions.minimal_linear_perturbation, rng=42)


def test_result_prints_its_verdict():
    ok = verdict("ch-manifolds.ex1", solutions.on_fraction)
    assert ok.passed and bool(ok) and str(ok).startswith("[PASSED] ch-manifolds.ex1")
    bad = verdict("ch-manifolds.ex1", lambda d, U: 0.0)
    assert not bad.passed and not bool(bad) and str(bad).startswith("[NOT YET] ch-manifolds.ex1")


# --- references pass, stubs fail ------------------------------------------------------------------

@pytest.mark.parametrize("exercise_id", list(EXERCISES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_reference_solution_passes(exercise_id, seed):
    result = verdict(exercise_id, get_exercise(exercise_id).reference, seed)
    assert result.passed, str(result)


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_the_starter_stub_fails_and_says_it_is_a_stub(exercise_id):
    result = verdict(exercise_id, stub_from_starter(exercise_id))
    assert not result.passed
    assert "NotImplementedError" in result.message and "stub" in result.message


ZERO_STUBS = {
    "ch-manifolds.ex1": lambda d, U: 0.0,
    "ch-manifolds.ex2": lambda U, n_samples, rng: 0.0,
    "ch-tiny.ex1": lambda w, b, x: np.zeros_like(x),
    "ch-tiny.ex2": lambda d, U: (np.zeros_like(d), np.zeros_like(d)),
    "ch-on-off.ex1": lambda delta, eps: np.zeros_like(delta),
    "ch-on-off.ex2": lambda w, b, x, U: 0.0,
}


@pytest.mark.parametrize("exercise_id", list(ZERO_STUBS))
def test_a_stub_returning_zeros_fails_with_a_reason(exercise_id):
    result = verdict(exercise_id, ZERO_STUBS[exercise_id])
    assert not result.passed
    assert len(result.message) > 40  # says what is off, not just "wrong"


def test_exceptions_in_the_readers_function_are_reported_with_the_input():
    def broken(d, U):
        return float(np.linalg.norm(U @ d))  # shape error: U is (n, k), d is (n,)

    result = verdict("ch-manifolds.ex1", broken)
    assert not result.passed and "ValueError" in result.message and "U: (" in result.message


def test_wrong_return_types_are_named():
    assert "one number" in verdict("ch-manifolds.ex1", lambda d, U: np.ones(3)).message
    assert "forget `return`" in verdict("ch-tiny.ex1", lambda w, b, x: None).message
    assert "should have shape" in verdict("ch-on-off.ex1", lambda delta, eps: delta[0]).message


# --- typical mistakes get specific feedback ---------------------------------------------------------

def P_T(d, U):
    return U @ (U.T @ d)


MISTAKES = [
    ("ch-manifolds.ex1", lambda d, U: np.linalg.norm(P_T(d, U)), "forgot to normalise"),
    ("ch-manifolds.ex1", lambda d, U: np.linalg.norm(P_T(d, U)) ** 2 / (d @ d), "square of on(v)"),
    ("ch-manifolds.ex1", lambda d, U: np.linalg.norm(d - P_T(d, U)) / np.linalg.norm(d), "*off* the manifold"),
    ("ch-manifolds.ex1", lambda d, U: np.linalg.norm(P_T(d, U)) / np.linalg.norm(d) ** 2, "must not depend"),
    ("ch-manifolds.ex1", lambda d, U: 1.0 + np.linalg.norm(P_T(d, U)) / np.linalg.norm(d), "exceeds 1"),
    ("ch-manifolds.ex2", lambda U, S, rng: float(np.mean(
        np.linalg.norm(rng.standard_normal((S, U.shape[0])) @ U, axis=1) ** 2 / U.shape[0])), "close to k/n"),
    ("ch-manifolds.ex2", lambda U, S, rng: float(np.mean([
        np.linalg.norm(U.T @ g) / np.linalg.norm(g) for g in rng.uniform(0, 1, (S, U.shape[0]))])), "not isotropic"),
    ("ch-manifolds.ex2", lambda U, S, rng: float(np.sqrt(U.shape[1] / U.shape[0])), "does not use the `rng`"),
    ("ch-tiny.ex1", lambda w, b, x: (w @ x + b) * w / (w @ w), "check its sign"),
    ("ch-tiny.ex1", lambda w, b, x: -(w @ x + b) * w / np.linalg.norm(w), "factor ‖w‖"),
    ("ch-tiny.ex1", lambda w, b, x: -w / (w @ w), "factor 1/|f(x)|"),
    ("ch-tiny.ex1", lambda w, b, x: -(w @ x + b) * np.sign(w) / np.abs(w).sum(), "longer than it needs"),
    ("ch-tiny.ex2", lambda d, U: (d - P_T(d, U), P_T(d, U)), "other order"),
    ("ch-tiny.ex2", lambda d, U: (U.T @ d, d - P_T(d, U)), "coordinates in the frame"),
    ("ch-tiny.ex2", lambda d, U: (P_T(d, U), d), "add up to δ"),
    ("ch-on-off.ex1", lambda delta, eps: np.clip(delta, -eps, eps), "coordinate-wise clip"),
    ("ch-on-off.ex1", lambda delta, eps: delta * eps / np.linalg.norm(delta, axis=1, keepdims=True), "NaN"),
    ("ch-on-off.ex1", lambda delta, eps: delta * eps / np.maximum(np.linalg.norm(delta, axis=1, keepdims=True), 1e-12),
     "already inside the ball onto its surface"),
    ("ch-on-off.ex1", lambda delta, eps: delta * min(1.0, eps / np.linalg.norm(delta)), "whole batch"),
    ("ch-on-off.ex2", lambda w, b, x, U: abs(w @ x + b) / np.linalg.norm(w), "unrestricted distance"),
    ("ch-on-off.ex2", lambda w, b, x, U: abs(w @ x + b) / np.linalg.norm(w - P_T(w, U)), "normal space"),
    ("ch-on-off.ex2", lambda w, b, x, U: abs(w @ x + b) * np.linalg.norm(U.T @ w) / (w @ w), "project every step"),
]


@pytest.mark.parametrize("exercise_id, wrong, phrase", MISTAKES, ids=[f"{m[0]}:{m[2]}" for m in MISTAKES])
def test_typical_mistakes_get_specific_feedback(exercise_id, wrong, phrase):
    with np.errstate(divide="ignore", invalid="ignore"):
        result = verdict(exercise_id, wrong)
    assert not result.passed
    assert phrase in result.message, result.message


def test_global_random_state_is_caught():
    def uses_np_random(U, n_samples, rng):
        d = np.random.standard_normal((n_samples, U.shape[0]))
        return float(np.mean(np.linalg.norm(d @ U, axis=1) / np.linalg.norm(d, axis=1)))

    assert "not from np.random" in verdict("ch-manifolds.ex2", uses_np_random).message


def test_feedback_does_not_print_the_reference_code():
    import inspect

    for exercise_id, wrong, _ in MISTAKES:
        ref_lines = [line.strip() for line in inspect.getsource(get_exercise(exercise_id).reference).splitlines()
                     if "=" in line or "return" in line]
        with np.errstate(divide="ignore", invalid="ignore"):
            message = verdict(exercise_id, wrong).message
        assert not any(line and line in message for line in ref_lines), (exercise_id, message)


# --- the math the checks rely on --------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 400), data=st.data())
def test_exact_mean_on_is_below_sqrt_k_over_n_and_matches_sampling(n, data):
    k = data.draw(st.integers(1, n - 1))
    mean = exact_mean_on(n, k)
    assert 0 < mean < np.sqrt(k / n)  # Jensen: E[on] < √E[on²] = √(k/n)
    on = solutions.estimate_random_on(np.linalg.qr(np.random.default_rng(n).standard_normal((n, k)))[0], 4000,
                                      np.random.default_rng(k))
    sd = np.sqrt(k / n - mean**2)
    assert abs(on - mean) < 5 * sd / np.sqrt(4000) + 1e-12


def test_exact_mean_on_for_the_full_space_is_one():
    assert exact_mean_on(7, 7) == pytest.approx(1.0)
