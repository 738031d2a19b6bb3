"""FGSM, the fast gradient (sign) method (Goodfellow, Shlens & Szegedy 2015): one step of size eps.

Linearising the loss at x, ℓ(x + δ) ≈ ℓ(x) + g·δ with g = ∇_x ℓ(f(x), y), the best δ in the
eps-ball is eps times the steepest-ascent direction of the norm:

    δ = eps · sign(g)          (L∞)          δ = eps · g / ‖g‖₂          (L2)

For a linear binary classifier f = w·x + b this moves the logit by exactly eps‖w‖₁ (L∞) or
eps‖w‖₂ (L2) towards the other class. A targeted attack descends the loss of the target label
instead. Book page: "Why the perturbations are tiny".
"""

from __future__ import annotations

from dmm_edu.attacks._common import check_attack_args, clip_box, finish, steepest_direction
from dmm_edu.attacks.result import AttackResult


def fgsm(model, x, y, eps: float, *, norm: str = "linf", loss: str | None = None, targeted: bool = False,
         clip: tuple[float, float] | None = None) -> AttackResult:
    """One gradient step of size eps in the L∞ or L2 norm.

    Args:
        model: anything with `input_grad(x, y, loss) -> (N, n)` (the per-sample loss gradient
            with respect to the input) and `predict(x) -> (N,)`, e.g. a numpy MLP.
        x: (N, n) float inputs.
        y: (N,) int labels to move away from, or with `targeted=True` the target labels.
        eps: the perturbation budget ‖δ‖ <= eps (>= 0; eps = 0 returns x unchanged).
        norm: "linf" or "l2".
        loss: a loss name from dmm_edu.numpy_nn.LOSSES; None picks "binary_logistic" for a
            one-logit model, "cross_entropy" otherwise.
        targeted: descend the loss of the target y instead of ascending the loss of the label y.
        clip: (lo, hi) keeps x + δ inside the box (x must lie in it); None for no box.

    Returns:
        AttackResult; success[i] is predict(x_adv[i]) != y[i] (== y[i] when targeted), norm is
        ‖δ‖ in `norm`, steps is 1 for every sample.
    """
    x0, y, eps, norm, loss, clip, targeted = check_attack_args(model, x, y, eps, norm, loss, clip, targeted)
    sign = -1.0 if targeted else 1.0  # ascend ℓ(·, y), or descend ℓ(·, target)
    g = model.input_grad(x0, y, loss)  # (N, n)  g = ∇_x ℓ(f(x), y)
    delta = sign * eps * steepest_direction(g, norm)  # (N, n)  δ = ±eps·sign(g)  or  ±eps·g/‖g‖₂
    delta = clip_box(x0, delta, clip)  # (N, n)  x + δ ∈ [lo, hi]^n
    return finish(model, x0, delta, y, targeted, norm, clip, steps=1)
