"""Reference solutions of the book's coding exercises (the checker's gold standard).

Each function is what a reader is asked to write, in the book's symbols: d a direction, U an
orthonormal tangent frame (n, k), w and b a linear classifier f(x) = w·x + b, delta a perturbation.
Read these after trying: the chapters' collapsed solutions show the same code.
Book pages: "Data manifolds and tangent spaces", "Why perturbations are tiny and look like noise",
"On- vs off-manifold perturbations" (their exercises).
"""

from __future__ import annotations

import numpy as np


# ---------------------------------------------------------------- Data manifolds
def on_fraction(v: np.ndarray, U: np.ndarray) -> float:
    """on(v) = ‖U Uᵀ v‖ / ‖v‖ for a direction v (n,) and an orthonormal frame U (n, k)."""
    v_T = U @ (U.T @ v)  # (n,) P_T v = U Uᵀ v
    return float(np.linalg.norm(v_T) / np.linalg.norm(v))


def estimate_random_on(U: np.ndarray, n_samples: int, rng: np.random.Generator) -> float:
    """Mean of on(v) over n_samples isotropic random directions v ~ N(0, I_n); U (n, k)."""
    v = rng.standard_normal((n_samples, U.shape[0]))  # (S, n) isotropic directions
    on = np.linalg.norm(v @ U, axis=1) / np.linalg.norm(v, axis=1)  # (S,) ‖Uᵀv‖ = ‖U Uᵀ v‖ for orthonormal U
    return float(on.mean())


# ---------------------------------------------------------------- Why perturbations are tiny
def minimal_linear_perturbation(w: np.ndarray, b: float, x: np.ndarray) -> np.ndarray:
    """The smallest δ (n,) with w·(x + δ) + b = 0: δ = −f(x) w / ‖w‖², f(x) = w·x + b."""
    f = w @ x + b  # the logit at x
    return -f * w / (w @ w)  # (n,) along the normal of the boundary, length |f| / ‖w‖


def split_tangent_normal(delta: np.ndarray, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P_T δ, P_N δ) for a perturbation delta (n,) and an orthonormal frame U (n, k): its on- and off-manifold parts."""
    delta_T = U @ (U.T @ delta)  # (n,) P_T δ
    return delta_T, delta - delta_T  # P_N δ = δ − P_T δ


# ---------------------------------------------------------------- On- vs off-manifold perturbations
def project_l2_ball(delta: np.ndarray, eps: float) -> np.ndarray:
    """Each row of delta (N, n) projected onto the L2 ball ‖δ‖ ≤ eps: rows outside are shrunk to length eps."""
    norm = np.linalg.norm(delta, axis=1, keepdims=True)  # (N, 1)
    scale = np.minimum(1.0, eps / np.maximum(norm, 1e-300))  # (N, 1) 1 inside the ball, eps/‖δ‖ outside
    return delta * scale  # (N, n)


def subspace_distance(w: np.ndarray, b: float, x: np.ndarray, U: np.ndarray) -> float:
    """Smallest ‖δ‖ with δ in span(U) (U: (n, k) orthonormal) and w·(x + δ) + b = 0: |f(x)| / ‖Uᵀ w‖."""
    f = w @ x + b  # the logit at x
    return float(abs(f) / np.linalg.norm(U.T @ w))  # only the part of w inside span(U) can move f


__all__ = ["estimate_random_on", "minimal_linear_perturbation", "on_fraction", "project_l2_ball",
           "split_tangent_normal", "subspace_distance"]
