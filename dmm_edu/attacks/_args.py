"""The argument vocabulary both tracks share: the accepted norms, spaces and losses, the box and its
one default, and the old keyword `clip=` (now `bounds=`), kept for one release.

The numpy attacks (`dmm_edu.attacks.{fgsm,pgd,deepfool}`) and the torch ones
(`dmm_edu.attacks.torch_track`) check their arguments with these functions, so a value one track
accepts the other accepts too, and refuses it with the same words. numpy only.

The box defaults to None, no box, on both tracks: a box belongs to the data, not to the attack.
The toy worlds of the numpy track live in all of R^n, where a default (0, 1) box would refuse
almost every input; and where a box does apply, clipping changes the geometry being measured (it
can push a δ out of the tangent or normal space), so it should be asked for, `bounds=(0.0, 1.0)`
for images. The torchattacks-style classes (`PGD`, `PGDL2`, `FGSM`, `DeepFool`) keep
torchattacks' own default, the image box (0, 1).
"""

from __future__ import annotations

import functools
import warnings

from dmm_edu._checks import _describe, check_choice, check_finite_float

NORMS = ("linf", "l2")
SPACES = ("free", "on", "off")
LOSSES = ("ce", "margin")  # the cross entropy (binary logistic for a one-logit model), the logit margin
LOSS_ALIASES = {"cross_entropy": "ce", "binary_logistic": "ce", "logit_margin": "margin"}  # dmm_edu.numpy_nn names
BOUNDS = None  # the default box of fgsm, pgd and deepfool on both tracks: none


def check_loss_name(loss) -> str:
    """`loss` if it is "ce", "margin" or one of their numpy_nn names; None means "ce"."""
    if loss is None:
        return "ce"
    if isinstance(loss, str) and loss in LOSS_ALIASES:
        return loss
    return check_choice("loss", loss, LOSSES)


def check_space(space, norm: str) -> str:
    """"free", "on" or "off"; a restricted space needs the L2 norm."""
    space = check_choice("space", space, SPACES)
    if space != "free" and norm != "l2":
        raise ValueError(f"space={space!r} is only accepted with norm='l2' (got norm={norm!r}): the "
                         "L∞ ball projection (coordinate clipping) does not keep δ in a subspace")
    return space


def check_box(bounds) -> tuple[float, float] | None:
    """None (no box), or the box (lo, hi) as two finite floats with lo < hi."""
    if bounds is None:
        return None
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise ValueError(f"bounds={_describe(bounds)} is not accepted; expected None or a pair (lo, hi) with lo < hi")
    lo, hi = check_finite_float("bounds[0]", bounds[0]), check_finite_float("bounds[1]", bounds[1])
    if not lo < hi:
        raise ValueError(f"bounds={_describe(bounds)} is not accepted; expected a pair (lo, hi) with lo < hi")
    return lo, hi


def check_inside(x_min: float, x_max: float, box) -> None:
    """Refuse clean inputs with values in [x_min, x_max] outside the box (lo, hi)."""
    lo, hi = box
    if x_min < lo or x_max > hi:
        raise ValueError(f"x has values in [{x_min:.4g}, {x_max:.4g}], outside bounds=({lo}, {hi}); "
                         "the clean inputs must lie inside the box (or pass bounds=None for no box)")


def check_finite_logits(n_bad: int, N: int) -> None:
    """Refuse a model whose logits at the clean x are NaN or inf for n_bad of the N inputs: an attack on
    them would report a success at ‖δ‖ = 0 (argmax of NaN logits is arbitrary)."""
    if n_bad:
        raise ValueError(f"model gives logits that are not finite (NaN or inf) at the clean x for {n_bad} of {N} "
                         "inputs; an attack needs finite logits. Check the model's weights for NaN or inf (training "
                         "that diverged leaves them: lower its learning rate) and that x is scaled as in training")


def rename_clip(kwargs: dict, name: str, stacklevel: int) -> dict:
    """Turn the old keyword clip= into bounds= (in place), with a DeprecationWarning naming bounds=."""
    if "clip" in kwargs:
        if "bounds" in kwargs:
            raise TypeError(f"{name}() got both clip= and bounds=; pass bounds= only (clip= is its old name)")
        warnings.warn(f"{name}(clip=...) is deprecated and will be removed in the next release; "
                      "pass bounds=(lo, hi), the same box", DeprecationWarning, stacklevel=stacklevel + 1)
        kwargs["bounds"] = kwargs.pop("clip")
    return kwargs


def accepts_clip(attack):
    """Let `attack` take clip= for bounds= (deprecated); its signature stays the one without clip."""

    @functools.wraps(attack)
    def wrapper(*args, **kwargs):
        if "clip" in kwargs:
            rename_clip(kwargs, attack.__name__, stacklevel=2)  # the warning points at the caller
        return attack(*args, **kwargs)

    return wrapper
