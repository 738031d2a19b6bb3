"""Adversarial attacks on the numpy track; every attack returns an AttackResult.

- `fgsm`: one signed (L∞) or normalised (L2) gradient step of size eps.
- `pgd`: projected gradient descent in the L∞ or L2 eps-ball, optionally from a random start,
  targeted, inside a box, or (L2) restricted to the tangent or normal space of the data manifold.
- `deepfool`: the minimal L2 perturbation to the boundary, free or restricted to the tangent or
  normal space.
"""

from dmm_edu.attacks.deepfool import deepfool
from dmm_edu.attacks.fgsm import fgsm
from dmm_edu.attacks.pgd import pgd
from dmm_edu.attacks.result import AttackResult

__all__ = ["AttackResult", "deepfool", "fgsm", "pgd"]
