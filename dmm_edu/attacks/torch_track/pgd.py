"""PGD on the torch track (Madry et al. 2018): FGSM repeated with small steps, each followed by a
projection back onto the eps-ball around the clean x — the algorithm of dmm_edu.attacks.pgd, on
a torch.nn.Module, with restarts, early stopping and recorded paths.

    δ_0 = 0  (or uniform in the ball),
    δ_{t+1} = Π_box( Π_eps( P_S( δ_t + alpha · u(P_S ∇_x J(x + δ_t)) ) ) ),   u(g) = sign(g) (L∞), g/‖g‖₂ (L2),

where J is the attack objective (the loss of the label, minus the loss of the target, or a logit
margin; see `_common.objective`) and P_S the projection onto the subspace S the attack may use:
all of R^n (space="free"), or the tangent / normal space of the data manifold at the clean x
(space="on" / "off", L2 only). For L∞ the ball and the box are both boxes, so Π_box Π_eps is one
clamp to [max(x - eps, lo), min(x + eps, hi)]. Book page: "Why the perturbations are tiny".
"""

from __future__ import annotations

import torch

from dmm_edu._checks import _describe, check_choice, check_positive_float, check_positive_int
from dmm_edu.attacks.result import AttackResult
from dmm_edu.attacks.torch_track._common import (
    NORMS,
    SPACES,
    check_bool,
    check_bounds,
    check_input,
    check_labels,
    check_loss,
    check_model,
    eval_mode,
    is_success,
    logits,
    lp_norm,
    n_classes,
    objective,
    objective_grad,
    project_ball,
)
from dmm_edu.attacks.torch_track._subspace import subspace_at

ALPHA_FACTOR = 2.5  # default alpha = 2.5 · eps / steps, as on the numpy track


def _random_start(rng: torch.Generator, x0, eps: float, norm: str, S):
    """δ_0 uniform in the eps-ball: U[-eps, eps]^n (L∞), or uniform in the L2 ball of S (R^n when
    free): an isotropic Gaussian direction in S times a radius eps · U^(1/dim S).   (M, n)."""
    M = x0.shape[0]
    like = {"generator": rng, "device": rng.device, "dtype": x0.dtype}
    if norm == "linf":
        return (eps * (2 * torch.rand(x0.shape, **like) - 1)).to(x0.device)  # (M, n) U[-eps, eps]^n
    v = S.project(torch.randn(x0.shape, **like).to(x0.device))  # (M, n) isotropic Gaussian in S
    v_norm = torch.linalg.vector_norm(v, dim=1, keepdim=True)  # (M, 1)
    r = eps * torch.rand((M, 1), **like).to(x0.device) ** (1.0 / max(S.dim, 1))  # density ∝ r^(dim S - 1)
    return r * v / torch.where(v_norm > 0, v_norm, 1.0)  # (M, n)


def _delta_bounds(x0, eps: float, norm: str, box):
    """Coordinate bounds (lo_δ, hi_δ) on δ, or None: the box lo <= x0 + δ <= hi as lo - x0 <= δ <= hi - x0;
    for L∞ intersected with the ball -eps <= δ <= eps (a box too, so Π_box Π_eps is one clamp)."""
    if box is None:
        return (-eps, eps) if norm == "linf" else None
    lo, hi = box[0] - x0, box[1] - x0  # (M, n) each; x0 inside the box: lo <= 0 <= hi
    if norm == "linf":
        lo.clamp_(min=-eps), hi.clamp_(max=eps)  # max(-eps, lo - x0), min(eps, hi - x0)
    return lo, hi


def _run(model, x0, shape, y, delta0, *, eps, alpha, steps, norm, loss, targeted, box, S, early_stop, record):
    """One PGD run from δ_0 (None: 0) on M samples: (x_adv (M, n), steps used (M,), path (steps+1, M, n) or None).

    δ is updated in place (it is ours alone; fresh tensors per step would cost page faults).
    """
    M = x0.shape[0]
    bounds = _delta_bounds(x0, eps, norm, box)
    if delta0 is None:
        delta = torch.zeros_like(x0)  # (M, n)  δ_0 = 0
    else:
        delta = delta0 if box is None else delta0.clamp_(*bounds)  # (M, n)  x + δ_0 in the box
    used = torch.zeros(M, dtype=torch.int64, device=x0.device)  # (M,)
    path = [(x0 + delta).cpu()] if record else None
    rows = None  # the samples still updated (None: all of them)
    for _ in range(steps):
        x_r = x0 + delta if rows is None else x0[rows] + delta[rows]  # (M', n)  x + δ_t
        z, g = objective_grad(model, x_r, shape, y if rows is None else y[rows], loss, targeted)  # ∇_x J
        if early_stop:  # freeze the samples that are already adversarial at x + δ_t
            rows = torch.arange(M, device=x0.device) if rows is None else rows
            keep = ~is_success(z, y[rows], targeted)
            rows, g = rows[keep], g[keep]
            if rows.numel() == 0:
                break
        g = S.project(g, rows)  # (M', n)  P_S ∇_x J
        d_r = delta if rows is None else delta[rows]  # (M', n), a view of δ or a copy of its rows
        if norm == "linf":
            d_r.add_(g.sign_(), alpha=alpha)  # δ + alpha·sign(g); Π_eps comes with the box below
        else:
            g_norm = torch.linalg.vector_norm(g, dim=1, keepdim=True)  # (M', 1)
            d_r.addcmul_(g, alpha / torch.where(g_norm > 0, g_norm, 1.0))  # δ + alpha·g/‖g‖₂
            d_r = project_ball(S.project(d_r, rows), eps, norm)  # Π_eps(P_S δ)
        if bounds is not None:
            lo, hi = bounds if rows is None or not isinstance(bounds[0], torch.Tensor) else \
                (bounds[0][rows], bounds[1][rows])
            d_r.clamp_(lo, hi)  # x + δ ∈ [lo, hi]^n (and ‖δ‖∞ <= eps)
        if rows is None:
            delta = d_r
            used += 1
        else:
            delta.index_copy_(0, rows, d_r)
            used[rows] += 1
        if record:
            path.append((x0 + delta).cpu())
    if record:
        path += [path[-1]] * (steps + 1 - len(path))  # frozen after an early stop
        path = torch.stack(path)  # (steps+1, M, n)
    x_adv = x0 + delta  # (M, n)
    if box is not None:
        x_adv.clamp_(box[0], box[1])  # guard against rounding one ulp outside the box
    return x_adv, used, path


def _attempt(model, x0, shape, y, S, rng, judge=True, **kw):
    """One run from δ_0 = 0 (rng None) or a random start, and where it ended: (x_adv (M, n),
    success (M,), objective J (M,), steps used (M,), path or None); success and J are None
    without `judge` (they cost one more forward pass)."""
    delta0 = None if rng is None else _random_start(rng, x0, kw["eps"], kw["norm"], S)  # (M, n)
    x_adv, used, path = _run(model, x0, shape, y, delta0, S=S, **kw)
    if not judge:
        return x_adv, None, None, used, path
    with torch.no_grad():
        z = logits(model, x_adv, shape)  # (M, C) at the final points
    return x_adv, is_success(z, y, kw["targeted"]), objective(z, y, kw["loss"], kw["targeted"]), used, path


def pgd(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, *, alpha: float | None = None,
        steps: int = 10, norm: str = "linf", random_start: bool = False, restarts: int = 1,
        rng: torch.Generator | None = None, targeted: bool = False,
        bounds: tuple[float, float] | None = (0.0, 1.0), loss: str = "ce", early_stop: bool = False,
        space: str = "free", projector=None, record_trajectory: bool = False) -> AttackResult:
    """Projected gradient ascent on the objective J in an eps-ball, from x or random starts.

    Args:
        model: a torch.nn.Module mapping x (N, *shape) to logits (N, C) (C = 1: a binary model f,
            read as the logits [0, f]). It runs in eval mode; its own modes are restored after.
        x: (N, *shape) float tensor of the model's dtype and device; never modified.
        y: (N,) int64 labels to move away from, or with `targeted=True` the target labels.
        eps: the budget ‖δ‖ <= eps, over all non-batch dimensions (>= 0; 0 returns x).
        alpha: step size (> 0); default 2.5 · eps / steps.
        steps: iterations (>= 1) per run.
        norm: "linf" or "l2".
        random_start: start from δ_0 uniform in the ball (in S for space "on"/"off"); needs `rng`.
        restarts: runs (>= 1; more than 1 needs random_start). Per sample the best run is kept:
            a success beats a failure, and between two successes or two failures the higher
            final objective J wins. With `early_stop`, later runs only attack the samples no
            run has fooled yet (the first success is kept).
        rng: torch.Generator for the random start; the same seed gives the same result.
        targeted: y holds target labels; success means the prediction equals y.
        bounds: (lo, hi) box for x + δ (x must lie in it), applied after the ball projection;
            default (0, 1), the image range (as torchattacks assumes); None for no box. In a
            restricted attack the clip can move δ out of S.
        loss: "ce", the cross entropy (ascended; descended for the target when targeted), or
            "margin": J = max_{j≠y} z_j - z_y untargeted, z_t - max_{j≠t} z_j targeted, ascended
            (J > 0 exactly at success). The numpy-track names "cross_entropy",
            "binary_logistic" and "logit_margin" are accepted too.
        early_stop: freeze a sample (its δ) as soon as its iterate is adversarial; the samples
            still running keep their full step size.
        space: "free", or "on" / "off" (L2 only): every gradient and the accumulated δ are
            projected onto the tangent / normal space of `projector` at the clean x.
        projector: a dmm_edu.manifold Projector with n = prod(shape) (needed for "on"/"off");
            its `basis_tensor(x)` is used if it has one, else its numpy `basis(x)`.
        record_trajectory: keep the iterates x + δ_t, t = 0..steps, of the kept run.

    Returns:
        AttackResult of tensors on x's device: x_adv, delta (N, *shape); success (N,) bool;
        norm (N,) ‖δ‖ in `norm`; steps (N,) the updates each sample received in the kept run
        (= steps without early_stop); trajectory (steps+1, N, *shape) on the CPU if recorded;
        left_subspace (N,) bool for space "on"/"off" (δ left S because of the box clip).
    """
    return _pgd(model, x, y, eps, alpha=alpha, steps=steps, norm=norm, random_start=random_start, restarts=restarts,
                rng=rng, targeted=targeted, bounds=bounds, loss=loss, early_stop=early_stop, space=space,
                projector=projector, record_trajectory=record_trajectory)


def _pgd(model, x, y, eps, *, alpha=None, steps=10, norm="linf", random_start=False, restarts=1, rng=None,
         targeted=False, bounds=(0.0, 1.0), loss="ce", early_stop=False, space="free", projector=None,
         record_trajectory=False, judge=True):
    """`pgd`; with judge=False (the torchattacks-style call, which returns only the images) it
    returns x_adv (N, *shape) and skips the forward pass that decides success, unless restarts
    need it to choose between runs."""
    model = check_model(model)
    x0, shape = check_input(model, x)  # (N, n)
    N, n = x0.shape
    eps = check_positive_float("eps", eps, allow_zero=True)
    norm = check_choice("norm", norm, NORMS)
    steps = check_positive_int("steps", steps)
    alpha = ALPHA_FACTOR * eps / steps if alpha is None else check_positive_float("alpha", alpha)
    random_start = check_bool("random_start", random_start)
    restarts = check_positive_int("restarts", restarts)
    if restarts > 1 and not random_start:
        raise ValueError(f"restarts={restarts} needs random_start=True: runs from the same start are identical")
    if random_start and rng is None:
        raise ValueError("random_start=True needs rng, an explicit torch.Generator, "
                         "e.g. rng=torch.Generator().manual_seed(0)")
    if random_start and not isinstance(rng, torch.Generator):
        raise TypeError(f"rng must be a torch.Generator, e.g. torch.Generator().manual_seed(0); got {_describe(rng)}")
    targeted = check_bool("targeted", targeted)
    box = check_bounds(bounds, x0)
    loss = check_loss(loss)
    early_stop = check_bool("early_stop", early_stop)
    record = check_bool("record_trajectory", record_trajectory)
    space = check_choice("space", space, SPACES)
    if space != "free" and norm != "l2":
        raise ValueError(f"space={space!r} is only accepted with norm='l2' (got norm={norm!r}): the "
                         "L∞ ball projection (coordinate clipping) does not keep δ in a subspace")
    y = check_labels("y", y, N, n_classes(model, x0, shape), x0.device)  # (N,)
    S = subspace_at(projector, space, x0, shape)
    kw = dict(eps=eps, alpha=alpha, steps=steps, norm=norm, loss=loss, targeted=targeted, box=box,
              early_stop=early_stop, record=record)

    with eval_mode(model):
        x_adv, success, J, used, path = _attempt(model, x0, shape, y, S, rng if random_start else None,
                                                 judge=judge or restarts > 1, **kw)
        for _ in range(restarts - 1):
            sel = torch.nonzero(~success).squeeze(1) if early_stop else torch.arange(N, device=x0.device)  # (M,)
            if sel.numel() == 0:
                break
            x_adv_s, success_s, J_s, used_s, path_s = _attempt(model, x0[sel], shape, y[sel], S.rows(sel), rng, **kw)
            # keep the better run per sample: a success first, then the higher objective J
            better = (success_s & ~success[sel]) | ((success_s == success[sel]) & (J_s > J[sel]))  # (M,)
            b = sel[better]
            x_adv[b], success[b], J[b], used[b] = x_adv_s[better], success_s[better], J_s[better], used_s[better]
            if record:
                path[:, b.cpu()] = path_s[:, better.cpu()]

    if not judge:
        return x_adv.reshape(N, *shape)
    delta = x_adv - x0  # (N, n)
    return AttackResult(
        x_adv=x_adv.reshape(N, *shape), delta=delta.reshape(N, *shape), success=success,
        norm=lp_norm(delta, norm), steps=used,
        trajectory=path.reshape(path.shape[0], N, *shape) if record else None,
        left_subspace=None if S.free else S.left(delta))
