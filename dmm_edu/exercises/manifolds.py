"""Exercises of "Data manifolds and tangent spaces": the on-manifold fraction and the random baseline.

ch-manifolds.ex1: write on(v) = ‖U Uᵀ v‖/‖v‖. ch-manifolds.ex2: estimate E[on(v)] for random
directions by sampling (its exact value is a ratio of Gamma functions, a little below √(k/n)).
The tests draw frames and directions from the generator they are given.
"""

from __future__ import annotations

import math

import numpy as np

from dmm_edu.exercises import solutions
from dmm_edu.exercises._core import Exercise, Feedback, as_scalar, call, close, orthonormal_frame

# ---------------------------------------------------------------- ex1: on(v)
ON_FRACTION_STARTER = '''def on_fraction(v, U):
    """on(v) = ‖P_T v‖ / ‖v‖ for a direction v (n,) and an orthonormal tangent frame U (n, k)."""
    raise NotImplementedError
'''


def _diagnose_on(r: float, v: np.ndarray, U: np.ndarray, where: str) -> None:
    """Feedback when the returned r is not on(v); the specific mistakes first."""
    norm_v, v_T = float(np.linalg.norm(v)), U @ (U.T @ v)
    expected = float(np.linalg.norm(v_T) / norm_v)
    if close(r, expected):
        return
    if close(r, np.linalg.norm(v_T)):
        raise Feedback(f"for a v of norm {norm_v:.3g} ({where}) you returned {r:.4g}, the length of the tangent part "
                       "itself: you forgot to normalise by ‖v‖, so your value changes when v is rescaled")
    if close(r, np.linalg.norm(v_T) / norm_v**2):
        raise Feedback(f"{where}: your value {r:.4g} shrinks like 1/‖v‖ when v is rescaled: on(v) must not depend "
                       "on the length of v (check the power of ‖v‖ you divide by)")
    if close(r, expected**2):
        raise Feedback(f"{where}: your value {r:.4g} is the square of on(v): on(v) is a ratio of lengths, "
                       "not of squared lengths")
    if close(r, math.sqrt(max(0.0, 1 - expected**2))):
        raise Feedback(f"{where}: your value {r:.4g} is the share of v that lies *off* the manifold, "
                       "‖P_N v‖/‖v‖; the exercise asks for the on-manifold share")
    if r > 1 + 1e-9:
        raise Feedback(f"your value {r:.4g} exceeds 1 for a v of norm {norm_v:.3g} ({where}): on(v) is the "
                       "fraction of v's length that lies along the manifold, so it lies in [0, 1]")
    if r < -1e-12:
        raise Feedback(f"your value {r:.4g} is negative ({where}): a ratio of two lengths is ≥ 0")
    raise Feedback(f"{where}: you returned {r:.4g}; on(v) should be {expected:.4g} there. Check that you "
                   "project v onto span(U) with U Uᵀ (not Uᵀ U) and divide by the length of v")


def test_on_fraction(fn, rng: np.random.Generator) -> str:
    for n, k in ((10, 3), (50, 5), (200, 10)):
        U = orthonormal_frame(n, k, rng)  # (n, k)
        v = rng.standard_normal(n) * rng.uniform(2.0, 5.0)  # (n,) a random direction, length far from 1
        where = f"random v, n = {n}, k = {k}"
        _diagnose_on(as_scalar(call(fn, v, U, where=f"with v: ({n},), U: ({n}, {k})"), "on_fraction(v, U)"),
                     v, U, where)
    n, k = 30, 4
    U = orthonormal_frame(n, k, rng)
    inside = 3.0 * U @ rng.standard_normal(k)  # (n,) a direction in span(U)
    r = as_scalar(call(fn, inside, U, where="with v inside span(U)"), "on_fraction(v, U)")
    if not close(r, 1.0):
        raise Feedback(f"for a v that lies inside span(U) you returned {r:.4g}: such a v is entirely on the "
                       "manifold, so on(v) should be 1")
    g = rng.standard_normal(n)
    normal = 2.0 * (g - U @ (U.T @ g))  # (n,) a direction perpendicular to span(U)
    r = as_scalar(call(fn, normal, U, where="with v perpendicular to span(U)"), "on_fraction(v, U)")
    if not close(r, 0.0):
        raise Feedback(f"for a v perpendicular to span(U) you returned {r:.4g}: it has no tangent part, "
                       "so on(v) should be 0")
    return "on(v) is right for random v, for v inside the tangent space (1) and perpendicular to it (0)."


# ---------------------------------------------------------------- ex2: the random baseline by sampling
ESTIMATE_STARTER = '''def estimate_random_on(U, n_samples, rng):
    """The mean of on(v) over n_samples random directions v in R^n (U: (n, k) orthonormal frame).
    Draw every random number from rng (a np.random.Generator)."""
    raise NotImplementedError
'''


def exact_mean_on(n: int, k: int) -> float:
    """E[on(g)] for g ~ N(0, I_n): on(g)² ~ Beta(k/2, (n−k)/2), so E[on] = Γ((k+1)/2)Γ(n/2) / (Γ(k/2)Γ((n+1)/2))."""
    return math.exp(math.lgamma((k + 1) / 2) + math.lgamma(n / 2) - math.lgamma(k / 2) - math.lgamma((n + 1) / 2))


def _diagonal_frame(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """An orthonormal frame (n, k) whose first column is the diagonal (1, …, 1)/√n: it catches
    directions drawn from a distribution with a preferred direction (e.g. uniform on [0, 1]^n)."""
    A = np.column_stack([np.ones(n), rng.standard_normal((n, k - 1))])  # (n, k)
    Q, _ = np.linalg.qr(A)
    return Q


def test_estimate_random_on(fn, rng: np.random.Generator) -> str:
    S = 4000
    for n, k, frame in ((60, 3, _diagonal_frame), (100, 4, orthonormal_frame), (784, 16, orthonormal_frame)):
        U = frame(n, k, rng)
        seed = int(rng.integers(2**31))
        where = f"n = {n}, k = {k}, n_samples = {S}"
        v = as_scalar(call(fn, U, S, np.random.default_rng(seed), where=f"with U: ({n}, {k}), {S}, rng"),
                      "estimate_random_on(U, n_samples, rng)")
        again = as_scalar(call(fn, U, S, np.random.default_rng(seed), where="a second time, same seed"),
                          "estimate_random_on(U, n_samples, rng)")
        if v != again:
            raise Feedback("two calls with generators in the same state gave different estimates "
                           f"({v:.5g}, {again:.5g}): draw every random number from `rng`, not from np.random")
        other = as_scalar(call(fn, U, S, np.random.default_rng(seed + 1), where="with another seed"),
                          "estimate_random_on(U, n_samples, rng)")
        if other == v:
            raise Feedback("your estimate is exactly the same for two different generators: it does not use the "
                           "`rng` it is given (or it does not sample at all)")
        mean = exact_mean_on(n, k)
        sd = math.sqrt(max(k / n - mean**2, 0.0))  # E[on²] = k/n
        tol = 5 * sd / math.sqrt(S)  # five standard errors of a mean over S samples
        if abs(v - mean) <= tol:
            continue
        if abs(v - k / n) <= tol:
            raise Feedback(f"{where}: your estimate {v:.4f} is close to k/n = {k / n:.4f}: you averaged the squared "
                           "fraction ‖P_T v‖²/‖v‖²; on(v) is the ratio of the lengths")
        if frame is _diagonal_frame and v > mean + tol:
            raise Feedback(f"{where}, for a tangent frame that contains the diagonal direction (1, …, 1)/√n: your "
                           f"estimate {v:.4f} is far above the expected mean. Your random directions are not "
                           "isotropic (uniform on [0, 1]^n, for example, prefers the diagonal); draw directions "
                           "that favour no direction, e.g. standard normal")
        raise Feedback(f"{where}: your estimate {v:.4f} is more than five standard errors ({tol:.4f}) from the mean "
                       f"of on(v) over isotropic random directions. Draw n_samples directions, compute on(v) for each, "
                       "and average")
    return ("your estimates agree with the exact mean of on(v) for random directions, which sits just below "
            "√(k/n); and they are reproducible from the generator.")


EXERCISES = [
    Exercise("ch-manifolds.ex1", "the on-manifold fraction on(v)", "on_fraction(v, U) -> float",
             ON_FRACTION_STARTER, solutions.on_fraction, test_on_fraction),
    Exercise("ch-manifolds.ex2", "the random-direction baseline by sampling", "estimate_random_on(U, n_samples, rng) -> float",
             ESTIMATE_STARTER, solutions.estimate_random_on, test_estimate_random_on),
]
