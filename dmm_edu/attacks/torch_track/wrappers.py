"""Attack classes a torchattacks user recognises: `PGD`, `PGDL2`, `FGSM`, `DeepFool`.

Same constructor defaults as torchattacks 3.5.1 and the same call, `atk(images, labels) ->
adv_images` (a tensor), with `set_mode_targeted_by_label()` / `set_mode_default()`. On top of
that `atk.run(images, labels)` returns the full AttackResult (which samples succeeded, ‖δ‖, steps),
and the random start draws from an explicit torch.Generator instead of torch's global one: pass
`rng=`, or `seed=` (default 0) for a fresh generator owned by the attack, so a script that builds
the attack the same way gets the same adversarial images. Book page: "attacks" (the torch track).
"""

from __future__ import annotations

import torch

from dmm_edu._checks import _describe, check_float_range, check_positive_float, check_positive_int
from dmm_edu.attacks.result import AttackResult
from dmm_edu.attacks.torch_track._common import check_bool, check_loss, check_model
from dmm_edu.attacks.torch_track.deepfool import deepfool
from dmm_edu.attacks.torch_track.fgsm import fgsm
from dmm_edu.attacks.torch_track.pgd import _pgd


class Attack:
    """The shared part: the model, the mode ("default" or "targeted(label)"), the call style."""

    supports_targeted = True

    def __init__(self, model: torch.nn.Module):
        self.model = check_model(model)
        self.targeted = False
        self.attack_mode = "default"

    def set_mode_default(self) -> None:
        """Untargeted: labels are the classes to move away from."""
        self.targeted, self.attack_mode = False, "default"

    def set_mode_targeted_by_label(self, quiet: bool = True) -> None:
        """Targeted: labels are the classes to reach. (`quiet` is accepted for torchattacks
        compatibility; nothing is printed either way.)"""
        if not self.supports_targeted:
            raise ValueError(f"{type(self).__name__} supports only the default (untargeted) mode")
        self.targeted, self.attack_mode = True, "targeted(label)"

    def run(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> AttackResult:
        """The AttackResult for images (N, *shape) and labels (N,)."""
        raise NotImplementedError

    def __call__(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """adv_images (N, *shape), like torchattacks."""
        return self.run(images, labels).x_adv

    def __repr__(self) -> str:
        shown = {k: v for k, v in vars(self).items() if k not in ("model", "rng")}
        return f"{type(self).__name__}(model={type(self.model).__name__}, " + \
            ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def _generator(rng, seed) -> torch.Generator:
    if rng is not None:
        if not isinstance(rng, torch.Generator):
            raise TypeError(f"rng must be a torch.Generator or None; got {_describe(rng)}")
        return rng
    return torch.Generator().manual_seed(check_positive_int("seed", seed, minimum=0))


class _PGDBase(Attack):
    norm = "linf"

    def __init__(self, model, eps, alpha, steps, random_start, *, rng, seed, bounds, loss):
        super().__init__(model)
        self.eps = check_positive_float("eps", eps, allow_zero=True)
        self.alpha = check_positive_float("alpha", alpha)
        self.steps = check_positive_int("steps", steps)
        self.random_start = check_bool("random_start", random_start)
        self.bounds, self.loss = bounds, check_loss(loss)
        self.rng = _generator(rng, seed)

    def _attack(self, images, labels, judge: bool):
        if labels is None:
            raise ValueError(f"labels is required for {type(self).__name__}: the classes to move away from "
                             "(or to reach, after set_mode_targeted_by_label())")
        return _pgd(self.model, images, labels, self.eps, alpha=self.alpha, steps=self.steps, norm=self.norm,
                    random_start=self.random_start, rng=self.rng, targeted=self.targeted, bounds=self.bounds,
                    loss=self.loss, judge=judge)

    def run(self, images, labels=None) -> AttackResult:
        return self._attack(images, labels, judge=True)

    def __call__(self, images, labels=None) -> torch.Tensor:
        """adv_images (N, *shape), like torchattacks (without the forward pass that decides success)."""
        return self._attack(images, labels, judge=False)


class PGD(_PGDBase):
    """PGD in L∞ (torchattacks.PGD): `PGD(model, eps=8/255, alpha=2/255, steps=10, random_start=True)`.

    Keyword-only extras: rng (torch.Generator) or seed (int, default 0) for the random start;
    bounds (default (0, 1), the image range torchattacks assumes; None for no box); loss ("ce"
    or "margin").
    """

    norm = "linf"

    def __init__(self, model: torch.nn.Module, eps: float = 8 / 255, alpha: float = 2 / 255, steps: int = 10,
                 random_start: bool = True, *, rng: torch.Generator | None = None, seed: int = 0,
                 bounds: tuple[float, float] | None = (0.0, 1.0), loss: str = "ce"):
        super().__init__(model, eps, alpha, steps, random_start, rng=rng, seed=seed, bounds=bounds, loss=loss)


class PGDL2(_PGDBase):
    """PGD in L2 (torchattacks.PGDL2): `PGDL2(model, eps=1.0, alpha=0.2, steps=10, random_start=True)`.

    The random start is uniform in the L2 ball (torchattacks draws the radius as eps·U, which
    crowds the centre); extras as in `PGD`.
    """

    norm = "l2"

    def __init__(self, model: torch.nn.Module, eps: float = 1.0, alpha: float = 0.2, steps: int = 10,
                 random_start: bool = True, *, rng: torch.Generator | None = None, seed: int = 0,
                 bounds: tuple[float, float] | None = (0.0, 1.0), loss: str = "ce"):
        super().__init__(model, eps, alpha, steps, random_start, rng=rng, seed=seed, bounds=bounds, loss=loss)


class FGSM(Attack):
    """FGSM in L∞ (torchattacks.FGSM): `FGSM(model, eps=8/255)`; keyword-only bounds and loss as in `PGD`."""

    def __init__(self, model: torch.nn.Module, eps: float = 8 / 255, *,
                 bounds: tuple[float, float] | None = (0.0, 1.0), loss: str = "ce"):
        super().__init__(model)
        self.eps = check_positive_float("eps", eps, allow_zero=True)
        self.bounds, self.loss = bounds, check_loss(loss)

    def run(self, images, labels=None) -> AttackResult:
        if labels is None:
            raise ValueError("labels is required for FGSM: the classes to move away from (or to reach)")
        return fgsm(self.model, images, labels, self.eps, targeted=self.targeted, bounds=self.bounds, loss=self.loss)


class DeepFool(Attack):
    """DeepFool in L2 (torchattacks.DeepFool): `DeepFool(model, steps=50, overshoot=0.02)`.

    Batched over samples (torchattacks loops over them). labels may be None (the model's
    predictions). bounds (keyword-only, default (0, 1)) clips every iterate into the box, as
    torchattacks does; None for no box. Untargeted only, like torchattacks.
    """

    supports_targeted = False

    def __init__(self, model: torch.nn.Module, steps: int = 50, overshoot: float = 0.02, *,
                 bounds: tuple[float, float] | None = (0.0, 1.0)):
        super().__init__(model)
        self.steps = check_positive_int("steps", steps)
        self.overshoot = check_float_range("overshoot", overshoot, 0.0, 1.0)
        self.bounds = bounds

    def run(self, images, labels=None) -> AttackResult:
        return deepfool(self.model, images, labels, steps=self.steps, overshoot=self.overshoot, bounds=self.bounds)
