"""A data world: points on a known manifold, its exact tangent projector and a label oracle.

Every synthetic data set of the book is a `World`. Knowing the manifold exactly lets the book
split a perturbation into on- and off-manifold parts without estimating a tangent, and ask an
oracle whether a perturbation changed the true class. Book page: "Data manifolds and tangent spaces".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_labels
from dmm_edu.manifold.projectors import Projector


@dataclass(frozen=True, eq=False)
class World:
    """A labelled data set on a known manifold.

    name: registry name of the world.
    x: (N, n) float training inputs, on the manifold.   y: (N,) int training labels.
    x_test: (M, n) float, y_test: (M,) int; (0, n) and (0,) for toys with training points only.
    n_classes: number of classes C; labels are 0..C-1.
    k: manifold dimension.
    projector: exact tangent projector of the manifold (pointwise for curved worlds).
    oracle: true label of any point, x: (M, n) -> (M,) int (project onto the manifold, apply the rule).
    description: one sentence for printing.
    coords: optional x: (M, n) -> manifold coordinates z: (M, k) (None where no global chart is given).
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    k: int
    projector: Projector
    oracle: Callable[[np.ndarray], np.ndarray]
    description: str = ""
    coords: Callable[[np.ndarray], np.ndarray] | None = None

    def __post_init__(self) -> None:
        x = check_array("x", self.x, ndim=2).copy()  # (N, n), own copy: it is made read-only below
        n = x.shape[1]
        x_test = check_array("x_test", self.x_test, shape=(None, n)).copy()  # (M, n)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "x_test", x_test)
        object.__setattr__(self, "y", check_labels("y", self.y, self.n_classes, n=x.shape[0]).copy())
        object.__setattr__(self, "y_test", check_labels("y_test", self.y_test, self.n_classes, n=x_test.shape[0]).copy())
        if self.projector.n != n or self.projector.k != self.k:
            raise ValueError(
                f"projector has (n, k) = ({self.projector.n}, {self.projector.k}); world has ({n}, {self.k})"
            )
        for arr in (self.x, self.y, self.x_test, self.y_test):
            arr.flags.writeable = False  # a World is frozen: its data too

    @property
    def n(self) -> int:
        """Ambient dimension n."""
        return self.x.shape[1]

    def _points(self, name: str, x) -> tuple[np.ndarray, bool]:
        arr = check_array(name, x)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.n:
            raise ValueError(
                f"{name} must have shape ({self.n},) or (M, {self.n}) for world '{self.name}'; got {arr.shape}"
            )
        return arr.reshape(-1, self.n), arr.ndim == 1  # (M, n)

    def label(self, x) -> np.ndarray | int:
        """True label of x: (M, n) -> (M,) int, or of x: (n,) -> int (the oracle, with input checks)."""
        x2, single = self._points("x", x)  # (M, n)
        y = np.asarray(self.oracle(x2), dtype=np.int64)  # (M,)
        return int(y[0]) if single else y

    def project_tangent(self, d, x=None) -> np.ndarray:
        """P_T d; d: (n,) or (M, n); x: base points, needed for curved worlds."""
        return self.projector.tangent(d, x)

    def project_normal(self, d, x=None) -> np.ndarray:
        """P_N d = d - P_T d; d: (n,) or (M, n); x: base points, needed for curved worlds."""
        return self.projector.normal(d, x)

    def manifold_coords(self, x) -> np.ndarray:
        """Manifold coordinates z: (M, k) of x: (M, n) (of its projection onto the manifold)."""
        if self.coords is None:
            raise NotImplementedError(f"world '{self.name}' has no global manifold coordinates")
        x2, single = self._points("x", x)  # (M, n)
        z = self.coords(x2)  # (M, k)
        return z[0] if single else z

    def __repr__(self) -> str:
        return (f"World(name={self.name!r}, n={self.n}, k={self.k}, n_classes={self.n_classes}, "
                f"train={len(self.x)}, test={len(self.x_test)})")
