"""What every attack returns: the adversarial points and, per sample, whether and how it worked.

Reproductions of the paper went wrong by averaging norms over failed attacks; an AttackResult
keeps success per sample so summaries can be taken over the successful ones only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class AttackResult:
    """The outcome of an attack on N inputs of dimension n.

    x_adv: (N, n) adversarial points; delta: (N, n) = x_adv - x; success: (N,) bool, the
    prediction at x_adv differs from the label (or equals the target, for targeted attacks);
    norm: (N,) ‖delta‖ in the attack's norm; steps: (N,) iterations each sample used.
    """

    x_adv: np.ndarray
    delta: np.ndarray
    success: np.ndarray
    norm: np.ndarray
    steps: np.ndarray

    @property
    def success_rate(self) -> float:
        return float(np.mean(self.success)) if self.success.size else float("nan")

    def median_norm(self) -> float:
        """Median ‖delta‖ over the successful samples (NaN if none succeeded)."""
        ok = self.norm[self.success]
        return float(np.median(ok)) if ok.size else float("nan")
