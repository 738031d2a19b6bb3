"""FGSM on the torch track (Goodfellow, Shlens & Szegedy 2015): one step of size eps along the
steepest-ascent direction of the attack objective J at x — dmm_edu.attacks.fgsm on a torch.nn.Module.

    δ = eps · sign(∇_x J)   (L∞)          δ = eps · ∇_x J / ‖∇_x J‖₂   (L2)

then x + δ is clipped into the box. For a linear model every coordinate moves by exactly eps
(L∞) towards the other class. Book page: "Why the perturbations are tiny".
"""

from __future__ import annotations

import torch

from dmm_edu._checks import check_choice, check_positive_float
from dmm_edu.attacks.result import AttackResult
from dmm_edu.attacks.torch_track._common import (
    NORMS,
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


def fgsm(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, *, norm: str = "linf",
         targeted: bool = False, bounds: tuple[float, float] | None = (0.0, 1.0), loss: str = "ce") -> AttackResult:
    """One gradient step of size eps in the L∞ or L2 norm.

    Args:
        model: a torch.nn.Module mapping x (N, *shape) to logits (N, C) (C = 1: logits [0, f]);
            run in eval mode, its modes restored after.
        x: (N, *shape) float tensor of the model's dtype and device; never modified.
        y: (N,) int64 labels to move away from, or with `targeted=True` the target labels.
        eps: the budget ‖δ‖ <= eps over all non-batch dimensions (>= 0; 0 returns x).
        norm: "linf" or "l2".
        targeted: descend the loss of the target y instead of ascending the loss of the label y.
        bounds: (lo, hi) box for x + δ (x must lie in it); default (0, 1), the image range;
            None for no box.
        loss: "ce" or "margin", as in `pgd`.

    Returns:
        AttackResult of tensors on x's device: x_adv, delta (N, *shape), success (N,) bool,
        norm (N,) ‖δ‖ in `norm`, steps (N,) all 1.
    """
    model = check_model(model)
    x0, shape = check_input(model, x)  # (N, n)
    N = x0.shape[0]
    eps = check_positive_float("eps", eps, allow_zero=True)
    norm = check_choice("norm", norm, NORMS)
    targeted = check_bool("targeted", targeted)
    box = check_bounds(bounds, x0)
    loss = check_loss(loss)
    y = check_labels("y", y, N, n_classes(model, x0, shape), x0.device)  # (N,)
    with eval_mode(model):
        _, g = objective_grad(model, x0, shape, y, loss, targeted)  # (N, n)  g = ∇_x J(x)
        delta = eps * steepest_direction(g, norm)  # (N, n)  δ = eps·sign(g)  or  eps·g/‖g‖₂
        x_adv, _ = clip_box(x0, delta, box)  # (N, n)  x + δ ∈ [lo, hi]^n
        steps = torch.ones(N, dtype=torch.int64, device=x0.device)
        return finish(model, x0, x_adv, shape, y, targeted, norm, steps)
