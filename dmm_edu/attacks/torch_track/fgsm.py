"""FGSM on the torch track (Goodfellow, Shlens & Szegedy 2015): one step of size eps along the
steepest-ascent direction of the attack objective J at x — dmm_edu.attacks.fgsm on a torch.nn.Module.

    δ = eps · sign(∇_x J)   (L∞)          δ = eps · ∇_x J / ‖∇_x J‖₂   (L2)

then x + δ is clipped into the box. For a linear model every coordinate moves by exactly eps
(L∞) towards the other class. A restricted attack (space "on"/"off", L2) steps along P_S ∇_x J,
the gradient projected onto the tangent or normal space S. Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

import torch

from dmm_edu._checks import check_choice, check_positive_float
from dmm_edu.attacks._args import BOUNDS, NORMS, accepts_clip, check_space
from dmm_edu.attacks.result import AttackResult
from dmm_edu.attacks.torch_track._common import (
    check_bool,
    check_bounds,
    check_input,
    check_labels,
    check_loss,
    check_model,
    clip_box,
    eval_mode,
    finish,
    n_classes,
    objective_grad,
    steepest_direction,
)
from dmm_edu.attacks.torch_track._subspace import subspace_at


@accepts_clip
def fgsm(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, *, norm: str = "linf",
         targeted: bool = False, bounds: tuple[float, float] | None = BOUNDS, loss: str = "ce",
         space: str = "free", projector=None) -> AttackResult:
    """One gradient step of size eps in the L∞ or L2 norm (torch track).

    Args:
        model: a torch.nn.Module mapping x (N, *shape) to logits (N, C) (C = 1: a binary model f,
            read as the logits [0, f]); run in eval mode, its modes restored after.
        x: (N, *shape) float tensor of the model's dtype and device; never modified.
        y: (N,) int64 labels to move away from, or with `targeted=True` the target labels.
        eps: the budget ‖δ‖ <= eps, over all non-batch dimensions (>= 0; eps = 0 returns x).
        norm: "linf" or "l2".
        targeted: y holds target labels: the attack descends their loss instead of ascending the
            loss of the label, and success means the prediction equals y.
        bounds: None (default), no box; or (lo, hi), a box for x + δ (x must lie in it), applied
            after the step and the ball projection. In a restricted attack the clip can move δ out
            of S. (clip=, its old name, still works for one release, with a DeprecationWarning.)
        loss: "ce" (default; None too), the cross entropy (the binary logistic loss for a one-logit
            model), or "margin", the logit margin max_{j≠y} z_j - z_y (CW, unclipped). The numpy_nn
            names "cross_entropy", "binary_logistic" and "logit_margin" are accepted too.
        space: "free" (default), or "on" / "off" (L2 only): the gradient is projected onto the
            tangent / normal space S of `projector` at the clean x, so δ lies in S.
        projector: a dmm_edu.manifold Projector in dimension n = prod(shape), the features per
            sample (needed for "on"/"off"), evaluated at the clean x.

    Returns:
        AttackResult (numpy arrays on the numpy track; tensors on x's device on the torch track):
        x_adv, delta (N, *shape); success (N,) bool, the prediction at x_adv differs from y (equals
        y when targeted); norm (N,) ‖δ‖ in `norm`; steps (N,) all 1; left_subspace (N,) bool for
        space "on"/"off" (δ left S because of the box clip), else None.
    """
    model = check_model(model)
    x0, shape = check_input(model, x)  # (N, n)
    N = x0.shape[0]
    eps = check_positive_float("eps", eps, allow_zero=True)
    norm = check_choice("norm", norm, NORMS)
    targeted = check_bool("targeted", targeted)
    box = check_bounds(bounds, x0)
    loss = check_loss(loss)
    space = check_space(space, norm)
    y = check_labels("y", y, N, n_classes(model, x0, shape), x0.device)  # (N,)
    S = subspace_at(projector, space, x0, shape)
    with eval_mode(model):
        _, g = objective_grad(model, x0, shape, y, loss, targeted)  # (N, n)  g = ∇_x J(x)
        g = S.project(g)  # (N, n)  P_S g
        delta = eps * steepest_direction(g, norm)  # (N, n)  δ = eps·sign(g)  or  eps·g/‖g‖₂
        x_adv, _ = clip_box(x0, delta, box)  # (N, n)  x + δ ∈ [lo, hi]^n
        steps = torch.ones(N, dtype=torch.int64, device=x0.device)
        return finish(model, x0, x_adv, shape, y, targeted, norm, steps, subspace=S)
