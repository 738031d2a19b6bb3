"""The new labels of a mislabeled training set, shared by E10, E11 and E12.

Ilyas et al. (2019) relabel every training point x (label y) with a target class t and push x
towards t; two rules make t. D_rand draws t uniformly over ALL C classes, so t is independent of y
(drawing t ≠ y instead would make the labels anti-informative: "not y" is information about y);
D_det sets t = (y + 1) mod C, so every new label is wrong. numpy only: the subspace world (E11)
uses it as well as the image experiments (E10, E12).
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_choice

TARGETS = ("rand", "det")


# --8<-- [start:new_targets]
def new_targets(y: np.ndarray, n_classes: int, rule: str, rng: np.random.Generator) -> np.ndarray:
    """Target labels t: (N,) for labels y: (N,). "rand": t ~ U{0..C-1}, drawn over ALL classes, so t is
    independent of y (excluding y would make t anti-informative); "det": t = (y + 1) mod C."""
    rule = check_choice("targets", rule, TARGETS)
    if rule == "rand":
        return rng.integers(0, n_classes, size=len(y))  # (N,)
    return (y + 1) % n_classes  # (N,)
# --8<-- [end:new_targets]
