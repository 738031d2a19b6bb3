"""Adversarial attacks on both tracks; every attack returns an AttackResult.

- `fgsm`: one signed (L∞) or normalised (L2) gradient step of size eps.
- `pgd`: projected gradient ascent in the L∞ or L2 eps-ball, from x or random starts (with
  restarts), targeted, inside a box, with early stopping and recorded paths, or (L2) restricted
  to the tangent or normal space of the data manifold.
- `deepfool`: the minimal L2 perturbation to the boundary, free or restricted to the tangent or
  normal space.

Each name serves both tracks and dispatches on the model: a `torch.nn.Module` runs the torch
implementation in `dmm_edu.attacks.torch_track.{fgsm,pgd,deepfool}`; anything else (a numpy
`dmm_edu.numpy_nn.MLP`, or any object with `input_grad`/`predict`) runs the numpy implementation
in `dmm_edu.attacks.{fgsm,pgd,deepfool}`. The two implementations of an attack take the same
arguments with the same defaults and return the same AttackResult fields (numpy arrays or
tensors): the box is `bounds` (default None, no box), the loss `"ce"` (default) or `"margin"`.
The old numpy keyword `clip=` still works for one release, with a DeprecationWarning. The class
wrappers a torchattacks user knows (`PGD`, `PGDL2`, `FGSM`, `DeepFool`: `atk(images, labels) ->
adv_images`, torchattacks' defaults, including the box (0, 1)) are in
`dmm_edu.attacks.torch_track` and importable from here (that import loads torch).
"""

from __future__ import annotations

import inspect
import sys

from dmm_edu.attacks._args import rename_clip
from dmm_edu.attacks.deepfool import deepfool as _numpy_deepfool
from dmm_edu.attacks.fgsm import fgsm as _numpy_fgsm
from dmm_edu.attacks.pgd import pgd as _numpy_pgd
from dmm_edu.attacks.result import AttackResult


def is_torch_model(model) -> bool:
    """Whether `model` is a torch.nn.Module (checked without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


_LOOPS = {"fgsm": "the one step in `fgsm`", "pgd": "the loop `_run`", "deepfool": "the loop in `deepfool`"}


def _dispatch(numpy_fn, name: str):
    def attack(model, *args, **kwargs) -> AttackResult:
        rename_clip(kwargs, name, stacklevel=2)  # the warning points at the caller
        if is_torch_model(model):
            from dmm_edu.attacks import torch_track

            return getattr(torch_track, name)(model, *args, **kwargs)
        return numpy_fn(model, *args, **kwargs)

    attack.__name__ = attack.__qualname__ = name
    attack.__doc__ = (
        f"{name} on either track; which implementation runs depends on the model:\n\n"
        f"- a torch.nn.Module: `dmm_edu.attacks.torch_track.{name}.{name}` "
        f"({_LOOPS[name]} in dmm_edu/attacks/torch_track/{name}.py); tensors in and out;\n"
        f"- anything else (a numpy MLP): `dmm_edu.attacks.{name}.{name}` "
        f"({_LOOPS[name]} in dmm_edu/attacks/{name}.py); numpy arrays in and out.\n\n"
        f"Both take the same arguments with the same defaults, documented here in the numpy "
        f"implementation's words (the torch one's docstring says the same):\n\n"
        + inspect.cleandoc(numpy_fn.__doc__ or ""))
    attack.__wrapped__ = numpy_fn  # inspect.signature: the (shared) signature
    return attack


fgsm = _dispatch(_numpy_fgsm, "fgsm")
pgd = _dispatch(_numpy_pgd, "pgd")
deepfool = _dispatch(_numpy_deepfool, "deepfool")

_TORCH_CLASSES = ("PGD", "PGDL2", "FGSM", "DeepFool")

__all__ = ["AttackResult", "deepfool", "fgsm", "is_torch_model", "pgd", *_TORCH_CLASSES]


def __getattr__(name: str):
    if name in _TORCH_CLASSES:
        from dmm_edu.attacks import torch_track

        return getattr(torch_track, name)
    raise AttributeError(f"module 'dmm_edu.attacks' has no attribute {name!r}")
