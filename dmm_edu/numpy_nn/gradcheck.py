"""Central-difference gradient checking, with no torch needed.

    ∂f/∂θ_j ≈ (f(θ + h e_j) - f(θ - h e_j)) / 2h        (error O(h²))

Every hand-written backward in the numpy track is compared with this estimate (and, in the
tests, with torch autograd). The comparison uses the relative error of the whole array,
‖a - n‖ / (‖a‖ + ‖n‖), which should be ~1e-7 or below in float64. (An entry-by-entry ratio
would flag entries that are both ~1e-12, where the finite difference is pure round-off.)
Book page: "numpy_nn".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_positive_float


def numerical_gradient(f: Callable[[], float], theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function `f()` that reads the array `theta`.

    `theta` is perturbed in place one entry at a time and restored; returns an array of its shape.
    """
    h = check_positive_float("h", h)
    if not (isinstance(theta, np.ndarray) and theta.flags.c_contiguous and theta.flags.writeable):
        raise ValueError("theta must be a writeable C-contiguous array (the one f reads), not a copy or a "
                         "transposed view: perturbing a copy would leave f unchanged")
    grad = np.zeros(theta.shape, dtype=np.float64)
    flat = theta.reshape(-1)  # a view: writing to it perturbs theta
    g = grad.reshape(-1)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + h
        f_plus = f()
        flat[j] = old - h
        f_minus = f()
        flat[j] = old
        g[j] = (f_plus - f_minus) / (2 * h)  # (f(θ+h e_j) - f(θ-h e_j)) / 2h
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray, tiny: float = 1e-12) -> float:
    """‖a - n‖ / max(‖a‖ + ‖n‖, tiny), norms over all entries."""
    a, n = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic has shape {a.shape} but numeric has shape {n.shape}")
    return float(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), tiny))


@dataclass
class GradCheck:
    """The result of one check: the worst relative error and whether it passed the tolerance."""

    name: str
    error: float
    tol: float

    @property
    def ok(self) -> bool:
        return self.error <= self.tol


def check_gradient(f: Callable[[], float], analytic: np.ndarray, theta: np.ndarray, *, name: str = "theta",
                   h: float = 1e-6, tol: float = 1e-6) -> GradCheck:
    """Compare an analytic gradient of `f` with respect to `theta` with central differences."""
    return GradCheck(name, relative_error(analytic, numerical_gradient(f, theta, h)), tol)


def check_model(model, x, y, loss: str = "cross_entropy", *, h: float = 1e-6, tol: float = 1e-6) -> list[GradCheck]:
    """Check every parameter gradient and the input gradient of a model (use float64).

    Returns one GradCheck per parameter array plus one for ∇_x of the summed loss.
    """
    from dmm_edu.numpy_nn.losses import get_loss

    if model.dtype != np.float64:
        raise ValueError(f"model dtype is {model.dtype.name}; gradient checks need float64")
    loss_fn = get_loss(loss)
    x = np.array(x, dtype=np.float64)  # a private copy we can perturb
    model.loss_and_grads(x, y, loss)
    analytic = [g.copy() for g in model.grads]

    def mean_loss() -> float:
        return loss_fn(model.forward(x), y)[0]

    results = [check_gradient(mean_loss, a, p, name=f"param[{i}]", h=h, tol=tol)
               for i, (a, p) in enumerate(zip(analytic, model.params))]

    def sum_loss() -> float:
        return loss_fn(model.forward(x), y, reduction="sum")[0]

    results.append(check_gradient(sum_loss, model.input_grad(x, y, loss), x, name="x", h=h, tol=tol))
    return results
