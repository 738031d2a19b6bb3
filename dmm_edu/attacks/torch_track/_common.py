"""What the torch-track attacks share: argument checks, the model's logits and the attack
objective, the geometry of a norm, the box, eval mode, and the AttackResult.

The attacks see every input as a flat row: x of shape (N, *shape) becomes x0 (N, n) with
n = prod(shape), so norms and projections run over all non-batch dimensions, and the model is
called on the rows reshaped back to (N, *shape). A one-logit model f is read as the two logits
[0, f], so the cross entropy on them is the binary logistic loss and argmax is f > 0 — the same
conventions as the numpy track (dmm_edu.attacks._common), and the same argument vocabulary
(dmm_edu.attacks._args). Book page: "Adversarial examples and the older explanations".
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch
import torch.nn.functional as F

from dmm_edu._checks import _describe
from dmm_edu.attacks._args import LOSS_ALIASES, check_box, check_finite_logits, check_inside, check_loss_name
from dmm_edu.attacks.result import AttackResult


# ------------------------------------------------------------ argument checks


def check_model(model) -> torch.nn.Module:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module mapping x (N, *shape) to logits (N, C); "
                        f"got {_describe(model)}")
    return model


def check_input(model, x) -> tuple[torch.Tensor, tuple[int, ...]]:
    """x as flat rows x0 (N, n), detached (never written to), and the per-sample shape.

    x: a float tensor (N, *shape) (a float numpy array is turned into one) of the model's dtype
    and on its device, with finite values.
    """
    if isinstance(x, np.ndarray):
        if x.dtype.kind != "f":
            raise TypeError(f"x must hold floats (float32 or float64); got {_describe(x)}")
        x = torch.from_numpy(x) if x.flags.writeable else torch.tensor(x)  # (a read-only array is copied)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a float torch.Tensor of shape (N, *shape); got {_describe(x)}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a float tensor (float32 or float64); got dtype {x.dtype}")
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, *shape) with a batch dimension first; got shape {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise ValueError(f"x has no samples (shape {tuple(x.shape)}); pass at least one input")
    p = next((p for p in model.parameters() if p.is_floating_point()), None)
    if p is not None and p.dtype != x.dtype:
        raise TypeError(f"x has dtype {x.dtype} but the model's parameters are {p.dtype}; convert one of them "
                        "(x.to(dtype) or model.to(dtype))")
    if p is not None and p.device != x.device:
        raise ValueError(f"x is on {x.device} but the model is on {p.device}; move one of them")
    x0 = x.detach().reshape(x.shape[0], -1)  # (N, n)
    if not bool(torch.isfinite(x0.sum())) and not bool(torch.isfinite(x0).all()):  # a NaN or inf makes the sum one
        raise ValueError(f"x contains NaN or inf ({int((~torch.isfinite(x0)).sum())} entries); expected finite values")
    return x0, tuple(x.shape[1:])


def check_bounds(bounds, x0: torch.Tensor) -> tuple[float, float] | None:
    """None (no box), or (lo, hi) with lo < hi and every clean input inside [lo, hi]."""
    box = check_box(bounds)
    if box is not None and x0.numel():
        check_inside(*(float(v) for v in torch.aminmax(x0)), box)
    return box


def check_loss(loss) -> str:
    """"ce" or "margin" (None is "ce"; the numpy_nn names become these)."""
    loss = check_loss_name(loss)
    return LOSS_ALIASES.get(loss, loss)


def check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={_describe(value)} is not accepted; expected True or False")
    return bool(value)


def n_classes(model, x0: torch.Tensor, shape) -> int:
    """C, the number of classes, from the model's logits z at the clean inputs x0 (N, n) (a one-logit
    model has 2); refuses z that is not (N, C) or not finite (a model with a NaN weight would
    otherwise 'succeed' on every sample at ‖δ‖ = 0)."""
    with eval_mode(model), torch.no_grad():  # eval: samples are independent (BatchNorm on running statistics)
        z = model(x0.reshape(x0.shape[0], *shape))  # (N, C)
    return check_logits(z, x0.shape[0], shape)


def check_logits(z, N: int, shape) -> int:
    """C, the number of classes, from the model's output z at the N clean inputs (what `n_classes`
    checks, for an attack that has already made that forward pass, e.g. with `record_forward`)."""
    if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[0] != N:
        got = tuple(z.shape) if isinstance(z, torch.Tensor) else _describe(z)
        raise ValueError(f"model must map x (N, *shape) to logits (N, C); on x of shape {(N, *shape)} "
                         f"it returned {got}")
    check_finite_logits(int((~torch.isfinite(z)).any(dim=1).sum()), N)
    return max(int(z.shape[1]), 2)


def check_labels(name: str, y, N: int, C: int, device) -> torch.Tensor:
    """y as an int64 tensor (N,) on `device` with labels in 0..C-1 (numpy integer arrays accepted)."""
    if isinstance(y, np.ndarray):
        if y.dtype.kind not in "iu":
            raise TypeError(f"{name} must hold integer labels; got {_describe(y)}")
        y = torch.from_numpy(y) if y.flags.writeable else torch.tensor(y)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} must be an int64 tensor of {N} labels; got {_describe(y)}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer labels (int64); got dtype {y.dtype}")
    if y.ndim != 1 or y.shape[0] != N:
        raise ValueError(f"{name} must have shape ({N},), one label per input; got shape {tuple(y.shape)}")
    if N and (int(y.min()) < 0 or int(y.max()) >= C):
        bad = int(y[(y < 0) | (y >= C)][0])
        raise ValueError(f"{name} contains label {bad}; accepted labels are 0..{C - 1}")
    return y.to(device=device, dtype=torch.int64)


# ------------------------------------------------------------ the model, its objective


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module):
    """Run the block with every submodule in eval mode (Dropout off, BatchNorm on its running
    statistics, so samples are independent); restore each submodule's own flag afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, training in modes:
            m.training = training


def two_logits(z: torch.Tensor) -> torch.Tensor:
    """A one-logit output f (M, 1) as the logits [0, f] (M, 2); any other (M, C) unchanged."""
    return torch.cat([torch.zeros_like(z), z], dim=1) if z.shape[1] == 1 else z


def logits(model, x_rows: torch.Tensor, shape) -> torch.Tensor:
    """z = f(x): (M, n) rows -> (M, C) logits; a one-logit model f becomes [0, f]."""
    return two_logits(model(x_rows.reshape(x_rows.shape[0], *shape)))  # (M, C)


def objective(z: torch.Tensor, y: torch.Tensor, loss: str, targeted: bool) -> torch.Tensor:
    """J_i, the per-sample quantity every attack step ascends.   z: (M, C), y: (M,) -> (M,).

    ce:      J = ℓ_CE(z, y)  (untargeted),   J = -ℓ_CE(z, t)  (targeted, t = y)
    margin:  J = max_{j≠y} z_j - z_y  (untargeted),   J = z_t - max_{j≠t} z_j  (targeted);
             J > 0 exactly when the attack has succeeded.
    """
    if loss == "ce":
        ce = F.cross_entropy(z, y, reduction="none")  # (M,)  -log softmax(z)_y
        return -ce if targeted else ce
    z_y = z.gather(1, y[:, None])[:, 0]  # (M,)
    z_other = z.scatter(1, y[:, None], -math.inf).amax(dim=1)  # (M,)  max_{j≠y} z_j
    return z_y - z_other if targeted else z_other - z_y


def record_forward(model, x_rows: torch.Tensor, shape):
    """(x_leaf (M, n), the model's raw output at x_rows (M, n)), recorded for a gradient with
    respect to the input: the forward half of `objective_grad`, for an attack that looks at the
    output (e.g. checks it with `check_logits`) before it differentiates."""
    with torch.enable_grad():
        x_leaf = x_rows.detach().requires_grad_(True)  # (M, n)
        return x_leaf, model(x_leaf.reshape(x_leaf.shape[0], *shape))  # (M, n), (M, C)


def objective_grad(model, x_rows: torch.Tensor, shape, y, loss: str, targeted: bool, recorded=None):
    """(z (M, C), ∇_x J (M, n)) at the rows x_rows (M, n): one forward and one backward pass, or
    only the backward pass where `recorded` is the forward pass at x_rows that `record_forward` made.

    Differentiates with respect to the input only (no .grad lands on the parameters) and works
    inside an outer torch.no_grad().
    """
    x_leaf, out = record_forward(model, x_rows, shape) if recorded is None else recorded  # (M, n), (M, C)
    with torch.enable_grad():
        z = two_logits(out)  # (M, C)
        (g,) = torch.autograd.grad(objective(z, y, loss, targeted).sum(), x_leaf)  # ∇_x Σ_i J_i = (∇_x J_i)_i
    return z.detach(), g


def is_success(z: torch.Tensor, y: torch.Tensor, targeted: bool) -> torch.Tensor:
    """(M,) bool: argmax z ≠ y (untargeted) or argmax z = y (targeted)."""
    pred = z.argmax(dim=1)  # (M,)
    return pred == y if targeted else pred != y


# ------------------------------------------------------------ the geometry of a norm and the box


def lp_norm(delta: torch.Tensor, norm: str) -> torch.Tensor:
    """‖δ_i‖ per row: max_j |δ_ij| (linf) or sqrt(Σ_j δ_ij²) (l2).   (M, n) -> (M,)."""
    if delta.shape[1] == 0:
        return delta.new_zeros(delta.shape[0])
    return delta.abs().amax(dim=1) if norm == "linf" else torch.linalg.vector_norm(delta, dim=1)


def steepest_direction(g: torch.Tensor, norm: str) -> torch.Tensor:
    """u = argmax_{‖u‖ <= 1} g·u: sign(g) (linf) or g / ‖g‖₂ (l2; 0 where g = 0).   (M, n) -> (M, n)."""
    if norm == "linf":
        return g.sign()
    g_norm = torch.linalg.vector_norm(g, dim=1, keepdim=True)  # (M, 1)
    return g / torch.where(g_norm > 0, g_norm, 1.0)  # u = g / ‖g‖₂


def project_ball(delta: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    """Π_eps(δ), the nearest point of {‖δ‖ <= eps}, in place: coordinate clipping (linf) or
    δ · min(1, eps / ‖δ‖₂) (l2, a rescaling: a δ in a subspace stays in it).   (M, n) -> (M, n)."""
    if norm == "linf":
        return delta.clamp_(-eps, eps)
    d_norm = torch.linalg.vector_norm(delta, dim=1, keepdim=True)  # (M, 1)
    return delta.mul_(torch.clamp(eps / torch.where(d_norm > 0, d_norm, 1.0), max=1.0))  # δ · min(1, eps/‖δ‖₂)


def delta_bounds(x0: torch.Tensor, box) -> tuple[torch.Tensor, torch.Tensor]:
    """(lo_d, hi_d) (M, n), bounds on δ that keep x0 + δ in the box [lo, hi] as computed, rounding included.

    lo - x0 and hi - x0 are rounded, so x0 + (hi - x0) can round to just above hi (rarely; a box
    with lo < 0 < hi makes it likelier). Rounding is monotone, so lowering hi - x0 by an ulp where
    that happens (and raising lo - x0 likewise) puts every x0 + δ with lo_d <= δ <= hi_d inside the
    box: the point an attack evaluates, x0 + δ, is then exactly the point it returns, with no clip
    in between.
    """
    lo_d, hi_d = box[0] - x0, box[1] - x0  # (M, n) each: lo - x <= 0 <= hi - x
    while bool((over := x0 + hi_d > box[1]).any()):
        hi_d = torch.where(over, torch.nextafter(hi_d, torch.full_like(hi_d, -math.inf)), hi_d)
    while bool((under := x0 + lo_d < box[0]).any()):
        lo_d = torch.where(under, torch.nextafter(lo_d, torch.full_like(lo_d, math.inf)), lo_d)
    return lo_d, hi_d


def clip_box(x0: torch.Tensor, delta: torch.Tensor, box) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_adv, δ) with x_adv = clip(x0 + δ, lo, hi) and δ = x_adv - x0.   (M, n) each.

    With x0 inside the box every coordinate only moves towards x0, so ‖δ‖ does not grow.
    """
    x_adv = x0 + delta  # (M, n)
    if box is None:
        return x_adv, delta
    x_adv = x_adv.clamp(box[0], box[1])
    return x_adv, x_adv - x0


def finish(model, x0, x_adv, shape, y, targeted: bool, norm: str, steps, subspace=None) -> AttackResult:
    """The AttackResult at x_adv (M, n): success from one more forward pass, ‖δ‖ in the attack's
    norm, every array reshaped to (N, *shape) and on x's device."""
    with torch.no_grad():
        success = is_success(logits(model, x_adv, shape), y, targeted)  # (N,)
    delta = x_adv - x0  # (N, n)
    N = x0.shape[0]
    return AttackResult(x_adv=x_adv.reshape(N, *shape), delta=delta.reshape(N, *shape), success=success,
                        norm=lp_norm(delta, norm), steps=steps,
                        left_subspace=None if subspace is None or subspace.free else subspace.left(delta))
