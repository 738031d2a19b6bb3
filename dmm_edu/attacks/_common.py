"""What the numpy attacks share: argument checks, the attack objective, the steepest-ascent step
of a norm, the projection onto the eps-ball, the box clip, the subspace S and the AttackResult.

For a norm ‖·‖ the steepest-ascent direction of unit length is u = sign(g) for L∞ and
u = g / ‖g‖₂ for L2 (the maximiser of g·u over ‖u‖ <= 1); the projection onto the ball
{δ : ‖δ‖ <= eps} is coordinate clipping for L∞ and radial shrinking for L2. The argument names,
accepted values and defaults are the torch track's too (`dmm_edu.attacks._args`).
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import _describe, check_array, check_choice, check_labels, check_positive_float
from dmm_edu.attacks._args import NORMS, check_box, check_finite_logits, check_inside, check_loss_name
from dmm_edu.attacks.result import AttackResult
from dmm_edu.numpy_nn.losses import log_softmax, logit_margin

LEFT_TOL = 1e-4  # δ has left S when ‖δ - P_S δ‖ > LEFT_TOL · ‖δ‖ (both tracks use this one)


# ------------------------------------------------------------ argument checks


def check_bounds(bounds, x0) -> tuple[float, float] | None:
    """None (no box), or (lo, hi) with lo < hi and every clean input x0 (N, n) inside [lo, hi]."""
    box = check_box(bounds)
    if box is not None and x0.size:
        check_inside(float(x0.min()), float(x0.max()), box)
    return box


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


def numpy_loss(loss, n_outputs) -> str:
    """The dmm_edu.numpy_nn loss for an attack's `loss`: "ce" (or None) is "binary_logistic" for a
    one-logit model and "cross_entropy" otherwise, "margin" is "logit_margin"; the numpy_nn names
    themselves pass through (the model then checks that they fit its outputs)."""
    loss = check_loss_name(loss)
    if loss == "margin":
        return "logit_margin"
    if loss != "ce":
        return loss
    if n_outputs is None:
        raise ValueError("loss='ce' needs model.n_outputs to choose between 'binary_logistic' (one logit) and "
                         "'cross_entropy'; pass one of them as loss")
    return "binary_logistic" if n_outputs == 1 else "cross_entropy"


def check_attack_args(model, x, y, eps, norm, loss, bounds, targeted):
    """Check what every gradient attack takes; returns (x0 (N, n), y (N,), eps, norm, loss, box, targeted),
    loss as a dmm_edu.numpy_nn loss name."""
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
    loss = numpy_loss(loss, C)
    if callable(getattr(model, "loss_function", None)):
        model.loss_function(loss)  # the loss must fit the model's number of outputs
    if C is not None:
        y = check_labels("y", y, max(C, 2), n=x0.shape[0])  # (N,)
    else:
        y = np.asarray(y)
        if y.shape != (x0.shape[0],):
            raise ValueError(f"y must have {x0.shape[0]} labels (one per input row); got {_describe(y)}")
    box = check_bounds(bounds, x0)
    if callable(getattr(model, "forward", None)):
        check_clean_logits(model.forward(x0))
    return x0, y, eps, norm, loss, box, targeted


def check_clean_logits(z) -> None:
    """Refuse logits z (N, C) at the clean x with NaN or inf in any row (see _args.check_finite_logits)."""
    z = np.asarray(z)
    check_finite_logits(int((~np.isfinite(z)).reshape(z.shape[0], -1).any(axis=1).sum()), z.shape[0])


# ------------------------------------------------------------ the objective, success


def is_success(pred, y, targeted: bool):
    """(N,) bool: pred ≠ y (untargeted) or pred = y (targeted)."""
    return pred == y if targeted else pred != y


def objective(z, y, loss: str, targeted: bool):
    """J_i, the per-sample quantity the attack ascends (the torch track's `objective`).   z: (N, C), y: (N,) -> (N,).

    ℓ_i is the per-sample loss `loss` (a numpy_nn name) of logits z_i and label y_i; J = ℓ (untargeted),
    J = -ℓ (targeted: descend the target's loss). For "logit_margin" J > 0 exactly at success.
    """
    rows = np.arange(z.shape[0])
    if loss == "logit_margin":
        ell = -logit_margin(z, y)  # ℓ = max_{j≠y} z_j - z_y  (binary: -s f)
    elif loss == "binary_logistic":
        ell = np.logaddexp(0.0, -logit_margin(z, y))  # ℓ = log(1 + e^{-s f})
    else:
        ell = -log_softmax(z)[rows, y]  # ℓ = -log softmax(z)_y
    return -ell if targeted else ell


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


def clip_box(x0, delta, box):
    """δ such that x0 + δ lies in the box [lo, hi]^n: clip(x0 + δ, lo, hi) - x0.   (N, n) -> (N, n).

    With x0 inside the box every coordinate only moves towards x0, so ‖δ‖ does not grow.
    """
    if box is None:
        return delta
    return np.clip(x0 + delta, box[0], box[1]) - x0


# ------------------------------------------------------------ the subspace S of a restricted attack


def restriction(projector, space: str, dtype):
    """P_S as a function (v (M, n), base (M, n)) -> P_S v, S the tangent (space="on") or normal ("off")
    space of `projector` at the clean points base; the identity for space="free"."""
    if space == "free":
        return lambda v, base: v
    proj = projector.tangent if space == "on" else projector.normal
    return lambda v, base: proj(v, x=base).astype(dtype, copy=False)


def left_subspace(delta, restrict, x0):
    """(N,) bool: ‖δ - P_S δ‖ > 1e-4 ‖δ‖, the box clip pushed δ out of S.   delta, x0: (N, n)."""
    off = np.linalg.norm(delta - restrict(delta, x0), axis=1)  # (N,)
    return off > LEFT_TOL * np.linalg.norm(delta, axis=1)


def finish(model, x0, delta, y, targeted: bool, norm: str, box, steps, trajectory=None, restrict=None) -> AttackResult:
    """x_adv = x0 + δ (kept inside the box), success per sample, ‖δ‖ in the attack's norm; steps an
    int (every sample) or (N,); with `restrict` (a restricted attack) whether δ left S."""
    x_adv = x0 + delta.astype(x0.dtype, copy=False)  # (N, n)
    if box is not None:
        x_adv = np.clip(x_adv, box[0], box[1])  # guard against rounding one ulp outside the box
    delta = x_adv - x0
    success = is_success(np.asarray(model.predict(x_adv)), y, targeted)  # (N,)
    return AttackResult(x_adv=x_adv, delta=delta, success=success, norm=lp_norm(delta, norm),
                        steps=np.broadcast_to(np.asarray(steps, dtype=np.int64), (x0.shape[0],)).copy(),
                        trajectory=trajectory,
                        left_subspace=None if restrict is None else left_subspace(delta, restrict, x0))
