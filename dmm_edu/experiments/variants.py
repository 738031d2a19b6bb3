"""Named variants of an experiment that the book also runs: the same code with a few config fields changed.

A variant is what a reader gets with `dmm-edu run E6 --set model=cnn`: E6's code and profile, some
fields set otherwise. The book quotes a variant's numbers beside the experiment's own, under a run
key "E6:cnn" (experiment, colon, variant name), so that a chapter can set a convolutional network
or another dataset beside the MLP on the digits without a second experiment. `changes` hold at every
profile; `book` and `smoke` add fields for that profile only: a smaller run where the variant's own
model costs more (a CNN step costs several MLP steps). The smoke profile is the tests' size, where
the point is that the code runs end to end on a network that learns, not the numbers themselves (so
its fields shrink the attacks, not the training).

    parse_key("E6:cnn")              # ("E6", "cnn")
    overrides("E6:cnn", "book")      # {"model": "cnn", "epochs": 5, "n_attack": 100}
    run_args("E6:cnn", "smoke")      # ("E6", {"model": "cnn", "n_attack": 20})
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dmm_edu._checks import check_choice


@dataclass(frozen=True)
class Variant:
    """One variant: what it is, the config fields it changes at every profile, and those of `book` and
    of `smoke` only."""

    title: str
    changes: dict = field(default_factory=dict)
    book: dict = field(default_factory=dict)
    smoke: dict = field(default_factory=dict)


# The smoke profile's CNN runs (the tests'): a CNN step costs several MLP steps, so the variant attacks fewer
# digits with fewer steps; its training stays the smoke profile's (2 epochs left the CNN at 19 % test accuracy).
# Measured at smoke, one seed: E7:cnn 80 CPU-s with the book's fields, 39 with none, 13-17 with these
CNN_SMOKE = {"n_attack": 20}
E7_CNN_SMOKE = {**CNN_SMOKE, "pgd_steps": 100, "pgd_ladder_steps": 20}

#: {experiment: {variant name: Variant}}
VARIANTS: dict[str, dict[str, Variant]] = {
    "E6": {
        "cnn": Variant("SmallCNN on the digits (5 epochs, 100 attacked digits: a CNN costs more per step)",
                       {"model": "cnn"}, {"epochs": 5, "n_attack": 100}, CNN_SMOKE),
        "fashion": Variant("the MLP on the bundled Fashion-MNIST", {"dataset": "fashion-mnist-bundled"}),
        "cnn-fashion": Variant("SmallCNN on the bundled Fashion-MNIST (as E6:cnn)",
                               {"model": "cnn", "dataset": "fashion-mnist-bundled"}, {"epochs": 5, "n_attack": 100},
                               CNN_SMOKE),
    },
    "E7": {
        # the CNN variants train E6's CNN of the same seed (the same recipe fields: `_trained` shares it)
        "cnn": Variant("SmallCNN on the digits (as E6:cnn: 5 epochs, 100 attacked digits)",
                       {"model": "cnn"}, {"epochs": 5, "n_attack": 100}, E7_CNN_SMOKE),
        "fashion": Variant("the MLP on the bundled Fashion-MNIST", {"dataset": "fashion-mnist-bundled"}),
        "cnn-fashion": Variant("SmallCNN on the bundled Fashion-MNIST (as E6:cnn-fashion)",
                               {"model": "cnn", "dataset": "fashion-mnist-bundled"}, {"epochs": 5, "n_attack": 100},
                               E7_CNN_SMOKE),
    },
    "E9i": {
        # E9i's own 10 epochs: measured at seed 0, 5 epochs of adversarial training leave the CNN underfit
        # (accuracy cost 0.24 against 0.10, d_off ratio 1.02 against 1.69). lr 0.01 (the book profile's own) at
        # every profile: at the smoke profile's 0.05 the CNN's adversarial training can collapse (seed 1 classified
        # no test digit correctly)
        "cnn": Variant("SmallCNN on the digits (E9i's recipe: 10 epochs on 2,000 digits, lr 0.01)",
                       {"model": "cnn", "lr": 0.01}, {}, {"n_attack": 20, "n_robust": 100}),
    },
}

SEP = ":"  #: between experiment and variant in a run key


def parse_key(key: str) -> tuple[str, str | None]:
    """(experiment, variant or None) of a run key "E6" or "E6:cnn"; ValueError for an unknown variant."""
    experiment, _, variant = key.partition(SEP)
    if not variant:
        return experiment, None
    known = VARIANTS.get(experiment, {})
    if variant not in known:
        raise ValueError(f"run key {key!r}: {experiment} has no variant {variant!r}; "
                         f"its variants: {sorted(known) or 'none'}")
    return experiment, variant


def run_key(experiment: str, variant: str | None = None) -> str:
    """The run key of an experiment's variant ("E6", "cnn" -> "E6:cnn"; no variant -> "E6")."""
    return experiment if variant is None else f"{experiment}{SEP}{variant}"


def overrides(key: str, profile: str) -> dict:
    """The config fields the run key changes at `profile` (empty for a plain experiment)."""
    experiment, variant = parse_key(key)
    if variant is None:
        return {}
    check_choice("profile", profile, ("smoke", "book", "full"))
    v = VARIANTS[experiment][variant]
    return {**v.changes, **{"book": v.book, "smoke": v.smoke}.get(profile, {})}


def run_args(key: str, profile: str) -> tuple[str, dict]:
    """(experiment id, config overrides) that `run_cached(experiment, profile, seed, **overrides)` takes for
    the run key at `profile`."""
    return parse_key(key)[0], overrides(key, profile)


def set_options(key: str, profile: str) -> str:
    """The `--set KEY=VALUE` options that give the run key's config on the command line ("" for none)."""
    return "".join(f" --set {k}={v}" for k, v in overrides(key, profile).items())


def anchor(key: str) -> str:
    """The key's section anchor in the reproducibility appendix: "e6", "e6-cnn"."""
    return key.lower().replace(SEP, "-")
