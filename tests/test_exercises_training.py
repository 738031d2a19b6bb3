"""The training chapters' exercise checks: references pass for any seed, stubs and typical mistakes fail helpfully.

Each wrong answer is a mistake a reader is likely to make (the inverse ratio, FGSM's sign step in an L2
exercise, D_rand drawn over the classes ≠ y, the global random state); the test asserts the checker names it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dmm_edu.exercises import EXERCISES, check, starter, training

IDS = ["ch-dimpling.ex1", "ch-adv-training.ex1", "ch-mislabeled.ex1"]


def stub(exercise_id: str):
    namespace: dict = {}
    exec(starter(exercise_id), namespace)  # noqa: S102 - our own starter text
    (fn,) = [v for k, v in namespace.items() if callable(v) and not k.startswith("__")]
    return fn


def P_T(v, U):
    return U @ (U.T @ v)


def test_the_exercises_are_registered():
    assert all(i in EXERCISES for i in IDS)
    assert [EXERCISES[i].reference for i in IDS] == [training.off_on_ratio, training.worst_case_perturbation,
                                                     training.new_targets]


@pytest.mark.parametrize("exercise_id", IDS)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_reference_solutions_pass_for_any_seed(exercise_id, seed):
    result = check(exercise_id, EXERCISES[exercise_id].reference, np.random.default_rng(seed))
    assert result.passed, str(result)


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_stub_fails_and_says_it_is_a_stub(exercise_id):
    result = check(exercise_id, stub(exercise_id))
    assert not result.passed and "NotImplementedError" in result.message and "stub" in result.message


def _excluding_y(y, C, rule, rng):
    if rule == "det":
        return (y + 1) % C
    return (y + rng.integers(1, C, size=len(y))) % C  # uniform over the classes ≠ y


def _global_state(y, C, rule, rng):
    return (y + 1) % C if rule == "det" else np.random.randint(0, C, size=len(y))


MISTAKES = [
    ("ch-dimpling.ex1", lambda w, U: np.linalg.norm(w - P_T(w, U)) / np.linalg.norm(P_T(w, U)), "d_on / d_off"),
    ("ch-dimpling.ex1", lambda w, U: np.linalg.norm(U.T @ w) / np.linalg.norm(w), "on(w)"),
    ("ch-dimpling.ex1", lambda w, U: (np.linalg.norm(P_T(w, U)) / np.linalg.norm(w - P_T(w, U))) ** 2, "square"),
    ("ch-dimpling.ex1", lambda w, U: 0.0, "f(x) cancels"),
    ("ch-adv-training.ex1", lambda w, b, x, y, eps: eps * y * w / np.linalg.norm(w), "sign"),
    ("ch-adv-training.ex1", lambda w, b, x, y, eps: -eps * y * np.sign(w), "L∞"),
    ("ch-adv-training.ex1", lambda w, b, x, y, eps: -eps * y * w, "without dividing by ‖w‖"),
    ("ch-adv-training.ex1", lambda w, b, x, y, eps: -eps * y * w / np.abs(w).sum(), "can lower it to"),
    ("ch-mislabeled.ex1", lambda y, C, rule, rng: y % C, "wrapping round"),
    ("ch-mislabeled.ex1", _excluding_y, "anti-informative"),
    ("ch-mislabeled.ex1", _global_state, "not from np.random"),
    ("ch-mislabeled.ex1", lambda y, C, rule, rng: (y + 1) % C, "returned the 'det' labels"),
    ("ch-mislabeled.ex1", lambda y, C, rule, rng: (y + 1) % C if rule == "det" else rng.integers(0, C // 2, len(y)),
     "not uniform"),
]


@pytest.mark.parametrize("exercise_id, wrong, phrase", MISTAKES, ids=[f"{m[0]}:{m[2]}" for m in MISTAKES])
def test_typical_mistakes_get_specific_feedback(exercise_id, wrong, phrase):
    result = check(exercise_id, wrong)
    assert not result.passed
    assert phrase in result.message, result.message


@settings(max_examples=20, deadline=None)
@given(n=st.integers(3, 300), data=st.data())
def test_off_on_ratio_matches_the_two_distances_of_a_linear_boundary(n, data):
    """d_S = |f(x)| / ‖P_S w‖ from the closed form of the shortest step inside S; the ratio is f-free."""
    k = data.draw(st.integers(1, n - 1))
    rng = np.random.default_rng(n * 1000 + k)
    U = np.linalg.qr(rng.standard_normal((n, k)))[0]  # (n, k)
    w, x, b = rng.standard_normal(n), rng.standard_normal(n), 0.3
    f = w @ x + b
    w_T = P_T(w, U)
    d_on = abs(f) / np.linalg.norm(w_T)
    d_off = abs(f) / np.linalg.norm(w - w_T)
    # the steps reach the boundary and stay in their subspace
    step_on = -f * w_T / (w_T @ w_T)
    step_off = -f * (w - w_T) / ((w - w_T) @ (w - w_T))
    assert abs(w @ (x + step_on) + b) < 1e-8 * (1 + abs(f)) and abs(w @ (x + step_off) + b) < 1e-8 * (1 + abs(f))
    assert np.linalg.norm(step_on) == pytest.approx(d_on) and np.linalg.norm(step_off) == pytest.approx(d_off)
    assert training.off_on_ratio(w, U) == pytest.approx(d_off / d_on)


def test_rand_targets_are_independent_of_y():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 10, size=50_000)
    t = training.new_targets(y, 10, "rand", rng)
    assert abs(np.mean(t == y) - 0.1) < 0.01  # 5 sd of Binomial(50000, 0.1) / 50000
