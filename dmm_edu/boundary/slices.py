"""An exact 2-D slice of a classifier's decision function: the plane x0 + a·u + b·v.

The boundary lives in n dimensions, but through a point x0 and two orthonormal directions u, v it
can be drawn exactly: evaluate the network on a regular grid of (a, b) and the level set m = 0 of
the class margin m_y(x) = z_y(x) − max_{j≠y} z_j(x) is the boundary of class y's region in that
plane (for a binary model and y = 1 this is the score s of `score_function`). With u the unit
on-manifold and v the unit off-manifold DeepFool perturbation, the u axis is the manifold through
x0 (in the subspace world the manifold is flat) and the picture shows the dimple: the short way
out along v against the long way along u. Book pages: "On- vs off-manifold perturbations",
"Adversarial training deepens dimples".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_positive_float, check_positive_int
from dmm_edu.boundary.crossings import crossings_along_lines
from dmm_edu.boundary.score import Score, evaluate

PARALLEL_TOL = 1e-6  #: |cos(u, v)| above 1 − this counts as parallel: the pair spans no plane


@dataclass(frozen=True)
class LogitSlice:
    """The class margin of one model on the plane x0 + a·u + b·v.

    values: (R_v, R_u) float64, values[i, j] = m_label(x0 + a[j]·u + b[i]·v); rows follow b, so
        `contourpy.contour_generator(a, b, values)` and matplotlib's `contour(a, b, values)` draw it.
    a: (R_u,) and b: (R_v,) the grid axes, symmetric about 0 (the centre node is x0).
    u, v: (n,) the orthonormal pair used (u is the given u normalised; v its Gram-Schmidt partner).
    label: the class y whose margin is drawn (positive on y's side of the boundary).
    """

    values: np.ndarray
    a: np.ndarray
    b: np.ndarray
    u: np.ndarray
    v: np.ndarray
    label: int


def _is_model(obj) -> bool:
    return callable(getattr(obj, "forward", None)) and hasattr(obj, "n_outputs") and hasattr(obj, "n_inputs")


def _check_model(model):
    if not _is_model(model):
        raise TypeError(f"model must have `forward`, `n_inputs` and `n_outputs` (e.g. a dmm_edu MLP); "
                        f"got {type(model).__name__}")
    return model


def _logits(model, X: np.ndarray) -> np.ndarray:
    """z: (M, C); a one-logit model f as two logits [0, f] (the class is argmax either way)."""
    z = np.asarray(model.forward(X), dtype=np.float64)  # (M, C)
    return np.concatenate([np.zeros_like(z), z], axis=1) if z.shape[1] == 1 else z  # (M, max(C, 2))


def margin_function(model, label: int) -> Score:
    """m_y: X (M, n) -> (M,), m_y(x) = z_y(x) − max_{j≠y} z_j(x), y = `label`.

    m_y > 0 where the model predicts y, m_y = 0 on the boundary of y's region. A one-logit model
    f counts as logits [0, f], so m_1 = f and m_0 = −f; with two logits m_1 = z_1 − z_0: for
    label 1 this is `score_function(model)`.
    """
    model = _check_model(model)
    C = max(2, int(model.n_outputs))
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < C:
        raise ValueError(f"label={label!r} is not accepted; expected a class index in 0..{C - 1}")
    y = int(label)

    def margin(X: np.ndarray) -> np.ndarray:
        z = _logits(model, X)  # (M, C)
        others = np.delete(z, y, axis=1)  # (M, C - 1)
        return z[:, y] - others.max(axis=1)  # (M,): m_y = z_y − max_{j≠y} z_j

    return margin


def _unit(name: str, d: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(d))
    if norm == 0.0:
        raise ValueError(f"{name} is the zero vector; a slice direction needs a nonzero vector")
    return d / norm


def _direction(name: str, value, n: int | None) -> np.ndarray:
    d = check_array(name, value, ndim=1).astype(np.float64)  # (n,)
    if n is not None and d.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match x0; got array of shape {d.shape}")
    return d


def slice_plane(d_on, d_off) -> tuple[np.ndarray, np.ndarray]:
    """The orthonormal pair (u, v) of the plane spanned by d_on and d_off: (n,), (n,) -> (n,), (n,).

    u = d_on / ‖d_on‖, v = (d_off − (d_off·u) u) / ‖·‖ (Gram-Schmidt). With an exact tangent /
    normal split (a flat manifold, as in the subspace world) d_on ⊥ d_off already, so v is simply
    d_off / ‖d_off‖ up to rounding; with an approximate one (an autoencoder's tangent) v is the
    part of d_off orthogonal to the manifold direction u.
    """
    d_on = _direction("d_on", d_on, None)
    d_off = _direction("d_off", d_off, d_on.shape[0])
    u = _unit("d_on", d_on)
    v = _unit("d_off", d_off)
    if abs(float(u @ v)) > 1.0 - PARALLEL_TOL:
        raise ValueError(f"d_on and d_off are parallel (|cos| = {abs(float(u @ v)):.8f}); they span no plane")
    v = _unit("d_off", v - (v @ u) * u)  # Gram-Schmidt: v ⊥ u
    return u, v


def slice_planes(d_on, d_off) -> tuple[np.ndarray, np.ndarray]:
    """`slice_plane` for S points at once: d_on, d_off (S, n) -> u, v (S, n), one orthonormal pair per row."""
    d_on, d_off = np.asarray(d_on, dtype=np.float64), np.asarray(d_off, dtype=np.float64)
    if d_on.ndim != 2 or d_off.shape != d_on.shape:
        raise ValueError(f"d_on and d_off must both have shape (S, n); got {d_on.shape} and {d_off.shape}")
    pairs = [slice_plane(a, b) for a, b in zip(d_on, d_off)]
    u = np.array([p[0] for p in pairs]).reshape(d_on.shape)  # (S, n)
    v = np.array([p[1] for p in pairs]).reshape(d_on.shape)  # (S, n)
    return u, v


def _grid_size(resolution) -> tuple[int, int]:
    pair = resolution if isinstance(resolution, (tuple, list)) else (resolution, resolution)
    if len(pair) != 2:
        raise ValueError(f"resolution={resolution!r} is not accepted; expected an odd integer >= 3 or a pair "
                         "(R_u, R_v)")
    R_u, R_v = (check_positive_int("resolution", r, minimum=3) for r in pair)
    if R_u % 2 == 0 or R_v % 2 == 0:
        raise ValueError(f"resolution={resolution!r} is not accepted; expected odd sizes, so that the centre "
                         "node is x0")
    return R_u, R_v


def _check_point(model, x0):
    """(model, x0 as (n,) float64) after checking that x0 is one input of `model`."""
    model = _check_model(model)
    n = int(model.n_inputs)
    x0 = check_array("x0", x0, ndim=1).astype(np.float64)  # (n,)
    if x0.shape != (n,):
        raise ValueError(f"x0 must have shape ({n},) to match the model's inputs; got array of shape {x0.shape}")
    return model, x0


def logit_slice(model, x0, u, v, extent_u: float, extent_v: float, resolution=81,
                label: int | None = None) -> LogitSlice:
    """The class margin m_label on the grid x0 + a·u + b·v, a ∈ [−extent_u, extent_u], b ∈ [−extent_v, extent_v].

    Args:
        model: a numpy-track classifier (forward, n_inputs, n_outputs), e.g. a dmm_edu MLP.
        x0: (n,) the slice's centre.  u, v: (n,) two non-parallel directions; u is normalised and
            v replaced by its unit part orthogonal to u, so a and b are Euclidean distances.
        extent_u, extent_v: half-widths of the grid along u and v (> 0, in input units).
        resolution: R (odd, >= 3) grid nodes per axis, or a pair (R_u, R_v) of odd sizes.
        label: the class y whose margin is drawn; default the model's prediction at x0.
    Returns: `LogitSlice` with values (R_v, R_u).
    """
    model, x0 = _check_point(model, x0)
    n = int(model.n_inputs)
    u = _unit("u", _direction("u", u, n))
    v = _unit("v", _direction("v", v, n))
    if abs(float(u @ v)) > 1.0 - PARALLEL_TOL:
        raise ValueError(f"u and v are parallel (|cos| = {abs(float(u @ v)):.8f}); they span no plane")
    v = _unit("v", v - (v @ u) * u)  # Gram-Schmidt: v ⊥ u
    extent_u = check_positive_float("extent_u", extent_u)
    extent_v = check_positive_float("extent_v", extent_v)
    R_u, R_v = _grid_size(resolution)
    if label is None:
        label = int(np.argmax(_logits(model, x0[None])[0]))
    margin = margin_function(model, label)

    a = np.linspace(-extent_u, extent_u, R_u)  # (R_u,)
    b = np.linspace(-extent_v, extent_v, R_v)  # (R_v,)
    X = x0 + a[None, :, None] * u + b[:, None, None] * v  # (R_v, R_u, n): x0 + a u + b v
    values = evaluate(margin, X.reshape(R_v * R_u, n)).reshape(R_v, R_u)  # (R_v, R_u)
    return LogitSlice(values=values, a=a, b=b, u=u, v=v, label=int(label))


def ray_crossing(model, x0, direction, t_max: float, label: int | None = None, *, n_grid: int = 257,
                 tol: float = 1e-8) -> float:
    """The first t in (0, t_max] where m_label(x0 + t·d̂) changes sign, d̂ = direction / ‖direction‖; NaN if none.

    The distance from x0 to the boundary along one ray of the slice (e.g. +u: along the manifold,
    +v: along the normal), found by `crossings_along_lines` (grid of n_grid, then bisection to tol).
    x0, direction: (n,). label: as in `logit_slice`.
    """
    model, x0 = _check_point(model, x0)
    n = int(model.n_inputs)
    d = _unit("direction", _direction("direction", direction, n))
    t_max = check_positive_float("t_max", t_max)
    if label is None:
        label = int(np.argmax(_logits(model, x0[None])[0]))
    c = crossings_along_lines(margin_function(model, label), x0[None], d, 0.0, t_max, n_grid=n_grid, tol=tol)
    return float(c.s[0, 0]) if c.count[0] > 0 else float("nan")


def slice_stack(model, x, u, v, extent, resolution: int = 81, labels=None) -> tuple[np.ndarray, np.ndarray]:
    """Square slices through S points, one plane each: what the experiments save for the figures and scenes.

    x, u, v: (S, n); extent: (S,) half-widths (the same along u and v, so the picture is not
    stretched); resolution: R, odd; labels: (S,) classes (default: the predictions at x).
    Returns values (S, R, R) with values[s] = logit_slice(...).values, and the axes (S, R).
    """
    x = check_array("x", x, ndim=2)  # (S, n)
    u = check_array("u", u, shape=x.shape)  # (S, n)
    v = check_array("v", v, shape=x.shape)  # (S, n)
    extent = check_array("extent", extent, shape=(x.shape[0],))  # (S,)
    if not np.all(extent > 0):
        raise ValueError(f"extent must be > 0 for every point (half-widths of the slices); got {extent.tolist()}")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (x.shape[0],):
            raise ValueError(f"labels must have shape ({x.shape[0]},), one per point; got shape {labels.shape}")
        if labels.size and not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must be integer class indices; got dtype {labels.dtype}")
    R = check_positive_int("resolution", resolution, minimum=3)
    values = np.empty((x.shape[0], R, R))  # (S, R, R)
    axis = np.empty((x.shape[0], R))  # (S, R)
    for s in range(x.shape[0]):
        sl = logit_slice(model, x[s], u[s], v[s], float(extent[s]), float(extent[s]), R,
                         label=None if labels is None else int(labels[s]))
        values[s], axis[s] = sl.values, sl.a
    return values, axis
