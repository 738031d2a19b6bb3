"""FGSM, the fast gradient (sign) method (Goodfellow, Shlens & Szegedy 2015): one step of size eps.

Linearising the loss at x, ℓ(x + δ) ≈ ℓ(x) + g·δ with g = ∇_x ℓ(f(x), y), the best δ in the
eps-ball is eps times the steepest-ascent direction of the norm:

    δ = eps · sign(g)          (L∞)          δ = eps · g / ‖g‖₂          (L2)

For a linear binary classifier f = w·x + b this moves the logit by exactly eps‖w‖₁ (L∞) or
eps‖w‖₂ (L2) towards the other class. A targeted attack descends the loss of the target label
instead; a restricted one (space "on"/"off", L2) steps along P_S g, the gradient projected onto
the tangent or normal space S. The torch track's twin is dmm_edu.attacks.torch_track.fgsm, with
the same arguments. Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

from dmm_edu.attacks._args import BOUNDS, accepts_clip, check_space
from dmm_edu.attacks._common import (
    check_attack_args,
    check_projector,
    clip_box,
    finish,
    restriction,
    steepest_direction,
)
from dmm_edu.attacks.result import AttackResult


@accepts_clip
def fgsm(model, x, y, eps: float, *, norm: str = "linf", targeted: bool = False,
         bounds: tuple[float, float] | None = BOUNDS, loss: str = "ce", space: str = "free",
         projector=None) -> AttackResult:
    """One gradient step of size eps in the L∞ or L2 norm (numpy track).

    Args:
        model: anything with `input_grad(x, y, loss) -> (N, n)` (the per-sample loss gradient
            with respect to the input) and `predict(x) -> (N,)`, e.g. a numpy MLP.
        x: (N, n) float inputs; never modified.
        y: (N,) int labels to move away from, or with `targeted=True` the target labels.
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
    x0, y, eps, norm, loss, box, targeted = check_attack_args(model, x, y, eps, norm, loss, bounds, targeted)
    space = check_space(space, norm)
    check_projector(projector, space, x0.shape[1])
    restrict = restriction(projector, space, x0.dtype)  # (v, base) -> P_S v at the clean points base
    sign = -1.0 if targeted else 1.0  # ascend ℓ(·, y), or descend ℓ(·, target)
    g = restrict(model.input_grad(x0, y, loss), x0)  # (N, n)  g = P_S ∇_x ℓ(f(x), y)
    delta = sign * eps * steepest_direction(g, norm)  # (N, n)  δ = ±eps·sign(g)  or  ±eps·g/‖g‖₂
    delta = clip_box(x0, delta, box)  # (N, n)  x + δ ∈ [lo, hi]^n
    return finish(model, x0, delta, y, targeted, norm, box, steps=1, restrict=None if space == "free" else restrict)
