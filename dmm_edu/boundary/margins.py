"""Margins of the training points: how far to the boundary, off the manifold and within it.

The dimpled-manifold picture predicts that near the data the boundary hugs the manifold, so the
nearest label flip is reached by stepping *off* it (along the normal ν), not along it. We measure
both: the normal margin (distance along ±ν to the boundary) and the in-manifold margin (distance
within the manifold, the smallest over evenly spread tangent directions), beside the distance to
the nearest point with another label. Book page: "Clinging and dimpling on a toy".

Sign convention for both margins: positive when x_i is on its correct side (sign of s(x_i)
matches 2 y_i - 1, with s > 0 meaning class 1, as `MLP.predict`), negative when misclassified.
Where no crossing lies within s_max the magnitude is capped at s_max and `found` is False: the
true distance is then at least s_max.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_labels, check_positive_float, check_positive_int
from dmm_edu.boundary.crossings import nearest_crossing
from dmm_edu.boundary.height import UNIT_TOL
from dmm_edu.boundary.score import as_score, evaluate
from dmm_edu.manifold.projectors import SubspaceProjector


@dataclass(frozen=True)
class Margin:
    """Signed margins of N points.

    value: (N,) float, +distance for correctly classified points, -distance for the others;
        ±s_max where no crossing was found within s_max.
    found: (N,) bool, whether a crossing was found (False: |value| = s_max is a lower bound).
    s_max: the search range and cap.
    """

    value: np.ndarray
    found: np.ndarray
    s_max: float

    @property
    def n_capped(self) -> int:
        """How many points had no crossing within s_max."""
        return int(np.sum(~self.found))


def _points_labels(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = check_array("x", x, ndim=2).astype(np.float64)  # (N, n)
    return x, check_labels("y", y, 2, n=x.shape[0])  # (N,) in {0, 1}


def _signed(score, x, y, dist, found, s_max) -> Margin:
    correct = (evaluate(as_score(score), x) > 0) == (y == 1)  # (N,): sign s(x_i) = 2 y_i - 1
    d = np.where(found, dist, s_max)  # (N,): cap missing crossings at s_max
    return Margin(value=np.where(correct, d, -d), found=found, s_max=s_max)


def normal_margin(score, x, y, normal, s_max: float, *, n_grid: int = 129, tol: float = 1e-8) -> Margin:
    """Signed distance from each x_i to the boundary along its normal line x_i + s ν.

    |value_i| = |s*| for the crossing s* in [-s_max, s_max] nearest 0 (either way along ν).
    score: a callable X (M, n) -> (M,) or a binary model; x: (N, n); y: (N,) labels in {0, 1};
    normal: (n,) unit ν, or (N, n) one unit normal per point; n_grid, tol: see `crossings_along_lines`.
    Returns a `Margin`.
    """
    x, y = _points_labels(x, y)
    N, n = x.shape
    nu = check_array("normal", normal).astype(np.float64)
    if nu.shape not in ((n,), (N, n)):
        raise ValueError(f"normal must have shape ({n},) or ({N}, {n}) to match x: {x.shape}; got {nu.shape}")
    bad = np.abs(np.linalg.norm(nu, axis=-1) - 1.0) > UNIT_TOL
    if np.any(bad):
        raise ValueError(f"normal must be a unit vector (or unit rows); {int(np.sum(bad))} row(s) have ‖normal‖ != 1")
    s_max = check_positive_float("s_max", s_max)
    s = nearest_crossing(score, x, nu, -s_max, s_max, n_grid=n_grid, tol=tol)  # (N,)
    found = ~np.isnan(s)
    return _signed(score, x, y, np.abs(s), found, s_max)


def tangent_directions(U, n_directions: int | None = None) -> np.ndarray:
    """Unit directions spread evenly in span(U): (J, n).

    k = 1: the two directions ±u (n_directions must be None or 2).
    k = 2: d_j = cos θ_j U_0 + sin θ_j U_1, θ_j = 2π j / J, J = n_directions (default 72).
    """
    U = SubspaceProjector(U).U  # (n, k), checked orthonormal
    k = U.shape[1]
    if k == 1:
        if n_directions not in (None, 2):
            raise ValueError(f"n_directions={n_directions!r} is not accepted for k = 1; the directions are ±u (use 2)")
        return np.stack([U[:, 0], -U[:, 0]])  # (2, n)
    if k == 2:
        J = check_positive_int("n_directions", 72 if n_directions is None else n_directions, minimum=3)
        theta = 2 * np.pi * np.arange(J) / J  # (J,)
        return np.cos(theta)[:, None] * U[:, 0] + np.sin(theta)[:, None] * U[:, 1]  # (J, n)
    raise ValueError(
        f"U has k = {k} columns; in-manifold margins by line search support k = 1 or 2. "
        "For higher k use an attack restricted to the tangent space (e.g. deepfool(space='on'))"
    )


def in_manifold_margin(score, x, y, U, n_directions: int | None = None, s_max: float = 1.0, *,
                       n_grid: int = 129, tol: float = 1e-8) -> Margin:
    """Signed distance from each x_i to the boundary while staying in the manifold x_i + span(U).

    |value_i| = min_j { first s in [0, s_max] where score(x_i + s d_j) changes sign } over the
    directions d_j of `tangent_directions(U, n_directions)`. Exact for k = 1; for k = 2 and a
    straight boundary it overestimates by at most a factor 1 / cos(π / J).
    x: (N, n); y: (N,) in {0, 1}; U: (n, k) orthonormal tangent basis, k in {1, 2}. Returns a `Margin`.
    """
    x, y = _points_labels(x, y)
    N, n = x.shape
    U = check_array("U", U, ndim=2)
    if U.shape[0] != n:
        raise ValueError(f"U must have shape ({n}, k) to match x: {x.shape}; got {U.shape}")
    D = tangent_directions(U, n_directions)  # (J, n)
    s_max = check_positive_float("s_max", s_max)
    J = D.shape[0]
    x0 = np.repeat(x, J, axis=0)  # (N*J, n): each point once per direction
    u = np.tile(D, (N, 1))  # (N*J, n)
    s = nearest_crossing(score, x0, u, 0.0, s_max, n_grid=n_grid, tol=tol).reshape(N, J)  # (N, J)
    found = ~np.all(np.isnan(s), axis=1)  # (N,)
    dist = np.min(np.where(np.isnan(s), np.inf, s), axis=1)  # (N,): min over directions
    return _signed(score, x, y, dist, found, s_max)


def nearest_other_label_distance(x, y, batch_size: int = 1024) -> np.ndarray:
    """‖x_i - x_j‖ for the nearest x_j with y_j != y_i: (N,) float; inf where all labels are y_i.

    x: (N, n); y: (N,) integer labels (any number of classes).
    """
    x = check_array("x", x, ndim=2).astype(np.float64)  # (N, n)
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != x.shape[0] or y.dtype.kind not in "iu":
        raise ValueError(f"y must be a 1-D integer array with {x.shape[0]} labels (one per row of x); got shape {y.shape}, dtype {y.dtype}")
    batch_size = check_positive_int("batch_size", batch_size)
    sq = np.sum(x**2, axis=1)  # (N,)
    out = np.empty(x.shape[0])  # (N,)
    for a in range(0, x.shape[0], batch_size):
        xb, yb = x[a : a + batch_size], y[a : a + batch_size]  # (B, n), (B,)
        D2 = sq[a : a + batch_size, None] - 2.0 * xb @ x.T + sq[None, :]  # (B, N): ‖x_i - x_j‖²
        D2 = np.where(yb[:, None] != y[None, :], np.maximum(D2, 0.0), np.inf)  # other labels only
        out[a : a + batch_size] = np.sqrt(D2.min(axis=1))
    return out
