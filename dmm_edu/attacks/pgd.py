"""PGD, projected gradient descent (Madry et al. 2018): FGSM repeated with small steps, each
followed by a projection back onto the eps-ball around the clean x.

    δ_0 = 0  (or uniform in the ball),
    δ_{t+1} = Π_eps( δ_t + alpha · u(∇_x ℓ(f(x + δ_t), y)) ),   u(g) = sign(g) (L∞), g/‖g‖₂ (L2),

with a minus sign before alpha for a targeted attack. Restricted to a subspace S (space="on": the
tangent space of the data manifold at the clean x, "off": its normal space) every gradient and the
accumulated δ are projected onto S first, P_S, so δ never leaves S; the L2 ball projection is a
rescaling and keeps δ in S. Book page: "Why the perturbations are tiny".
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_choice, check_positive_float, check_positive_int, check_rng
from dmm_edu.attacks._common import (
    SPACES,
    check_attack_args,
    check_bool,
    check_projector,
    clip_box,
    finish,
    project_ball,
    steepest_direction,
)
from dmm_edu.attacks.result import AttackResult

ALPHA_FACTOR = 2.5  # default alpha = 2.5 · eps / steps (Madry et al.): the path can reach the sphere and move along it


def _random_start(rng, x0, eps, norm, restrict, dim):
    """δ_0 uniform in the eps-ball: U[-eps, eps]^n (L∞), or uniform in the L2 ball of the
    dim-dimensional space that `restrict` projects onto (the whole R^n when space="free")."""
    N = x0.shape[0]
    if norm == "linf":
        return rng.uniform(-eps, eps, size=x0.shape).astype(x0.dtype)  # (N, n)
    v = restrict(rng.standard_normal(size=x0.shape))  # (N, n) isotropic Gaussian in S
    v_norm = np.linalg.norm(v, axis=1, keepdims=True)  # (N, 1)
    r = eps * rng.uniform(size=(N, 1)) ** (1.0 / max(dim, 1))  # radius with density ∝ r^(dim-1)
    return (r * v / np.where(v_norm > 0, v_norm, 1)).astype(x0.dtype)  # (N, n)


def pgd(model, x, y, eps: float, *, alpha: float | None = None, steps: int = 10, norm: str = "linf",
        random_start: bool = False, rng: np.random.Generator | None = None, targeted: bool = False,
        clip: tuple[float, float] | None = None, loss: str | None = None, space: str = "free",
        projector=None) -> AttackResult:
    """Projected gradient ascent on the loss (descent on the target's loss if targeted) in an eps-ball.

    Args:
        model: anything with `input_grad(x, y, loss) -> (N, n)` and `predict(x) -> (N,)`.
        x: (N, n) float inputs.
        y: (N,) int labels to move away from, or with `targeted=True` the target labels.
        eps: the budget ‖δ‖ <= eps (>= 0; eps = 0 returns x unchanged).
        alpha: step size (> 0); default 2.5 · eps / steps.
        steps: number of iterations (>= 1); every sample runs all of them.
        norm: "linf" or "l2".
        random_start: start from δ_0 uniform in the ball (in S, for space "on"/"off"); needs `rng`.
        rng: np.random.Generator for the random start.
        targeted: y holds target labels; success means predict(x_adv) == y.
        clip: (lo, hi) keeps x + δ in the box (x must lie in it), applied after the ball
            projection. Clipping can move δ out of the subspace of space="on"/"off".
        loss: a loss name from dmm_edu.numpy_nn.LOSSES; None picks "binary_logistic" for a
            one-logit model, "cross_entropy" otherwise.
        space: "free", or "on" / "off" (L2 only) to keep every step and δ in the tangent / normal
            space of `projector` at the clean x.
        projector: a dmm_edu.manifold Projector (needed for "on" and "off").

    Returns:
        AttackResult; success[i] is predict(x_adv[i]) != y[i] (== y[i] when targeted), norm is
        ‖δ‖ in `norm`, steps is `steps` for every sample.
    """
    x0, y, eps, norm, loss, clip, targeted = check_attack_args(model, x, y, eps, norm, loss, clip, targeted)
    steps = check_positive_int("steps", steps)
    alpha = ALPHA_FACTOR * eps / steps if alpha is None else check_positive_float("alpha", alpha)
    random_start = check_bool("random_start", random_start)
    if random_start:
        if rng is None:
            raise ValueError("random_start=True needs rng, an explicit np.random.Generator, "
                             "e.g. rng=np.random.default_rng(0)")
        check_rng("rng", rng)
    space = check_choice("space", space, SPACES)
    if space != "free":
        if norm != "l2":
            raise ValueError(f"space={space!r} is only accepted with norm='l2' (got norm={norm!r}): the "
                             "L∞ ball projection (coordinate clipping) does not keep δ in a subspace")
    check_projector(projector, space, x0.shape[1])

    def restrict(v):  # (N, n) -> P_S v, with S the tangent (on) / normal (off) space at the clean x0
        if space == "free":
            return v
        proj = projector.tangent if space == "on" else projector.normal
        return proj(v, x=x0).astype(x0.dtype, copy=False)

    sign = -1.0 if targeted else 1.0  # ascend ℓ(·, y), or descend ℓ(·, target)
    delta = np.zeros_like(x0)  # (N, n)  δ_0 = 0
    if random_start:
        n = x0.shape[1]
        dim = n if space == "free" else projector.k if space == "on" else n - projector.k  # dim S
        delta = _random_start(rng, x0, eps, norm, restrict, dim)
        delta = clip_box(x0, delta, clip)
    for _ in range(steps):
        g = restrict(model.input_grad(x0 + delta, y, loss))  # (N, n)  P_S ∇_x ℓ(f(x + δ_t), y)
        delta = delta + sign * alpha * steepest_direction(g, norm)  # (N, n)  δ + alpha·u(g)
        delta = project_ball(restrict(delta), eps, norm)  # (N, n)  Π_eps(P_S δ)
        delta = clip_box(x0, delta, clip).astype(x0.dtype, copy=False)  # (N, n)  x + δ ∈ [lo, hi]^n
    return finish(model, x0, delta, y, targeted, norm, clip, steps=steps)
