"""What every attack returns: the adversarial points and, per sample, whether and how it worked.

Reproductions of the paper went wrong by averaging norms over failed attacks; an AttackResult
keeps success per sample so summaries can be taken over the successful ones only. The numpy
track fills it with numpy arrays, the torch track with tensors on the input's device;
`AttackResult.numpy()` turns either into numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np


def to_numpy(a: Any) -> Any:
    """A numpy array from a numpy array or a torch tensor (detached, on the CPU); None stays None."""
    if a is None or isinstance(a, np.ndarray):
        return a
    if hasattr(a, "detach"):
        return a.detach().cpu().numpy()
    return np.asarray(a)


@dataclass
class AttackResult:
    """The outcome of an attack on N inputs.

    x_adv: (N, *shape) adversarial points; delta: (N, *shape) = x_adv - x; success: (N,) bool,
    the prediction at x_adv differs from the label (or equals the target, for targeted attacks);
    norm: (N,) ‖delta‖ in the attack's norm (over all non-batch dimensions); steps: (N,)
    iterations each sample used.

    Optional, filled by the attacks that offer them:
    trajectory: (steps + 1, N, *shape) the iterates x_0 + δ_t, with `record_trajectory=True`
    (for the animations); left_subspace: (N,) bool, for an attack restricted to the tangent or
    normal space, whether the final δ left that subspace (by more than a relative 1e-4) because
    the box clip cut it.
    """

    x_adv: Any
    delta: Any
    success: Any
    norm: Any
    steps: Any
    trajectory: Any = None
    left_subspace: Any = None

    @property
    def success_rate(self) -> float:
        success = to_numpy(self.success)
        return float(np.mean(success)) if success.size else float("nan")

    def median_norm(self) -> float:
        """Median ‖delta‖ over the successful samples (NaN if none succeeded)."""
        ok = to_numpy(self.norm)[to_numpy(self.success)]
        return float(np.median(ok)) if ok.size else float("nan")

    @property
    def left_subspace_rate(self) -> float:
        """Fraction of samples whose δ the box clip pushed out of the attack's subspace (NaN if
        the attack was not restricted)."""
        if self.left_subspace is None:
            return float("nan")
        left = to_numpy(self.left_subspace)
        return float(np.mean(left)) if left.size else float("nan")

    def numpy(self) -> AttackResult:
        """The same result with every field as a numpy array (tensors moved to the CPU)."""
        return AttackResult(**{f.name: to_numpy(getattr(self, f.name)) for f in fields(self)})
