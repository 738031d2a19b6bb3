"""PGD on the torch track (Madry et al. 2018): FGSM repeated with small steps, each followed by a
projection back onto the eps-ball around the clean x — the algorithm of dmm_edu.attacks.pgd, on
a torch.nn.Module, with the same arguments.

    δ_0 = 0  (or uniform in the ball),
    δ_{t+1} = Π_box( Π_eps( P_S( δ_t + alpha · u(P_S ∇_x J(x + δ_t)) ) ) ),   u(g) = sign(g) (L∞), g/‖g‖₂ (L2),

where J is the attack objective (the loss of the label, minus the loss of the target, or a logit
margin; see `_common.objective`) and P_S the projection onto the subspace S the attack may use:
all of R^n (space="free"), or the tangent / normal space of the data manifold at the clean x
(space="on" / "off", L2 only). `_run` is one run of this loop, one line per operation (step,
project, clip), with the bookkeeping of early stopping and the recorded path around it, as in the
numpy track's `_run`; `pgd` adds random starts and restarts.
Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

import torch

from dmm_edu._checks import _describe, check_choice, check_positive_float, check_positive_int
from dmm_edu.attacks._args import BOUNDS, NORMS, accepts_clip, check_space
from dmm_edu.attacks.result import AttackResult
from dmm_edu.attacks.torch_track._common import (
    check_bool,
    check_bounds,
    check_input,
    check_labels,
    check_logits,
    check_loss,
    check_model,
    delta_bounds,
    eval_mode,
    is_success,
    logits,
    lp_norm,
    n_classes,
    objective,
    objective_grad,
    project_ball,
    record_forward,
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


def _ascend_(delta, g, alpha: float, norm: str):
    """δ + alpha · u(g), in place: u = sign(g) (L∞) or g / ‖g‖₂ (L2; 0 where g = 0).   (M', n)."""
    if norm == "linf":
        return delta.add_(g.sign_(), alpha=alpha)  # δ + alpha·sign(g)
    g_norm = torch.linalg.vector_norm(g, dim=1, keepdim=True)  # (M', 1)
    return delta.addcmul_(g, alpha / torch.where(g_norm > 0, g_norm, 1.0))  # δ + alpha·g/‖g‖₂


def _run(model, x0, shape, y, delta0, *, eps, alpha, steps, norm, loss, targeted, box, S, early_stop, record,
         judge, first=None):
    """One PGD run from δ_0 (None: 0) on M samples: (x_adv (M, n), success (M,), J (M,), steps used
    (M,), path (steps+1, M, n) or None); success and J, the objective at x_adv, are None without
    `judge`. `first`: step 0's forward pass at x + δ_0, already made by `record_forward`.

    δ is updated in place (it is ours alone; fresh tensors per step would cost page faults). The box
    is kept as bounds on δ (`delta_bounds`), so the clip is one clamp and x + δ needs no clip
    afterwards: x_adv is exactly the last point the model saw. In L∞ the ball is a box too,
    |δ_j| <= eps, and clipping to one box then the other is clipping to their intersection, so
    "project" and "clip" are one clamp.

    Success is decided at x_adv itself. A sample frozen by early_stop was judged by the forward pass
    that froze it, at its final point. Every other sample moved after its last forward pass (step
    t = steps-1 sees x + δ_{steps-1}, then the update makes δ_steps), so its success takes one more
    forward pass at x_adv: the logits of the last step belong to the point before the last update.
    """
    M = x0.shape[0]
    delta = torch.zeros_like(x0) if delta0 is None else delta0  # (M, n)  δ_0
    lim = None  # the clamp bounds on δ after the step: None, (lo_d, hi_d) (M, n) each, or (-eps, eps)
    if box is not None:
        lim = delta_bounds(x0, box)  # lo - x <= δ <= hi - x
        if delta0 is not None:
            delta.clamp_(*lim)  # x + δ_0 in the box
    if norm == "linf":  # Π_eps is the clamp to [-eps, eps]: with a box, the clamp to the intersection
        lim = (-eps, eps) if lim is None else (lim[0].clamp_(min=-eps), lim[1].clamp_(max=eps))
    used = torch.zeros(M, dtype=torch.int64, device=x0.device)  # (M,) updates each sample received
    path = [(x0 + delta).cpu()] if record else None
    success = torch.zeros(M, dtype=torch.bool, device=x0.device) if judge and early_stop else None  # (M,)
    J = x0.new_zeros(M) if judge and early_stop else None  # (M,) objective at x_adv
    rows = None  # the samples still updated (None: all of them)
    for t in range(steps):
        y_t = y if rows is None else y[rows]  # (M',)
        if t == 0 and first is not None:  # the forward pass at x + δ_0 is made: only its backward pass
            z, g = objective_grad(model, None, shape, y_t, loss, targeted, recorded=first)
        else:
            x_t = x0 + delta if rows is None else x0[rows] + delta[rows]  # (M', n)  x + δ_t
            z, g = objective_grad(model, x_t, shape, y_t, loss, targeted)  # z (M', C), g = ∇_x J(x + δ_t)
        if early_stop:  # freeze the samples that are already adversarial at x + δ_t: their final point
            rows = torch.arange(M, device=x0.device) if rows is None else rows
            hit = is_success(z, y_t, targeted)  # (M',)
            if judge:
                success[rows[hit]] = True
                J[rows[hit]] = objective(z[hit], y_t[hit], loss, targeted)
            rows, g = rows[~hit], g[~hit]
            if rows.numel() == 0:
                break
        # the update δ_t -> δ_{t+1} of the rows still running
        d = delta if rows is None else delta[rows]  # (M', n), a view of δ or a copy of its rows
        g = S.project(g, rows)  # (M', n)  g = P_S ∇_x J
        d = _ascend_(d, g, alpha, norm)  # (M', n)  step:    δ + alpha·u(g)
        if norm == "l2":
            d = project_ball(S.project(d, rows), eps, norm)  # (M', n)  project: Π_eps(P_S δ)
        if lim is not None:  # (M', n)  clip: x + δ ∈ [lo, hi]^n (L∞: and project, |δ_j| <= eps)
            d.clamp_(*(lim if rows is None or not torch.is_tensor(lim[0]) else (lim[0][rows], lim[1][rows])))
        # bookkeeping: write the rows back, count the update, record the iterate
        if rows is None:
            delta = d
            used += 1
        else:
            delta.index_copy_(0, rows, d)
            used[rows] += 1
        if record:
            path.append((x0 + delta).cpu())
    if record:
        path += [path[-1]] * (steps + 1 - len(path))  # frozen after an early stop
        path = torch.stack(path)  # (steps+1, M, n)
    x_adv = x0 + delta  # (M, n), in the box by delta_bounds
    if judge and (rows is None or rows.numel()):  # one forward pass at the final points not yet judged
        with torch.no_grad():
            z = logits(model, x_adv if rows is None else x_adv[rows], shape)  # (M', C)
        y_t = y if rows is None else y[rows]  # (M',)
        if rows is None:
            success, J = is_success(z, y_t, targeted), objective(z, y_t, loss, targeted)
        else:
            success[rows], J[rows] = is_success(z, y_t, targeted), objective(z, y_t, loss, targeted)
    return x_adv, success, J, used, path


def _attempt(model, x0, shape, y, S, rng, **kw):
    """One run from δ_0 = 0 (rng None) or a random start: `_run`'s (x_adv, success, J, used, path)."""
    delta0 = None if rng is None else _random_start(rng, x0, kw["eps"], kw["norm"], S)  # (M, n)
    return _run(model, x0, shape, y, delta0, S=S, **kw)


@accepts_clip
def pgd(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, *, alpha: float | None = None,
        steps: int = 10, norm: str = "linf", random_start: bool = False, restarts: int = 1,
        rng: torch.Generator | None = None, targeted: bool = False,
        bounds: tuple[float, float] | None = BOUNDS, loss: str = "ce", early_stop: bool = False,
        space: str = "free", projector=None, record_trajectory: bool = False) -> AttackResult:
    """Projected gradient ascent on the loss in an eps-ball, from x or random starts (torch track).

    Args:
        model: a torch.nn.Module mapping x (N, *shape) to logits (N, C) (C = 1: a binary model f,
            read as the logits [0, f]); run in eval mode, its modes restored after.
        x: (N, *shape) float tensor of the model's dtype and device; never modified.
        y: (N,) int64 labels to move away from, or with `targeted=True` the target labels.
        eps: the budget ‖δ‖ <= eps, over all non-batch dimensions (>= 0; eps = 0 returns x).
        alpha: step size (> 0); default 2.5 · eps / steps.
        steps: iterations (>= 1) per run.
        norm: "linf" or "l2".
        random_start: start from δ_0 uniform in the ball (in S for space "on"/"off"); needs `rng`.
        restarts: runs (>= 1; more than 1 needs random_start). Per sample the best run is kept:
            a success beats a failure, and between two successes or two failures the higher
            final objective J wins (J = the loss, or minus the target's loss when targeted). With
            `early_stop`, later runs only attack the samples no run has fooled yet.
        rng: the generator of the random start, np.random.Generator on the numpy track and
            torch.Generator on the torch track; the same seed gives the same result.
        targeted: y holds target labels: the attack descends their loss instead of ascending the
            loss of the label, and success means the prediction equals y.
        bounds: None (default), no box; or (lo, hi), a box for x + δ (x must lie in it), applied
            after the step and the ball projection. In a restricted attack the clip can move δ out
            of S. (clip=, its old name, still works for one release, with a DeprecationWarning.)
        loss: "ce" (default; None too), the cross entropy (the binary logistic loss for a one-logit
            model), or "margin", the logit margin max_{j≠y} z_j - z_y (CW, unclipped). The numpy_nn
            names "cross_entropy", "binary_logistic" and "logit_margin" are accepted too.
        early_stop: freeze a sample (its δ) as soon as its iterate is adversarial; the samples
            still running keep their full step size.
        space: "free" (default), or "on" / "off" (L2 only): every gradient and the accumulated δ
            are projected onto the tangent / normal space S of `projector` at the clean x.
        projector: a dmm_edu.manifold Projector in dimension n = prod(shape), the features per
            sample (needed for "on"/"off"), evaluated at the clean x.
        record_trajectory: keep the iterates x + δ_t, t = 0..steps, of the kept run.

    Returns:
        AttackResult (numpy arrays on the numpy track; tensors on x's device on the torch track):
        x_adv, delta (N, *shape); success (N,) bool, the prediction at x_adv differs from y (equals
        y when targeted); norm (N,) ‖δ‖ in `norm`; steps (N,) the updates each sample received in
        the kept run (= steps without early_stop); trajectory (steps+1, N, *shape) if recorded
        (on the CPU), else None; left_subspace (N,) bool for space "on"/"off" (δ left S because of
        the box clip), else None.
    """
    return _pgd(model, x, y, eps, alpha=alpha, steps=steps, norm=norm, random_start=random_start, restarts=restarts,
                rng=rng, targeted=targeted, bounds=bounds, loss=loss, early_stop=early_stop, space=space,
                projector=projector, record_trajectory=record_trajectory)


def _pgd(model, x, y, eps, *, alpha=None, steps=10, norm="linf", random_start=False, restarts=1, rng=None,
         targeted=False, bounds=BOUNDS, loss="ce", early_stop=False, space="free", projector=None,
         record_trajectory=False, judge=True):
    """`pgd`; with judge=False (the torchattacks-style call, which returns only the images) it
    returns x_adv (N, *shape) and skips the forward pass that decides success, unless restarts
    need it to choose between runs. A call costs steps forward and backward passes per run, plus
    one forward pass that decides success (judge) and one more that checks the model where a
    random start keeps the clean x from being step 0's point."""
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
    space = check_space(space, norm)
    kw = dict(eps=eps, alpha=alpha, steps=steps, norm=norm, loss=loss, targeted=targeted, box=box,
              early_stop=early_stop, record=record, judge=judge or restarts > 1)

    with eval_mode(model):
        # Without a random start the first iterate is x itself, so the forward pass that checks the
        # model's logits (and gives C for the labels) is kept as step 0's, for its backward pass.
        first = None if random_start else record_forward(model, x0, shape)  # (x_leaf (N, n), z (N, C))
        C = n_classes(model, x0, shape) if random_start else check_logits(first[1], N, shape)
        y = check_labels("y", y, N, C, x0.device)  # (N,)
        S = subspace_at(projector, space, x0, shape)
        x_adv, success, J, used, path = _attempt(model, x0, shape, y, S, rng if random_start else None,
                                                 first=first, **kw)
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
