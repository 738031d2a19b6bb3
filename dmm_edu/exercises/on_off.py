"""Exercises of "On- vs off-manifold perturbations": the L2 projection and the distance within a subspace.

ch-on-off.ex1: project perturbations onto the L2 ball ‖δ‖ ≤ eps (the step every L2 PGD iteration
ends with). ch-on-off.ex2: the minimal distance to a linear boundary when δ must stay in span(U):
d_S = |f(x)|/‖Uᵀw‖, hence d_S/d_free = 1/on(w), which is √(n/k) on average for a random S.
"""

from __future__ import annotations

import numpy as np

from dmm_edu.exercises import solutions
from dmm_edu.exercises._core import Exercise, Feedback, as_array, as_scalar, call, close, orthonormal_frame

# ---------------------------------------------------------------- ex1: projection onto the L2 ball
BALL_STARTER = '''def project_l2_ball(delta, eps):
    """Each row of delta (N, n) projected onto the L2 ball of radius eps; returns (N, n)."""
    raise NotImplementedError
'''


def _batch(rng: np.random.Generator, n: int, eps: float) -> np.ndarray:
    """Rows inside the ball, outside it, and a zero row: (6, n)."""
    u = rng.standard_normal((6, n))
    u /= np.linalg.norm(u, axis=1, keepdims=True)  # unit rows
    lengths = eps * np.array([0.3, 0.9, 1.7, 4.0, 12.0, 0.0])  # (6,) two inside, three outside, one zero
    return u * lengths[:, None]  # (6, n)


def test_project_l2_ball(fn, rng: np.random.Generator) -> str:
    for n, eps in ((3, 0.5), (50, 2.0), (784, 1.5)):
        delta = _batch(rng, n, eps)  # (6, n)
        where = f"n = {n}, eps = {eps}"
        out = call(fn, delta.copy(), eps, where=f"with delta: (6, {n}), eps = {eps}")
        if out is not None and np.asarray(out).shape == (6, n) and np.isnan(np.asarray(out, dtype=float)[5]).any():
            raise Feedback(f"{where}: your function returns NaN for the row δ = 0. That δ is inside the ball: "
                           "leave it as it is (beware of dividing by its zero norm)")
        out = as_array(out, (6, n), "project_l2_ball(delta, eps)")
        norms = np.linalg.norm(delta, axis=1)
        inside, outside = norms <= eps, norms > eps
        if close(out, delta * eps / np.linalg.norm(delta)):
            raise Feedback(f"{where}: you scaled the whole batch by one factor: each row is its own δ with its "
                           "own norm")
        if not close(out[inside], delta[inside]):
            if close(np.linalg.norm(out[inside][:2], axis=1), eps):
                raise Feedback(f"{where}: you moved the δ's that were already inside the ball onto its surface: "
                               "a projection leaves points inside the ball as they are")
            raise Feedback(f"{where}: you changed δ's that were already inside the ball (‖δ‖ ≤ eps): a projection "
                           "leaves them as they are")
        out_norms = np.linalg.norm(out[outside], axis=1)
        if np.all(np.abs(out[outside]) <= eps + 1e-12) and not close(out_norms, eps):
            raise Feedback(f"{where}: every coordinate of your rows lies in [−eps, eps] but their lengths are not "
                           "eps: that is a coordinate-wise clip (the L∞ ball). The L2 projection keeps the "
                           "direction and shortens the length")
        cos = np.sum(out[outside] * delta[outside], axis=1) / (out_norms * norms[outside] + 1e-300)
        if not close(cos, 1.0):
            raise Feedback(f"{where}: a projected row points in another direction than the original: the L2 "
                           "projection of a point outside the ball keeps its direction")
        if not close(out_norms, eps):
            raise Feedback(f"{where}: rows outside the ball should land on its surface, ‖δ‖ = eps = {eps}; yours "
                           f"have norms {np.round(out_norms, 4).tolist()}")
    return "inside rows stay put, outside rows keep their direction and land on the sphere ‖δ‖ = eps, δ = 0 is fine."


# ---------------------------------------------------------------- ex2: distance within a subspace
SUBSPACE_STARTER = '''def subspace_distance(w, b, x, U):
    """The smallest ‖delta‖ with delta in span(U) (U: (n, k) orthonormal) such that
    w @ (x + delta) + b == 0."""
    raise NotImplementedError
'''


def test_subspace_distance(fn, rng: np.random.Generator) -> str:
    for n, k in ((3, 1), (20, 4), (200, 10)):
        U = orthonormal_frame(n, k, rng)
        w = rng.standard_normal(n)
        w *= 3.0 / np.linalg.norm(w)  # (n,) ‖w‖ = 3
        b = float(rng.normal())
        x = rng.standard_normal(n)
        f = float(w @ x + b)
        if abs(f) < 0.5:
            x = x + (1.5 - f) * w / (w @ w)
            f = float(w @ x + b)
        where = f"n = {n}, k = {k}"
        v = as_scalar(call(fn, w, b, x, U, where=f"with w: ({n},), b, x: ({n},), U: ({n}, {k})"),
                      "subspace_distance(w, b, x, U)")
        w_T = U @ (U.T @ w)  # (n,) the part of w in span(U)
        expected = abs(f) / np.linalg.norm(w_T)
        if close(v, expected):
            continue
        d_free = abs(f) / np.linalg.norm(w)
        if close(v, d_free):
            raise Feedback(f"{where}: you returned the unrestricted distance |f(x)|/‖w‖ (d_free): here δ must stay "
                           "inside span(U), which can only be longer")
        if close(v, abs(f) / np.linalg.norm(w - w_T)):
            raise Feedback(f"{where}: you returned the distance within the normal space (d_off); the exercise asks "
                           "for δ inside span(U)")
        if close(v, d_free * np.linalg.norm(w_T) / np.linalg.norm(w)):
            raise Feedback(f"{where}: you projected the free minimal step onto span(U). That shorter step no longer "
                           "reaches the boundary: a restricted attack must look for the best step *inside* the "
                           "subspace (project every step, not only the answer)")
        if v < d_free * (1 - 1e-9):
            raise Feedback(f"{where}: your value {v:.4g} is below d_free = |f(x)|/‖w‖ = {d_free:.4g}, the distance "
                           "with no restriction: a restricted step cannot be shorter than the best free one")
        raise Feedback(f"{where}: you returned {v:.4g}; the shortest δ in span(U) reaching the boundary has length "
                       f"{expected:.4g} here. Which part of w can a δ inside span(U) use to change f?")
    return "right: d_S = |f(x)| / ‖P_S w‖, so d_S / d_free = ‖w‖ / ‖P_S w‖ = 1 / on_S(w)."


EXERCISES = [
    Exercise("ch-on-off.ex1", "projection onto the L2 ball", "project_l2_ball(delta, eps) -> delta",
             BALL_STARTER, solutions.project_l2_ball, test_project_l2_ball),
    Exercise("ch-on-off.ex2", "the minimal distance inside a subspace", "subspace_distance(w, b, x, U) -> float",
             SUBSPACE_STARTER, solutions.subspace_distance, test_subspace_distance),
]
