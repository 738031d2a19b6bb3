"""How much of a direction lies along the manifold, and what chance alone would give.

on(d) = ||P_T d|| / ||d|| is 1 for a direction inside the tangent space and 0 for one normal to
it. A random direction in R^n has on(d) ≈ sqrt(k/n), so every on/off ratio in the book is printed
beside this random baseline (science.md, experiment E3: the critique of the DMM).
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_array, check_positive_int, check_rng
from dmm_edu.manifold.projectors import Projector


def _check_projector(projector) -> Projector:
    if not isinstance(projector, Projector):
        raise TypeError(f"projector must be a dmm_edu.manifold Projector; got {type(projector).__name__}")
    return projector


def on_fraction(d, projector: Projector, x=None) -> np.ndarray | float:
    """on(d) = ||P_T d||_2 / ||d||_2, in [0, 1].

    d: (n,) or (N, n) float, nonzero rows; projector: a Projector; x: base points (N, n) or (n,)
    for pointwise projectors. Returns (N,) (float for a single d and a flat projector or single x).
    """
    _check_projector(projector)
    d_arr = check_array("d", d)
    norm_d = np.linalg.norm(d_arr, axis=-1)  # (N,) or ()
    n_zero = int(np.sum(norm_d == 0))
    if n_zero:
        raise ValueError(
            f"d has {n_zero} zero row(s) of {np.size(norm_d)}; on(d) = ||P_T d|| / ||d|| is undefined for d = 0"
        )
    t = projector.tangent(d_arr, x)  # (N, n) or (n,)
    on = np.linalg.norm(t, axis=-1) / norm_d  # (N,) or (): on(d) = ||P_T d|| / ||d||
    return float(on) if on.ndim == 0 else on


def random_baseline(n: int, k: int) -> float:
    """sqrt(k / n): the typical on-fraction of a random direction in R^n for a k-dim tangent space.

    (E||P_T g||^2 = k for g ~ N(0, I_n), E||g||^2 = n; the exact mean of on(g) is slightly lower.)
    """
    n = check_positive_int("n", n)
    k = check_positive_int("k", k)
    if k > n:
        raise ValueError(f"k={k} is not accepted; expected 1 <= k <= n = {n}")
    return float(np.sqrt(k / n))  # on(random) ≈ sqrt(k/n)


def sample_random_on_fraction(projector: Projector, n_samples: int, rng: np.random.Generator, x=None) -> np.ndarray:
    """On-fractions of n_samples isotropic Gaussian directions g ~ N(0, I_n): (n_samples,).

    Their mean is ≈ sqrt(k/n), the baseline printed beside every measured on/off ratio.
    x: base points for pointwise projectors, a single point (n,) or one per sample (n_samples, n).
    """
    _check_projector(projector)
    n_samples = check_positive_int("n_samples", n_samples)
    rng = check_rng("rng", rng)
    if x is not None:
        x_arr = check_array("x", x)
        if x_arr.ndim == 2 and x_arr.shape[0] != n_samples:
            raise ValueError(
                f"x has {x_arr.shape[0]} rows; expected one point ({projector.n},) or n_samples={n_samples} rows"
            )
    g = rng.standard_normal((n_samples, projector.n))  # (n_samples, n): g ~ N(0, I_n)
    return np.atleast_1d(on_fraction(g, projector, x))
