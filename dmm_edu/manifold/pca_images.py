"""How many PCA directions images need: the cumulative explained-variance curve.

Claim C1 ("natural images lie near a low-dimensional manifold") in its simplest linear form: a
few k << n principal directions carry most of the images' variance. The curve picks k for
PCAProjector (which works on flattened images, X: (N, n)). Book page: "Data manifolds and tangent
spaces" (the image case).
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_array, check_float_range


def _rows(x) -> np.ndarray:
    X = check_array("x", x)
    if X.ndim < 2 or X.shape[0] < 2:
        raise ValueError(f"x must be images (N, C, H, W) or rows (N, n) with N >= 2; got array of shape {X.shape}")
    return X.reshape(X.shape[0], -1)  # (N, n): images flattened in C, H, W order


def explained_variance_curve(x) -> np.ndarray:
    """Cumulative explained-variance ratio: x (N, C, H, W) or (N, n) -> c (r,), r = min(N, n).

    X_c = X - mean = S diag(sigma) V^T;  c_k = sum_{i<=k} sigma_i^2 / sum_i sigma_i^2, the
    fraction of the variance that the top-k principal directions keep (c is non-decreasing, c_r = 1).
    """
    X = _rows(x)  # (N, n)
    sigma = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)  # (r,)
    total = float(np.sum(sigma**2))
    if total == 0.0:
        raise ValueError("x has zero variance (all images equal); PCA directions are undefined")
    return np.cumsum(sigma**2) / total  # (r,)


def pca_k_for_variance(x, fraction: float = 0.95) -> int:
    """The smallest k whose top-k principal directions keep at least `fraction` of the variance of x."""
    fraction = check_float_range("fraction", fraction, 0.0, 1.0)
    c = explained_variance_curve(x)  # (r,)
    return int(min(np.searchsorted(c, fraction - 1e-12) + 1, len(c)))  # first k with c_k >= fraction
