"""The book's central measurement: how far a point is from the decision boundary, anywhere, along
the data manifold and across it.

At a correctly classified point x, three minimal L2 perturbations reach the boundary:

    d_free = min ‖δ‖ over all δ            (the adversarial example)
    d_on   = min ‖δ‖ over δ in T_x M       (staying on the manifold)
    d_off  = min ‖δ‖ over δ in N_x M       (moving only perpendicular to it)

found by DeepFool, restricted to T or N by projecting every step (or given by any other attack:
`distances_from`). The DMM predicts d_off ≈ d_free ≪ d_on: the boundary lies close to the manifold,
so the short way out is perpendicular. Beside them: on(δ_free) = ‖P_T δ‖/‖δ‖ (how much of the
adversarial perturbation lies along the manifold) and on(∇ₓℓ) for the loss gradient, each next to
what a random direction or a randomly oriented boundary gives (`dmm_edu.manifold.baselines`).

One vocabulary for every experiment, claim, plot and scene (`Distances.summary`):

    d_free, d_on, d_off            medians over the measured points (all three attacks succeeded)
    d_on_over_d_free, d_off_over_d_free, d_off_over_d_on      ratios of those medians
    d_on_over_d_free_pointwise, d_off_over_d_free_pointwise   medians of the per-point ratios
    d_free_mean                    mean of d_free over the measured points
    free_within_5pct_of_best       share of measured points with d_free <= 1.05 min(d_on, d_off)
    on_delta, on_grad              medians of on(δ_free), on(∇ₓℓ) over the measured points (NaN-free)
    rho_median, rho_mean           DeepFool's ρ = ‖δ_free‖/‖x‖ over the points where the free attack succeeded
                                   (ρ is a property of the free attack alone, as DeepFool reports it)
    success_free, success_on, success_off     success rates over all attacked points
    n_attacked, n_measured, n, k
    baseline_on, baseline_d_on_over_d_free, baseline_d_off_over_d_free, baseline_d_off_over_d_on

and per point (`Distances.arrays`): d_free, d_on, d_off, success_{free,on,off}, measured, on_delta,
on_grad, x_norm. Book pages: "Why perturbations are tiny and look like
noise", "On- vs off-manifold perturbations".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from dmm_edu.attacks import deepfool, is_torch_model
from dmm_edu.attacks.result import AttackResult, to_numpy
from dmm_edu.manifold.frames import SPACES, frames_at
from dmm_edu.manifold.measures import baselines, on_fraction


def _median(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


@dataclass
class Distances:
    """Minimal free / on / off distances at M points, per point (numpy arrays).

    norm, success: {space: (M,)}; delta: {space: (M, n)} the perturbations as rows; on_delta (M,):
    on(δ_free), NaN where the free attack failed or δ = 0; on_grad (M,) on(∇ₓℓ) or None when not
    measured, NaN where the gradient is exactly zero; x_norm (M,) ‖x‖; n, k: the dimensions of the
    space and of the tangent space.
    """

    norm: dict[str, np.ndarray]
    success: dict[str, np.ndarray]
    delta: dict[str, np.ndarray]
    on_delta: np.ndarray
    on_grad: np.ndarray | None
    x_norm: np.ndarray
    n: int
    k: int

    @property
    def measured(self) -> np.ndarray:
        """(M,) bool: all three attacks succeeded, so the three distances compare like with like."""
        return self.success["free"] & self.success["on"] & self.success["off"]

    def summary(self, where: np.ndarray | None = None) -> dict:
        """The vocabulary of the module docstring; medians over `where & measured` (default: measured)."""
        ok = self.measured if where is None else self.measured & np.asarray(where, dtype=bool)  # (M,)
        d = {f"d_{s}": _median(self.norm[s][ok]) for s in SPACES}
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio_on = self.norm["on"][ok] / self.norm["free"][ok]  # (M',) per point
            ratio_off = self.norm["off"][ok] / self.norm["free"][ok]
            free_ok = self.success["free"] if where is None else self.success["free"] & np.asarray(where, dtype=bool)
            rho = self.norm["free"][free_ok] / self.x_norm[free_ok]  # DeepFool's ρ = ‖δ‖/‖x‖, free successes
        best = np.minimum(self.norm["on"][ok], self.norm["off"][ok])  # (M',)
        on_grad = self.on_grad[ok] if self.on_grad is not None else np.array([])
        return {
            **d,
            "d_on_over_d_free": d["d_on"] / d["d_free"],  # the DMM: ≫ 1; a random tangent: ≈ √(n/k)
            "d_off_over_d_free": d["d_off"] / d["d_free"],  # the DMM: ≈ 1
            "d_off_over_d_on": d["d_off"] / d["d_on"],  # the DMM: < 1; a random boundary: ≈ √(k/(n-k))
            "d_on_over_d_free_pointwise": _median(ratio_on),
            "d_off_over_d_free_pointwise": _median(ratio_off),
            "d_free_mean": float(np.mean(self.norm["free"][ok])) if ok.any() else float("nan"),
            "free_within_5pct_of_best": float(np.mean(self.norm["free"][ok] <= 1.05 * best)) if ok.any()
            else float("nan"),
            "on_delta": _median(self.on_delta[ok]),
            "on_grad": _median(on_grad),
            "rho_median": _median(rho),
            "rho_mean": float(np.mean(rho[np.isfinite(rho)])) if np.isfinite(rho).any() else float("nan"),
            **{f"success_{s}": float(np.mean(self.success[s])) if self.success[s].size else float("nan")
               for s in SPACES},
            "n_attacked": int(len(self.measured)), "n_measured": int(ok.sum()), "n": self.n, "k": self.k,
            **baselines(self.n, self.k),
        }

    def arrays(self) -> dict[str, np.ndarray]:
        """Per-point arrays (M,) under the vocabulary's names (an experiment prefixes or suffixes them)."""
        out = {f"d_{s}": self.norm[s] for s in SPACES}
        out.update({f"success_{s}": self.success[s] for s in SPACES})
        out.update({"measured": self.measured, "on_delta": self.on_delta, "x_norm": self.x_norm})
        if self.on_grad is not None:
            out["on_grad"] = self.on_grad
        return out


def _rows(a) -> np.ndarray:
    a = to_numpy(a)
    return a.reshape(a.shape[0], -1)  # (M, n)


def gradient_on_fraction(model, x, y, projector) -> np.ndarray:
    """on(∇ₓℓ) of the cross-entropy loss at each x: (M,) numpy; NaN where the gradient is exactly zero.

    model: a numpy network with `input_grad(x, y)` or a torch.nn.Module (logits); x: (M, n) or (M, *shape);
    projector: any projector `frames_at` accepts (evaluated at x).
    """
    if is_torch_model(model):
        import torch

        from dmm_edu.attacks.torch_track._common import eval_mode, two_logits

        x_leaf = x.detach().clone().requires_grad_(True)
        with torch.enable_grad(), eval_mode(model):  # as the attacks see the model: Dropout off
            z = two_logits(model(x_leaf))  # (M, C); a one-logit model f as [0, f]
            loss = torch.nn.functional.cross_entropy(z, y.to(x.device), reduction="sum")
            grad, = torch.autograd.grad(loss, x_leaf)  # (M, *shape): ∇ₓℓ, one row per point
    else:
        grad = model.input_grad(x, y)  # (M, n)
    frames = frames_at(projector, x)
    return on_fraction(_rows(grad), frames)  # (M,), NaN where ∇ = 0


def distances_from(attacks: Mapping[str, AttackResult], projector, x, *, on_grad: np.ndarray | None = None) -> Distances:
    """The measurement from three attacks already run at the points x: {"free", "on", "off"} -> AttackResult.

    projector: the tangent whose on(δ_free) is reported (any projector `frames_at` accepts); on_grad:
    per-point on(∇ₓℓ) if measured. Use it when the minimal perturbations come from another tool than
    DeepFool (E7's early-stopped PGD, say).
    """
    missing = [s for s in SPACES if s not in attacks]
    if missing:
        raise ValueError(f"attacks must hold a result for each space {SPACES}; missing {missing}")
    frames = frames_at(projector, x)
    delta = {s: _rows(attacks[s].delta) for s in SPACES}  # (M, n) each, in the attack's float type
    success = {s: to_numpy(attacks[s].success).astype(bool) for s in SPACES}
    norm = {s: to_numpy(attacks[s].norm).astype(np.float64, copy=False) for s in SPACES}
    on_delta = on_fraction(delta["free"], frames)  # (M,) on(δ_free) = ‖P_T δ‖/‖δ‖
    on_delta[~success["free"]] = np.nan
    x_norm = np.linalg.norm(_rows(x).astype(np.float64), axis=1)  # (M,)
    return Distances(norm=norm, success=success, delta=delta, on_delta=on_delta, on_grad=on_grad, x_norm=x_norm,
                     n=frames.n, k=frames.k)


# --8<-- [start:minimal_distances]
def minimal_distances(model, x, y, projector, *, steps: int = 50, overshoot: float = 0.02,
                      free: AttackResult | None = None, gradient: bool = False) -> Distances:
    """DeepFool (L2, no box) away from the labels y, free and restricted to T and to N, at the points x.

    model: a numpy network (x (M, n)) or a torch.nn.Module (x (M, *shape) tensor, y (M,) tensor);
    projector: the manifold's tangent: a Projector (evaluated once at x) or `Frames` already evaluated
    there; steps, overshoot: DeepFool's; free: a free attack already run at the same x and y (reused,
    not repeated); gradient: also measure on(∇ₓℓ). Returns per-point `Distances`; `.summary()` gives
    the medians, ratios and baselines under the book's names.
    """
    frames = frames_at(projector, x)  # the tangent at the clean points, computed once
    # the torch attacks take the frames (per-point bases indexed by sample); the numpy ones evaluate the
    # projector at the rows they still move, so they get it as it is
    restricted = frames if is_torch_model(model) else projector
    kw = dict(steps=steps, overshoot=overshoot)
    attacks = {"free": free if free is not None else deepfool(model, x, y, **kw)}
    for space in ("on", "off"):
        attacks[space] = deepfool(model, x, y, space=space, projector=restricted, **kw)
    on_grad = gradient_on_fraction(model, x, y, frames) if gradient else None
    return distances_from(attacks, frames, x, on_grad=on_grad)
# --8<-- [end:minimal_distances]

