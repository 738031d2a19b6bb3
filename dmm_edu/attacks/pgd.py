"""PGD, projected gradient descent (Madry et al. 2018): FGSM repeated with small steps, each
followed by a projection back onto the eps-ball around the clean x.

    δ_0 = 0  (or uniform in the ball),
    δ_{t+1} = Π_box( Π_eps( P_S( δ_t + alpha · u(P_S ∇_x ℓ(f(x + δ_t), y)) ) ) ),   u(g) = sign(g) (L∞), g/‖g‖₂ (L2),

with a minus sign before alpha for a targeted attack. P_S projects onto the subspace S the attack
may use: all of R^n (space="free"), or the tangent / normal space of the data manifold at the clean x
(space="on" / "off", L2 only), so δ never leaves S; the L2 ball projection is a rescaling and keeps
δ in S. `_run` is one run of this loop, one line per operation (step, project, clip), with the
bookkeeping of early stopping and the recorded path around it; `pgd` adds random starts and
restarts. The torch track's twin (dmm_edu.attacks.torch_track.pgd) runs the same loop with the same
arguments. Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import _describe, check_positive_float, check_positive_int, check_rng
from dmm_edu.attacks._args import BOUNDS, accepts_clip, check_space
from dmm_edu.attacks._common import (
    check_attack_args,
    check_bool,
    check_projector,
    clip_box,
    finish,
    is_success,
    objective,
    project_ball,
    restriction,
    steepest_direction,
)
from dmm_edu.attacks.result import AttackResult

ALPHA_FACTOR = 2.5  # default alpha = 2.5 · eps / steps (Madry et al.): the path can reach the sphere and move along it


def _random_start(rng, x0, eps, norm, restrict, dim):
    """δ_0 uniform in the eps-ball: U[-eps, eps]^n (L∞), or uniform in the L2 ball of the
    dim-dimensional space S (the whole R^n when space="free"): an isotropic Gaussian direction in S
    times a radius eps · U^(1/dim).   (M, n)."""
    M = x0.shape[0]
    if norm == "linf":
        return rng.uniform(-eps, eps, size=x0.shape).astype(x0.dtype)  # (M, n)
    v = restrict(rng.standard_normal(size=x0.shape), x0)  # (M, n) isotropic Gaussian in S
    v_norm = np.linalg.norm(v, axis=1, keepdims=True)  # (M, 1)
    r = eps * rng.uniform(size=(M, 1)) ** (1.0 / max(dim, 1))  # radius with density ∝ r^(dim-1)
    return (r * v / np.where(v_norm > 0, v_norm, 1)).astype(x0.dtype)  # (M, n)


def _run(model, x0, y, delta0, *, eps, alpha, steps, norm, loss, targeted, box, restrict, early_stop, record):
    """One PGD run from δ_0 (None: 0) on M samples: (δ (M, n), steps used (M,), path (steps+1, M, n) or None)."""
    M = x0.shape[0]
    sign = -1.0 if targeted else 1.0  # ascend ℓ(·, y), or descend ℓ(·, target)
    delta = np.zeros_like(x0) if delta0 is None else delta0  # (M, n)  δ_0
    used = np.zeros(M, dtype=np.int64)  # (M,) updates each sample received
    path = [x0 + delta] if record else None
    rows = None  # the samples still updated (None: all of them)
    for _ in range(steps):
        if early_stop:  # freeze the samples that are already adversarial at x + δ_t
            rows = np.arange(M) if rows is None else rows
            rows = rows[~is_success(np.asarray(model.predict(x0[rows] + delta[rows])), y[rows], targeted)]
            if rows.size == 0:
                break
        # --8<-- [start:pgd_step]
        # the update δ_t -> δ_{t+1} of the rows still running
        x, d, y_r = (x0, delta, y) if rows is None else (x0[rows], delta[rows], y[rows])  # (M', n), (M', n), (M',)
        g = restrict(model.input_grad(x + d, y_r, loss), x)  # (M', n)  g = P_S ∇_x ℓ(f(x + δ_t), y)
        d = d + sign * alpha * steepest_direction(g, norm)  # (M', n)  step:    δ + alpha·u(g)
        d = project_ball(restrict(d, x), eps, norm)  # (M', n)  project: Π_eps(P_S δ)
        d = clip_box(x, d, box).astype(x0.dtype, copy=False)  # (M', n)  clip:    x + δ ∈ [lo, hi]^n
        # --8<-- [end:pgd_step]
        # bookkeeping: write the rows back, count the update, record the iterate
        if rows is None:
            delta = d
            used += 1
        else:
            delta[rows] = d
            used[rows] += 1
        if record:
            path.append(x0 + delta)
    if record:
        path += [path[-1]] * (steps + 1 - len(path))  # frozen after an early stop
        path = np.stack(path)  # (steps+1, M, n)
    return delta, used, path


def _attempt(model, x0, y, rng, dim, judge, **kw):
    """One run from δ_0 = 0 (rng None) or a random start, and where it ended: (δ (M, n), success (M,),
    objective J (M,), steps used (M,), path or None); success and J are None without `judge`."""
    delta0 = None
    if rng is not None:
        delta0 = _random_start(rng, x0, kw["eps"], kw["norm"], kw["restrict"], dim)  # (M, n)
        delta0 = clip_box(x0, delta0, kw["box"])  # x + δ_0 in the box
    delta, used, path = _run(model, x0, y, delta0, **kw)
    if not judge:
        return delta, None, None, used, path
    x_adv = x0 + delta if kw["box"] is None else np.clip(x0 + delta, *kw["box"])  # (M, n) as `finish` makes it
    success = is_success(np.asarray(model.predict(x_adv)), y, kw["targeted"])  # (M,)
    return delta, success, objective(model.forward(x_adv), y, kw["loss"], kw["targeted"]), used, path


@accepts_clip
def pgd(model, x, y, eps: float, *, alpha: float | None = None, steps: int = 10, norm: str = "linf",
        random_start: bool = False, restarts: int = 1, rng: np.random.Generator | None = None,
        targeted: bool = False, bounds: tuple[float, float] | None = BOUNDS, loss: str = "ce",
        early_stop: bool = False, space: str = "free", projector=None,
        record_trajectory: bool = False) -> AttackResult:
    """Projected gradient ascent on the loss in an eps-ball, from x or random starts (numpy track).

    Args:
        model: anything with `input_grad(x, y, loss) -> (N, n)` and `predict(x) -> (N,)`, e.g. a
            numpy MLP; restarts > 1 also need `forward(x) -> (N, C)`, the logits.
        x: (N, n) float inputs; never modified.
        y: (N,) int labels to move away from, or with `targeted=True` the target labels.
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
    x0, y, eps, norm, loss, box, targeted = check_attack_args(model, x, y, eps, norm, loss, bounds, targeted)
    N, n = x0.shape
    steps = check_positive_int("steps", steps)
    alpha = ALPHA_FACTOR * eps / steps if alpha is None else check_positive_float("alpha", alpha)
    random_start = check_bool("random_start", random_start)
    restarts = check_positive_int("restarts", restarts)
    if restarts > 1 and not random_start:
        raise ValueError(f"restarts={restarts} needs random_start=True: runs from the same start are identical")
    if random_start:
        if rng is None:
            raise ValueError("random_start=True needs rng, an explicit np.random.Generator, "
                             "e.g. rng=np.random.default_rng(0)")
        check_rng("rng", rng)
    if restarts > 1 and not callable(getattr(model, "forward", None)):
        raise TypeError(f"restarts={restarts} needs model.forward(x) -> logits (N, C), to choose between the "
                        f"runs; got {_describe(model)}")
    early_stop = check_bool("early_stop", early_stop)
    record = check_bool("record_trajectory", record_trajectory)
    space = check_space(space, norm)
    check_projector(projector, space, n)
    restrict = restriction(projector, space, x0.dtype)  # (v, base) -> P_S v at the clean points base
    dim = n if space == "free" else projector.k if space == "on" else n - projector.k  # dim S
    kw = dict(eps=eps, alpha=alpha, steps=steps, norm=norm, loss=loss, targeted=targeted, box=box,
              restrict=restrict, early_stop=early_stop, record=record)

    delta, success, J, used, path = _attempt(model, x0, y, rng if random_start else None, dim,
                                             judge=restarts > 1, **kw)
    for _ in range(restarts - 1):
        sel = np.flatnonzero(~success) if early_stop else np.arange(N)  # (M,)
        if sel.size == 0:
            break
        delta_s, success_s, J_s, used_s, path_s = _attempt(model, x0[sel], y[sel], rng, dim, judge=True, **kw)
        # keep the better run per sample: a success first, then the higher objective J
        better = (success_s & ~success[sel]) | ((success_s == success[sel]) & (J_s > J[sel]))  # (M,)
        b = sel[better]
        delta[b], success[b], J[b], used[b] = delta_s[better], success_s[better], J_s[better], used_s[better]
        if record:
            path[:, b] = path_s[:, better]
    return finish(model, x0, delta, y, targeted, norm, box, steps=used, trajectory=path,
                  restrict=None if space == "free" else restrict)
