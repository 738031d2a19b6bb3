"""Adversarial attacks. The numpy track has DeepFool (minimal L2, free or restricted to the
tangent or normal space of the data manifold); every attack returns an AttackResult."""

from dmm_edu.attacks.deepfool import deepfool
from dmm_edu.attacks.result import AttackResult

__all__ = ["AttackResult", "deepfool"]
