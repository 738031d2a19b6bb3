"""How closely the boundary clings to the manifold: cling, alternation and the boundary angle.

cling = mean |h| over the data region (h the height field): 0 when the boundary sheet lies on
the manifold. alt = the share of training points whose dimple points the right way (correctly
classified, with the boundary within reach along the normal). The angle θ between the boundary
{s = 0} (normal ∇s) and the manifold is 0° where the boundary runs parallel to the manifold
(clinging) and 90° where it cuts straight through it. Book page: "Clinging and dimpling on a toy".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_positive_float
from dmm_edu.boundary.crossings import crossings_along_lines
from dmm_edu.boundary.height import _check_box, _coords_grid, flat_manifold
from dmm_edu.boundary.margins import normal_margin
from dmm_edu.boundary.score import as_score_gradient, evaluate_gradient
from dmm_edu.manifold.projectors import Projector, SubspaceProjector


@dataclass(frozen=True)
class ClingResult:
    """cling = mean over the grid of |h|, a missing crossing (NaN) counted as |h| = cap.

    value: the cling; fraction_missing: share of grid points with no crossing within the cap;
    cap: the value used for them (a lower bound on their |h|, so `value` is one too when
    fraction_missing > 0); n: the number of grid points.
    """

    value: float
    fraction_missing: float
    cap: float
    n: int


# --8<-- [start:cling]
def cling(heights, cap: float) -> ClingResult:
    """cling = (1/G) Σ_p |h(p)| over the grid, NaN heights counted as `cap`.

    heights: any shape, e.g. (G,) from `height_field` or (res, res) from `height_surface`; NaN
    marks "no crossing within ±s_max" (pass cap = s_max). Heights are measured from the manifold,
    so for the chessboard on z = 0.5 this is the mean |z_boundary - 0.5| over the board.
    """
    h = check_array("heights", heights, finite=False).ravel()  # (G,)
    if h.size == 0:
        raise ValueError("heights is empty; expected at least one grid point")
    if np.any(np.isinf(h)):
        raise ValueError("heights contains inf; missing crossings must be NaN")
    cap = check_positive_float("cap", cap)
    missing = np.isnan(h)  # (G,)
    absh = np.where(missing, cap, np.abs(h))  # (G,): |h|, cap where missing
    return ClingResult(value=float(absh.mean()), fraction_missing=float(missing.mean()), cap=cap, n=int(h.size))
# --8<-- [end:cling]


def alternation(score, x, y, normal, s_max: float, *, n_grid: int = 129, tol: float = 1e-8) -> float:
    """alt = share of training points whose bump points the right way.

    A point counts when it is correctly classified AND the boundary crosses its normal line
    within ±s_max: then the nearest crossing above or below it leaves x_i on its own side, i.e.
    the sheet dimples around it. Equals mean(m.found & (m.value > 0)) for m = normal_margin(...).
    x: (N, n); y: (N,) in {0, 1}; normal: (n,) or (N, n) unit. Returns a float in [0, 1].
    """
    m = normal_margin(score, x, y, normal, s_max, n_grid=n_grid, tol=tol)
    return float(np.mean(m.found & (m.value > 0)))


def angle_to_manifold(grad, projector: Projector, x=None) -> np.ndarray:
    """θ (degrees) between the boundary (level set with normal g = ∇s) and the manifold: (N,).

    Two hypersurfaces meet at the angle between their normals; in general the boundary makes
    angle θ with the manifold when its normal g makes angle θ with the manifold's normal space:

        cos θ = ‖P_N g‖ / ‖g‖,   θ = arctan(‖P_T g‖ / ‖P_N g‖)  (arctan2, stable near 0° and 90°).

    g normal to the manifold (P_T g = 0): the boundary is parallel to it (clinging), θ = 0°.
    g tangent (P_N g = 0): the boundary crosses the manifold at right angles, θ = 90°.
    Equivalently sin θ = on(g). grad: (N, n) or (n,); NaN where g = 0.
    """
    if not isinstance(projector, Projector):
        raise TypeError(f"projector must be a dmm_edu.manifold Projector; got {type(projector).__name__}")
    g = check_array("grad", grad)
    if g.shape[-1] != projector.n or g.ndim not in (1, 2):
        raise ValueError(f"grad must have shape ({projector.n},) or (N, {projector.n}); got {g.shape}")
    g_T = projector.tangent(g, x)  # (N, n): P_T g
    g_N = g - g_T  # (N, n): P_N g
    theta = np.degrees(np.arctan2(np.linalg.norm(g_T, axis=-1), np.linalg.norm(g_N, axis=-1)))  # (N,)
    return np.where(np.linalg.norm(g, axis=-1) == 0, np.nan, theta)


@dataclass(frozen=True)
class BoundaryAngles:
    """Where the boundary meets the manifold, and at what angle.

    points: (P, n) crossing points on the manifold; t: (P, k) their manifold coordinates;
    angle: (P,) degrees, `angle_to_manifold` of ∇s there.
    """

    points: np.ndarray
    t: np.ndarray
    angle: np.ndarray


def boundary_manifold_angles(score, grad, manifold, lo: float = 0.0, hi: float = 1.0, resolution: int = 41, *,
                             n_grid: int = 129, tol: float = 1e-8) -> BoundaryAngles:
    """Sample the curve (or point set) where {s = 0} meets a flat manifold; measure θ there.

    The boundary is searched along lines inside the manifold: for each tangent axis a, the
    lines parallel to U_a through a `resolution`-point grid of [lo, hi]^(k-1) on the other axes
    (k = 1: the single line t in [lo, hi]; k = 2: 2·resolution lines, both directions, so a curve
    is sampled whichever way it runs). Every sign change found is a point of the intersection.

    score: callable X (M, n) -> (M,) or binary model; grad: callable X (M, n) -> ∇s (M, n) or the
    same model; manifold: a World with a flat manifold, a FlatManifold or (origin, U).
    """
    M = flat_manifold(manifold)
    grad = as_score_gradient(grad)
    lo, hi, res = _check_box(lo, hi, resolution)
    k = M.k
    t_list = []
    for a in range(k):
        others = _coords_grid(k - 1, lo, hi, res).reshape(-1, k - 1) if k > 1 else np.zeros((1, 0))  # (L, k-1)
        t0 = np.insert(others, a, lo, axis=1)  # (L, k): line starts, coordinate a = lo
        c = crossings_along_lines(score, M.point(t0), M.U[:, a], 0.0, hi - lo, n_grid=n_grid, tol=tol)
        line, r = np.nonzero(np.arange(c.s.shape[1])[None, :] < c.count[:, None])  # (P_a,) each
        t = t0[line].copy()  # (P_a, k)
        t[:, a] += c.s[line, r]  # move along axis a to the crossing
        t_list.append(t)
    t = np.concatenate(t_list, axis=0)  # (P, k)
    points = M.point(t)  # (P, n)
    if points.shape[0] == 0:
        return BoundaryAngles(points=points, t=t, angle=np.zeros(0))
    g = evaluate_gradient(grad, points)  # (P, n): ∇s at the crossings
    angle = angle_to_manifold(g, SubspaceProjector(M.U))  # (P,)
    return BoundaryAngles(points=points, t=t, angle=angle)


WALL_DEG = 60.0  #: θ above this: wall-like, nearer upright than halfway (the upper third of [0°, 90°])
SHEET_DEG = 30.0  #: θ below this: sheet-like, nearer lying along the manifold (the lower third)


def boundary_angle(on_delta) -> np.ndarray:
    """θ (degrees) between the boundary and the manifold at the nearest boundary point, per point: (M,).

    The minimal perturbation δ_free ends at the nearest boundary point and lies (up to DeepFool's
    overshoot and the boundary's bend) along the boundary's normal there, so on(normal) ≈ on(δ_free)
    = ‖P_T δ‖/‖δ‖; a boundary with normal g meets the manifold at θ with sin θ = on(g), as in
    `dmm_edu.boundary.angle_to_manifold`: θ = 90° the boundary stands upright across the manifold
    (a wall: the normal lies in T), θ = 0° it lies along the manifold (a sheet: the normal lies in N).
    on_delta: (M,) on(δ_free); NaN stays NaN.
    """
    return np.degrees(np.arcsin(np.clip(np.asarray(on_delta, dtype=np.float64), 0.0, 1.0)))


def angle_summary(on_delta, where=None) -> dict:
    """The distribution of `boundary_angle` over the points `where` (default: all) with a finite on(δ_free).

    median, q25, q75 (degrees); wall_share: share with θ > WALL_DEG; sheet_share: share with θ < SHEET_DEG;
    n: how many points. NaN summaries (n = 0) when no point is left.
    """
    theta = boundary_angle(on_delta)  # (M,)
    if where is not None:
        theta = theta[np.asarray(where, dtype=bool)]
    theta = theta[np.isfinite(theta)]
    if not theta.size:
        return {"median": float("nan"), "q25": float("nan"), "q75": float("nan"), "wall_share": float("nan"),
                "sheet_share": float("nan"), "n": 0}
    q25, median, q75 = np.quantile(theta, [0.25, 0.5, 0.75])
    return {"median": float(median), "q25": float(q25), "q75": float(q75),
            "wall_share": float(np.mean(theta > WALL_DEG)), "sheet_share": float(np.mean(theta < SHEET_DEG)),
            "n": int(theta.size)}
