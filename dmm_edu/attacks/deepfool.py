"""DeepFool (Moosavi-Dezfooli, Fawzi & Frossard 2016): the smallest L2 step to the boundary.

At x it linearises every logit difference f'_k = f_k - f_{k0} (k0 the current class) and steps to
the nearest linearised boundary,

    l = argmin_k |f'_k| / ‖w'_k‖,    r = (|f'_l| + 10⁻⁴) / ‖w'_l‖² · w'_l,    w'_k = ∇f_k - ∇f_{k0},

repeating until the class changes; the answer is x + (1 + overshoot) Σ r. For a linear binary
classifier one step lands exactly on the boundary, at distance |w·x + b| / ‖w‖. Restricted to a
subspace S (the tangent or the normal space of the data manifold) the gradients and the
accumulated step are projected onto S at every iteration, so the minimal on- and off-manifold
distances d_on, d_off can be compared with the free one. With a box (`bounds`) every iterate is
clipped into it. The torch track's twin (dmm_edu.attacks.torch_track.deepfool) takes the same
arguments. Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_array, check_choice, check_float_range, check_labels, check_positive_int
from dmm_edu.attacks._args import BOUNDS, SPACES, accepts_clip
from dmm_edu.attacks._common import check_bounds, check_clean_logits, check_projector, left_subspace, restriction
from dmm_edu.attacks.result import AttackResult

PUSH = 1e-4  # the step goes this far (in logit units) past the linearised boundary, as in the paper


def _logits(model, x):
    """z: (N, C), a one-logit model f as two logits [0, f] (the class is argmax either way)."""
    z = model.forward(x)
    return np.concatenate([np.zeros_like(z), z], axis=1) if z.shape[1] == 1 else z


def _logits_and_jacobian(model, x):
    """(z, J) with z: (N, C), J: (N, C, n); a one-logit model f becomes two logits [0, f]."""
    z, J = model.input_jacobian(x)
    if z.shape[1] == 1:
        z = np.concatenate([np.zeros_like(z), z], axis=1)  # (N, 2)
        J = np.concatenate([np.zeros_like(J), J], axis=1)  # (N, 2, n)
    return z, J


@accepts_clip
def deepfool(model, x, y=None, *, steps: int = 50, overshoot: float = 0.02, space: str = "free",
             projector=None, bounds: tuple[float, float] | None = BOUNDS) -> AttackResult:
    """Batched multi-class DeepFool in L2 (numpy track).

    Args:
        model: anything with `forward(x) -> (N, C)` and `input_jacobian(x) -> (z (N, C), J (N, C, n))`,
            e.g. a numpy MLP (C = 1: a binary model f, read as the logits [0, f]).
        x: (N, n) float inputs; never modified.
        y: (N,) int labels to move away from; default the model's predictions at x. Samples the
            model already misclassifies count as successes with a zero perturbation.
        steps: iteration cap (>= 1); samples that have crossed are frozen.
        overshoot: in [0, 1]; the result is (1 + overshoot) times the accumulated step.
        space: "free" (default), or "on" / "off": every linearised step and the accumulated step
            are projected onto the tangent / normal space S of `projector` at the clean x.
        projector: a dmm_edu.manifold Projector in dimension n = prod(shape), the features per
            sample (needed for "on"/"off"), evaluated at the clean x.
        bounds: None (default), no box; or (lo, hi), a box (x must lie in it) that every iterate,
            and so x_adv, is clipped into; the iteration goes on from the clipped point until it
            crosses. (clip=, its old name, still works for one release, with a DeprecationWarning.)

    Returns:
        AttackResult (numpy arrays on the numpy track; tensors on x's device on the torch track):
        x_adv, delta (N, *shape); success (N,) bool, the class at x_adv differs from y; norm (N,)
        ‖δ‖₂; steps (N,) the iterations each sample used; left_subspace (N,) bool for space
        "on"/"off" (δ left S because of the box clip), else None.
    """
    x0 = check_array("x", x, ndim=2)
    steps = check_positive_int("steps", steps)
    overshoot = check_float_range("overshoot", overshoot, 0.0, 1.0)
    space = check_choice("space", space, SPACES)
    for attr in ("input_jacobian", "forward"):
        if not callable(getattr(model, attr, None)):
            raise TypeError(f"model must have a method {attr}(x) like dmm_edu.numpy_nn.MLP; got {type(model).__name__}")
    check_projector(projector, space, x0.shape[1])
    box = check_bounds(bounds, x0)

    def restrict(v, base):  # v: (N', n) or (N', C, n) -> projected onto S at the clean points base
        if space == "free":
            return v
        proj = projector.tangent if space == "on" else projector.normal
        if v.ndim == 3:
            N_, C_, n_ = v.shape
            base = np.repeat(base, C_, axis=0)  # (N'·C, n)
            return proj(v.reshape(N_ * C_, n_), x=base).reshape(N_, C_, n_)
        return proj(v, x=base)

    z = _logits(model, x0)  # (N, C)
    check_clean_logits(z)
    N, C = z.shape
    k0 = z.argmax(axis=1) if y is None else check_labels("y", y, C, n=N)  # (N,)

    r_tot = np.zeros_like(x0)  # (N, n) accumulated step
    used = np.zeros(N, dtype=np.int64)
    active = z.argmax(axis=1) == k0  # samples still on their original side
    for it in range(steps):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        x_base = x0[idx]
        x_i = x_base + (1 + overshoot) * r_tot[idx]  # (N', n) the current iterate
        if box is not None:
            x_i = np.clip(x_i, box[0], box[1])  # kept in the box: the next step starts where the clip left it
        z, J = _logits_and_jacobian(model, x_i)  # (N', C), (N', C, n)
        crossed = z.argmax(axis=1) != k0[idx]
        active[idx[crossed]] = False
        keep = ~crossed
        idx, z, J, x_base = idx[keep], z[keep], J[keep], x_base[keep]
        if idx.size == 0:
            break
        rows = np.arange(idx.size)
        f = z - z[rows, k0[idx]][:, None]  # (N', C)  f'_k = f_k - f_k0
        w = restrict(J - J[rows, k0[idx]][:, None, :], x_base)  # (N', C, n)  w'_k = ∇f_k - ∇f_k0
        w_norm = np.linalg.norm(w, axis=2)  # (N', C)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.abs(f) / w_norm  # (N', C) distance to each linearised boundary
        dist[rows, k0[idx]] = np.inf
        dist[~np.isfinite(dist)] = np.inf  # zero gradient in S: that boundary is out of reach
        l = dist.argmin(axis=1)  # (N',)
        reachable = np.isfinite(dist[rows, l])
        f_l, w_l, wn = np.abs(f[rows, l]), w[rows, l], w_norm[rows, l]
        step = np.zeros_like(w_l)
        ok = reachable
        step[ok] = ((f_l[ok] + PUSH) / wn[ok] ** 2)[:, None] * w_l[ok]  # r = (|f'_l|+1e-4)/‖w'_l‖² w'_l
        r_tot[idx] = restrict(r_tot[idx] + step, x_base)
        used[idx] = it + 1
        active[idx[~reachable]] = False  # give up: no direction in S changes any logit difference

    delta = (1 + overshoot) * r_tot  # (N, n)
    x_adv = x0 + delta
    if box is not None:
        x_adv = np.clip(x_adv, box[0], box[1])
        delta = x_adv - x0  # (N, n) exactly what x moved by
    z_adv = _logits(model, x_adv)
    success = z_adv.argmax(axis=1) != k0
    return AttackResult(x_adv=x_adv, delta=delta, success=success,
                        norm=np.linalg.norm(delta, axis=1), steps=used,
                        left_subspace=None if space == "free" else
                        left_subspace(delta, restriction(projector, space, x0.dtype), x0))
