"""DeepFool on the torch track (Moosavi-Dezfooli, Fawzi & Frossard 2016): the smallest L2 step to
the boundary, batched over samples — dmm_edu.attacks.deepfool on a torch.nn.Module.

At x it linearises every logit difference f'_k = f_k - f_{k0} (k0 the original class) and steps
to the nearest linearised boundary,

    l = argmin_k |f'_k| / ‖w'_k‖,    r = (|f'_l| + 10⁻⁴) / ‖w'_l‖² · w'_l,    w'_k = ∇f_k - ∇f_{k0},

repeating at x + (1 + overshoot) Σ r until the class changes; the answer is x + (1 + overshoot) Σ r
(clipped into the box at every iteration when `bounds` is given). The arguments are those of the
numpy track's dmm_edu.attacks.deepfool. The C gradients ∇f_k of all still-active samples come
from C backward passes through one forward pass (samples are independent in eval mode). Restricted
to a subspace S (tangent or normal space at the clean x) the gradients and the accumulated step are
projected onto S at every iteration. Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

import math

import torch

from dmm_edu._checks import check_choice, check_float_range, check_positive_int
from dmm_edu.attacks._args import BOUNDS, SPACES, accepts_clip
from dmm_edu.attacks.result import AttackResult
from dmm_edu.attacks.torch_track._common import (
    check_bounds,
    check_input,
    check_labels,
    check_model,
    eval_mode,
    logits,
    n_classes,
    two_logits,
)
from dmm_edu.attacks.torch_track._subspace import subspace_at

PUSH = 1e-4  # the step goes this far (in logit units) past the linearised boundary, as in the paper


def input_jacobian(z: torch.Tensor, x_leaf: torch.Tensor) -> torch.Tensor:
    """J (M, C, n), J[i, k] = ∇_x f_k(x_i), from logits z (M, C) computed from x_leaf (M, n).

    Sample i's logits depend on x_i only (eval mode), so the backward pass of the one-hot e_k
    gives every sample's ∇f_k at once; the C passes run as one batched (vmapped) backward, or one
    after another for a model whose backward cannot be batched.
    """
    M, C = z.shape
    E = torch.eye(C, dtype=z.dtype, device=z.device)[:, None, :].expand(C, M, C)  # (C, M, C) one-hot e_k per pass
    try:
        (J,) = torch.autograd.grad(z, x_leaf, grad_outputs=E, retain_graph=True, is_grads_batched=True)  # (C, M, n)
    except RuntimeError:
        J = torch.stack([torch.autograd.grad(z[:, k].sum(), x_leaf, retain_graph=True)[0] for k in range(C)])
    return J.transpose(0, 1)  # (M, C, n)


@accepts_clip
def deepfool(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor | None = None, *, steps: int = 50,
             overshoot: float = 0.02, space: str = "free", projector=None,
             bounds: tuple[float, float] | None = BOUNDS) -> AttackResult:
    """Batched multi-class DeepFool in L2 (torch track).

    Args:
        model: a torch.nn.Module mapping x (N, *shape) to logits (N, C) (C = 1: a binary model f,
            read as the logits [0, f]); run in eval mode, its modes restored after.
        x: (N, *shape) float tensor of the model's dtype and device; never modified.
        y: (N,) int64 labels to move away from; default the model's predictions at x. Samples the
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
    model = check_model(model)
    x0, shape = check_input(model, x)  # (N, n)
    N = x0.shape[0]
    steps = check_positive_int("steps", steps)
    overshoot = check_float_range("overshoot", overshoot, 0.0, 1.0)
    space = check_choice("space", space, SPACES)
    box = check_bounds(bounds, x0)
    S = subspace_at(projector, space, x0, shape)

    with eval_mode(model), torch.no_grad():
        r_tot = torch.zeros_like(x0)  # (N, n) accumulated step Σ r
        used = torch.zeros(N, dtype=torch.int64, device=x0.device)  # (N,)
        active = torch.ones(N, dtype=torch.bool, device=x0.device)  # (N,) samples still on their original side
        C = n_classes(model, x0, shape)  # checks the model's output too
        k0 = None if y is None else check_labels("y", y, N, C, x0.device)  # (N,) the classes to move away from
        for it in range(steps):
            idx = torch.nonzero(active).squeeze(1)  # (M,)
            if idx.numel() == 0:
                break
            x_i = x0[idx] + (1 + overshoot) * r_tot[idx]  # (M, n) the current iterate
            if box is not None:
                x_i = x_i.clamp(box[0], box[1])  # kept in the box: the next step starts where the clip left it
            with torch.enable_grad():
                x_leaf = x_i.requires_grad_(True)  # (M, n)
                z_f = model(x_leaf.reshape(x_leaf.shape[0], *shape))  # (M, C_model)
            z = two_logits(z_f.detach())  # (M, C)
            if k0 is None:  # default: the predictions at the first iterate x_0 = x
                k0 = z.argmax(dim=1)
            crossed = z.argmax(dim=1) != k0[idx]
            active[idx[crossed]] = False
            keep = ~crossed
            if not bool(keep.any()):
                break  # all crossed: no gradients needed
            with torch.enable_grad():
                J = input_jacobian(z_f, x_leaf)[keep]  # (M', C_model, n)
            if z_f.shape[1] == 1:
                J = torch.cat([torch.zeros_like(J), J], dim=1)  # (M', 2, n): the logits [0, f]
            idx, z = idx[keep], z[keep]
            rows = torch.arange(idx.numel(), device=x0.device)
            k = k0[idx]  # (M,)
            f = z - z[rows, k][:, None]  # (M, C)  f'_k = f_k - f_k0
            w = J - J[rows, k][:, None, :]  # (M, C, n)  w'_k = ∇f_k - ∇f_k0
            if not S.free:
                rows_of = idx.repeat_interleave(w.shape[1])  # (M·C,) each row's sample, for its basis
                w = S.project(w.reshape(-1, w.shape[2]), rows_of).reshape(w.shape)  # P_S w'_k
            w_norm = torch.linalg.vector_norm(w, dim=2)  # (M, C)
            dist = f.abs() / w_norm  # (M, C) distance to each linearised boundary
            dist[rows, k] = math.inf
            dist[~torch.isfinite(dist)] = math.inf  # zero gradient in S: that boundary is out of reach
            l = dist.argmin(dim=1)  # (M,) the nearest linearised boundary
            reachable = torch.isfinite(dist[rows, l])  # (M,)
            f_l, w_l, wn = f[rows, l].abs(), w[rows, l], w_norm[rows, l]  # (M,), (M, n), (M,)
            # r = (|f'_l| + 1e-4) / ‖w'_l‖² · w'_l
            step = ((f_l + PUSH) / torch.where(reachable, wn, 1.0) ** 2)[:, None] * w_l  # (M, n)
            step[~reachable] = 0
            r_tot[idx] = S.project(r_tot[idx] + step, idx)  # P_S (Σ r)
            used[idx] = it + 1
            active[idx[~reachable]] = False  # give up: no direction in S changes any logit difference

        x_adv = x0 + (1 + overshoot) * r_tot  # (N, n)
        if box is not None:
            x_adv = x_adv.clamp(box[0], box[1])
        delta = x_adv - x0  # (N, n) exactly what x moved by
        success = logits(model, x_adv, shape).argmax(dim=1) != k0  # (N,)
    return AttackResult(x_adv=x_adv.reshape(N, *shape), delta=delta.reshape(N, *shape), success=success,
                        norm=torch.linalg.vector_norm(delta, dim=1), steps=used,
                        left_subspace=None if S.free else S.left(delta))
