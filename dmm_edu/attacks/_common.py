"""What the gradient attacks (FGSM, PGD) share: argument checks, the steepest-ascent step of a norm,
the projection onto the eps-ball, the box clip and the AttackResult.

For a norm ‖·‖ the steepest-ascent direction of unit length is u = sign(g) for L∞ and
u = g / ‖g‖₂ for L2 (the maximiser of g·u over ‖u‖ <= 1); the projection onto the ball
{δ : ‖δ‖ <= eps} is coordinate clipping for L∞ and radial shrinking for L2.
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import _describe, check_array, check_choice, check_finite_float, check_labels, check_positive_float
from dmm_edu.attacks.result import AttackResult
from dmm_edu.numpy_nn.losses import LOSSES

NORMS = ("linf", "l2")
SPACES = ("free", "on", "off")


# ------------------------------------------------------------ argument checks


def check_clip(clip) -> tuple[float, float] | None:
    """None, or a box (lo, hi) of finite numbers with lo < hi."""
    if clip is None:
        return None
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise ValueError(f"clip={_describe(clip)} is not accepted; expected None or a pair (lo, hi) with lo < hi")
    lo, hi = check_finite_float("clip[0]", clip[0]), check_finite_float("clip[1]", clip[1])
    if not lo < hi:
        raise ValueError(f"clip={_describe(clip)} is not accepted; expected a pair (lo, hi) with lo < hi")
    return lo, hi


def check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={_describe(value)} is not accepted; expected True or False")
    return bool(value)


def check_projector(projector, space: str, n: int):
    """The projector of a restricted attack: a manifold Projector in dimension n (None for "free")."""
    from dmm_edu.manifold.projectors import Projector

    if space == "free":
        return projector
    if projector is None:
        raise ValueError(f"space={space!r} needs a projector (the manifold's tangent space), "
                         "e.g. dmm_edu.manifold.SubspaceProjector(U)")
    if not isinstance(projector, Projector):
        raise TypeError(f"projector must be a dmm_edu.manifold Projector (e.g. SubspaceProjector(U)); "
                        f"got {_describe(projector)}")
    if projector.n != n:
        raise ValueError(f"projector={projector!r} works in dimension {projector.n}; x has {n} columns")
    return projector


def check_attack_args(model, x, y, eps, norm, loss, clip, targeted):
    """Check what every gradient attack takes; returns (x0 (N, n), y (N,), eps, norm, loss, clip, targeted).

    `loss=None` picks "binary_logistic" for a one-logit model and "cross_entropy" otherwise.
    """
    for attr in ("input_grad", "predict"):
        if not callable(getattr(model, attr, None)):
            raise TypeError(f"model must have a method {attr}(...) like dmm_edu.numpy_nn.MLP; got {_describe(model)}")
    x0 = check_array("x", x, ndim=2)  # (N, n)
    n_inputs = getattr(model, "n_inputs", None)
    if n_inputs is not None and x0.shape[1] != n_inputs:
        raise ValueError(f"x must have shape (any, {n_inputs}) to match the model; got {_describe(x0)}")
    eps = check_positive_float("eps", eps, allow_zero=True)
    norm = check_choice("norm", norm, NORMS)
    targeted = check_bool("targeted", targeted)
    C = getattr(model, "n_outputs", None)
    if loss is None:
        if C is None:
            raise ValueError("loss=None needs model.n_outputs to choose a loss; pass loss explicitly, "
                             f"one of {list(LOSSES)}")
        loss = "binary_logistic" if C == 1 else "cross_entropy"
    loss = check_choice("loss", loss, LOSSES)
    if callable(getattr(model, "loss_function", None)):
        model.loss_function(loss)  # the loss must fit the model's number of outputs
    if C is not None:
        y = check_labels("y", y, max(C, 2), n=x0.shape[0])  # (N,)
    else:
        y = np.asarray(y)
        if y.shape != (x0.shape[0],):
            raise ValueError(f"y must have {x0.shape[0]} labels (one per input row); got {_describe(y)}")
    clip = check_clip(clip)
    if clip is not None and x0.size and (x0.min() < clip[0] or x0.max() > clip[1]):
        raise ValueError(f"x has values in [{x0.min():.4g}, {x0.max():.4g}], outside clip={clip}; "
                         "the clean inputs must lie inside the box")
    return x0, y, eps, norm, loss, clip, targeted


# ------------------------------------------------------------ the geometry of a norm


def lp_norm(delta, norm: str):
    """‖δ_i‖ per row: max_j |δ_ij| (linf) or sqrt(Σ_j δ_ij²) (l2).   delta: (N, n) -> (N,)."""
    if delta.shape[1] == 0:
        return np.zeros(delta.shape[0], dtype=delta.dtype)
    return np.abs(delta).max(axis=1) if norm == "linf" else np.linalg.norm(delta, axis=1)


def steepest_direction(g, norm: str):
    """u = argmax_{‖u‖ <= 1} g·u: sign(g) for linf, g / ‖g‖₂ for l2 (0 where g = 0).   (N, n) -> (N, n)."""
    if norm == "linf":
        return np.sign(g)
    g_norm = np.linalg.norm(g, axis=1, keepdims=True)  # (N, 1)
    return g / np.where(g_norm > 0, g_norm, 1)  # u = g / ‖g‖₂


def project_ball(delta, eps: float, norm: str):
    """Π_eps(δ): the nearest point of {‖δ‖ <= eps}.   (N, n) -> (N, n).

    linf: clip every coordinate to [-eps, eps]; l2: δ · min(1, eps / ‖δ‖₂) (a rescaling, so a δ
    in a subspace stays in it).
    """
    if norm == "linf":
        return np.clip(delta, -eps, eps)
    d_norm = np.linalg.norm(delta, axis=1, keepdims=True)  # (N, 1)
    scale = np.minimum(1.0, eps / np.where(d_norm > 0, d_norm, 1))  # min(1, eps/‖δ‖₂)
    return delta * scale.astype(delta.dtype, copy=False)


def clip_box(x0, delta, clip):
    """δ such that x0 + δ lies in the box [lo, hi]^n: clip(x0 + δ, lo, hi) - x0.   (N, n) -> (N, n).

    With x0 inside the box every coordinate only moves towards x0, so ‖δ‖ does not grow.
    """
    if clip is None:
        return delta
    return np.clip(x0 + delta, clip[0], clip[1]) - x0


def finish(model, x0, delta, y, targeted: bool, norm: str, clip, steps) -> AttackResult:
    """x_adv = x0 + δ (kept inside the box), success per sample, ‖δ‖ in the attack's norm."""
    x_adv = x0 + delta.astype(x0.dtype, copy=False)  # (N, n)
    if clip is not None:
        x_adv = np.clip(x_adv, clip[0], clip[1])  # guard against rounding one ulp outside the box
    delta = x_adv - x0
    pred = np.asarray(model.predict(x_adv))  # (N,)
    success = pred == y if targeted else pred != y
    return AttackResult(x_adv=x_adv, delta=delta, success=success, norm=lp_norm(delta, norm),
                        steps=np.full(x0.shape[0], steps, dtype=np.int64))
