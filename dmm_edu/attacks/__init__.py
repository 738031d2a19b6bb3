"""Adversarial attacks on both tracks; every attack returns an AttackResult.

- `fgsm`: one signed (L∞) or normalised (L2) gradient step of size eps.
- `pgd`: projected gradient descent in the L∞ or L2 eps-ball, optionally from a random start,
  targeted, inside a box, or (L2) restricted to the tangent or normal space of the data manifold.
- `deepfool`: the minimal L2 perturbation to the boundary, free or restricted to the tangent or
  normal space.

Each name serves both tracks: given a numpy model (`dmm_edu.numpy_nn.MLP`, or anything with
`input_grad`/`predict`) it runs the numpy implementation in `dmm_edu.attacks.{fgsm,pgd,deepfool}`;
given a `torch.nn.Module` it runs the torch implementation in `dmm_edu.attacks.torch_track`, which
adds restarts, early stopping, a margin loss and trajectory recording. The torch track calls its
box `bounds` and defaults it to the image range (0, 1); the numpy track calls it `clip` and
defaults to no box. Through these dispatching names `clip=` is accepted for a torch model too, and
`loss=None` means the default loss on both tracks. The class wrappers a torchattacks user knows
(`PGD`, `PGDL2`, `FGSM`, `DeepFool`: `atk(images, labels) -> adv_images`) are in
`dmm_edu.attacks.torch_track` and importable from here (that import loads torch).
"""

from __future__ import annotations

import sys

from dmm_edu.attacks.deepfool import deepfool as _numpy_deepfool
from dmm_edu.attacks.fgsm import fgsm as _numpy_fgsm
from dmm_edu.attacks.pgd import pgd as _numpy_pgd
from dmm_edu.attacks.result import AttackResult


def is_torch_model(model) -> bool:
    """Whether `model` is a torch.nn.Module (checked without importing torch)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def _dispatch(numpy_fn, name: str):
    def attack(model, *args, **kwargs) -> AttackResult:
        if is_torch_model(model):
            from dmm_edu.attacks import torch_track

            if "clip" in kwargs:  # the numpy track's name for the box
                if "bounds" in kwargs:
                    raise TypeError(f"{name}() got both clip= and bounds=; pass one (they name the same box)")
                kwargs["bounds"] = kwargs.pop("clip")
            if "loss" in kwargs and kwargs["loss"] is None:
                del kwargs["loss"]
            return getattr(torch_track, name)(model, *args, **kwargs)
        return numpy_fn(model, *args, **kwargs)

    attack.__name__ = attack.__qualname__ = name
    attack.__doc__ = (f"{name} on either track: a torch.nn.Module runs `dmm_edu.attacks.torch_track.{name}`, "
                      f"anything else the numpy `dmm_edu.attacks.{name}.{name}`, documented here:\n\n"
                      + (numpy_fn.__doc__ or ""))
    attack.__wrapped__ = numpy_fn
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
