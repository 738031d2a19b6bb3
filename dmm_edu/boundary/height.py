"""The boundary as a sheet over a flat data manifold: its height field h.

For a flat manifold of codimension 1 (a line in 2-D, a plane in 3-D) with unit normal ν, walk
from each grid point p of the manifold along ν until the score changes sign: the nearest such s
is the height h(p) of the decision boundary above p (negative below). A boundary that clings to
the manifold has h ≈ 0 over the whole data region; dimples are the places where h changes sign
to pass a training point on its correct side. Book page: "Clinging and dimpling on a toy".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_finite_float, check_positive_float, check_positive_int
from dmm_edu.boundary.crossings import nearest_crossing
from dmm_edu.manifold.projectors import SubspaceProjector

UNIT_TOL = 1e-6  # accepted | ‖ν‖ - 1 | and |U^T ν|


@dataclass(frozen=True, eq=False)
class FlatManifold:
    """The affine manifold {origin + U t : t in R^k} in R^n.

    origin: (n,) a point of the manifold; grid coordinates t = U^T (p - origin).
    U: (n, k) orthonormal tangent basis.
    normal: (n,) unit normal ν (codimension 1 only: k = n - 1), or None. When None and k = n - 1
        it is computed, with its sign chosen so that its largest component is positive (+y for
        the line toy, +z for the chessboard): "height" is measured along that ν.
    """

    origin: np.ndarray
    U: np.ndarray
    normal: np.ndarray | None = None

    def __post_init__(self) -> None:
        U = SubspaceProjector(self.U).U  # (n, k), checked orthonormal
        n, k = U.shape
        origin = check_array("origin", self.origin, shape=(n,)).astype(np.float64)  # (n,)
        nu = self.normal
        if nu is None and k == n - 1:
            Q = np.linalg.svd(U, full_matrices=True)[0]  # (n, n): last column spans span(U)^⊥
            nu = Q[:, -1]  # (n,)
            nu = nu * np.sign(nu[np.argmax(np.abs(nu))])  # largest component positive
        if nu is not None:
            nu = check_unit_normal(nu, n)
            if k != n - 1:
                raise ValueError(f"normal is only defined for codimension 1 (k = n - 1); U has shape {U.shape}")
            off = float(np.max(np.abs(U.T @ nu)))
            if off > UNIT_TOL:
                raise ValueError(f"normal must be orthogonal to the columns of U; max |U^T normal| = {off:.3g}")
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "U", U)
        object.__setattr__(self, "normal", nu)

    @property
    def n(self) -> int:
        return self.U.shape[0]

    @property
    def k(self) -> int:
        return self.U.shape[1]

    def point(self, t) -> np.ndarray:
        """Points origin + U t for coordinates t: (M, k) -> (M, n)."""
        t = check_array("t", t, shape=(None, self.k))  # (M, k)
        return self.origin + t @ self.U.T  # (M, n): p = o + U t


def check_unit_normal(normal, n: int) -> np.ndarray:
    """normal: (n,) with ‖normal‖ = 1 (within 1e-6)."""
    nu = check_array("normal", normal, shape=(n,)).astype(np.float64)  # (n,)
    norm = float(np.linalg.norm(nu))
    if abs(norm - 1.0) > UNIT_TOL:
        raise ValueError(f"normal must be a unit vector; got ‖normal‖ = {norm:.6g}. Divide it by its norm first")
    return nu


def flat_manifold(spec) -> FlatManifold:
    """A FlatManifold from a World with a flat projector, a FlatManifold, or a tuple (origin, U[, normal]).

    For a World the origin is the point of its manifold nearest to 0, o = x̄ - U U^T x̄ (x̄ the
    mean training point), so t = U^T p: the x coordinate for the line toy, (x, y) for the chessboard.
    """
    if isinstance(spec, FlatManifold):
        return spec
    if isinstance(spec, tuple) and len(spec) in (2, 3):
        return FlatManifold(*spec)
    if hasattr(spec, "projector") and hasattr(spec, "x"):
        P = spec.projector
        if getattr(P, "pointwise", True) or not hasattr(P, "U"):
            raise ValueError(f"world {getattr(spec, 'name', '?')!r} has a curved manifold; a flat one is needed here")
        U = P.U  # (n, k)
        xbar = spec.x.mean(axis=0)  # (n,)
        off = spec.x - xbar  # (N, n)
        dev = float(np.max(np.abs(off - off @ U @ U.T))) if off.size else 0.0
        if dev > 1e-6 * (1.0 + float(np.max(np.abs(spec.x)))):
            raise ValueError(f"world {spec.name!r}: the data do not lie on one affine copy of span(U) (off by {dev:.3g})")
        return FlatManifold(xbar - U @ (U.T @ xbar), U)
    raise TypeError(f"manifold must be a World, a FlatManifold or a tuple (origin, U); got {type(spec).__name__}")


def _coords_grid(k: int, lo: float, hi: float, resolution: int) -> np.ndarray:
    """The grid [lo, hi]^k with `resolution` values per axis, first axis slowest: (res,)*k + (k,)."""
    axis = np.linspace(lo, hi, resolution)  # (res,)
    return np.stack(np.meshgrid(*([axis] * k), indexing="ij"), axis=-1)  # (res, ..., res, k)


def _check_box(lo, hi, resolution) -> tuple[float, float, int]:
    lo, hi = check_finite_float("lo", lo), check_finite_float("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo={lo} and hi={hi} are not accepted; expected lo < hi")
    return lo, hi, check_positive_int("resolution", resolution, minimum=2)


def manifold_grid(manifold, lo: float = 0.0, hi: float = 1.0, resolution: int = 41) -> np.ndarray:
    """Grid points origin + U t, t in [lo, hi]^k, `resolution` values per axis: (resolution**k, n).

    Chessboard: (x, y, 0.5) for x, y in [lo, hi] (x slowest). Line toy: (x, 0.5), x in [lo, hi].
    manifold: a World with a flat manifold, a FlatManifold, or a tuple (origin, U).
    """
    M = flat_manifold(manifold)
    lo, hi, res = _check_box(lo, hi, resolution)
    t = _coords_grid(M.k, lo, hi, res).reshape(-1, M.k)  # (G, k)
    return M.point(t)  # (G, n)


def height_field(score, grid, normal, s_max: float, *, n_grid: int = 129, tol: float = 1e-8) -> np.ndarray:
    """Signed height of the boundary above each grid point along ν: (G,) float.

    h(p) = the s in [-s_max, s_max] nearest 0 with score(p + s ν) changing sign; NaN where the
    boundary does not cross the normal line within ±s_max.
    score: a callable X (M, n) -> (M,) or a binary model; grid: (G, n) points on the manifold;
    normal: (n,) unit normal ν; n_grid, tol: see `crossings_along_lines`.
    """
    grid = check_array("grid", grid, ndim=2)  # (G, n)
    nu = check_unit_normal(normal, grid.shape[1])  # (n,)
    s_max = check_positive_float("s_max", s_max)
    return nearest_crossing(score, grid, nu, -s_max, s_max, n_grid=n_grid, tol=tol)  # (G,): h


@dataclass(frozen=True)
class HeightSurface:
    """The height field on a regular grid, shaped for plots and animations (res = resolution).

    t: (res,)*k + (k,) manifold coordinates (for the chessboard t[..., 0] = x, t[..., 1] = y).
    points: (res,)*k + (n,) the grid points on the manifold.
    h: (res,)*k signed heights along ν, NaN where no crossing within ±s_max.
    """

    t: np.ndarray
    points: np.ndarray
    h: np.ndarray


def height_surface(score, manifold, lo: float = 0.0, hi: float = 1.0, resolution: int = 41, *,
                   s_max: float = 1.0, n_grid: int = 129, tol: float = 1e-8) -> HeightSurface:
    """`height_field` over `manifold_grid(manifold, lo, hi, resolution)`, reshaped to the grid.

    manifold: a World with a flat codimension-1 manifold, a FlatManifold or (origin, U[, normal]).
    """
    M = flat_manifold(manifold)
    if M.normal is None:
        raise ValueError(f"manifold has codimension {M.n - M.k}; a height field needs codimension 1 (k = n - 1)")
    lo, hi, res = _check_box(lo, hi, resolution)
    t = _coords_grid(M.k, lo, hi, res)  # (res,)*k + (k,)
    points = M.point(t.reshape(-1, M.k))  # (G, n)
    h = height_field(score, points, M.normal, s_max, n_grid=n_grid, tol=tol)  # (G,)
    shape = t.shape[:-1]  # (res,)*k
    return HeightSurface(t=t, points=points.reshape(shape + (M.n,)), h=h.reshape(shape))
