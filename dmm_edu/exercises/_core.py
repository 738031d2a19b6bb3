"""The machinery of an exercise check: the result a reader sees, the feedback a test raises, safe calls.

An exercise test calls the reader's function on randomized inputs (drawn from an explicit
np.random.Generator) and compares the output with what the math requires. When the output is
wrong it raises `Feedback` with a message that says what is off ("your value exceeds 1 for …"),
not what the answer is. `dmm_edu.exercises.check` turns that into a `CheckResult`.
Book pages: "Data manifolds and tangent spaces", "Why perturbations are tiny and look like noise",
"On- vs off-manifold perturbations", "Dimpling in high dimension", "Adversarial training deepens
dimples", "Training on mislabeled adversarial examples" (their exercises).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ATOL = 1e-8  #: absolute tolerance of exact answers (float64 arithmetic, no iteration)


class Feedback(Exception):
    """Raised by an exercise test: the reader's function gave a wrong answer; the message says what is off."""


class NotImplementedYet(Feedback):
    """The reader's function still raises NotImplementedError (the starter stub)."""


@dataclass(frozen=True)
class CheckResult:
    """What `check` returns: `passed`, the exercise id, and a message to print.

    `print(result)` shows a one-line verdict and the message; in a notebook the result displays the
    same way. `bool(result)` is `result.passed`.
    """

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "PASSED" if self.passed else "NOT YET"
        return f"[{mark}] {self.exercise}: {self.message}"

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython / Jupyter display
        printer.text(str(self))


@dataclass(frozen=True)
class Exercise:
    """One coding exercise: its id ("ch-on-off.ex1"), a title, the signature the reader writes,
    a starter stub (source code), the reference solution and the randomized test.

    test(fn, rng) raises Feedback when fn is wrong and returns a success note otherwise.
    """

    id: str
    title: str
    signature: str
    starter: str
    reference: Callable
    test: Callable[[Callable, np.random.Generator], str]


def call(fn: Callable, *args, where: str):
    """fn(*args), turning any exception into Feedback that names the input (`where`)."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise NotImplementedYet(f"{_name(fn)} still raises NotImplementedError: replace the stub's body with "
                                "your code") from None
    except Exception as err:  # the reader's bug, reported with the input that triggered it
        raise Feedback(f"{_name(fn)} raised {type(err).__name__}: {err} (called {where})") from None


def _name(fn: Callable) -> str:
    return f"your function `{getattr(fn, '__name__', 'fn')}`"


def as_scalar(value, what: str) -> float:
    """A returned value that must be one real number; Feedback if it is an array, None or not finite."""
    arr = np.asarray(value) if value is not None else None
    if arr is None or arr.dtype == object or arr.size != 1 or not np.issubdtype(arr.dtype, np.number):
        shape = "None" if arr is None else f"{type(value).__name__} of shape {np.shape(value)}"
        raise Feedback(f"{what} should be one number (a float); got {shape}")
    v = float(arr.reshape(()))
    if not np.isfinite(v):
        raise Feedback(f"{what} is {v}: check for a division by zero or a log/sqrt of a negative number")
    return v


def as_array(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A returned value that must be a float array of `shape`; Feedback naming the shape otherwise."""
    if value is None:
        raise Feedback(f"{what} is None: did you forget `return`?")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Feedback(f"{what} should be a float array of shape {shape}; got {type(value).__name__}") from None
    if arr.shape != shape:
        raise Feedback(f"{what} should have shape {shape}; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise Feedback(f"{what} contains NaN or inf: check for a division by zero")
    return arr


def close(a, b, rtol: float = 1e-6, atol: float = ATOL) -> bool:
    """a ≈ b elementwise (relative and absolute tolerance)."""
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def orthonormal_frame(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthonormal frame U (n, k): QR of a Gaussian matrix (uniformly oriented)."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, k)))  # (n, k)
    return Q
