"""A classifier seen through its score s(x): the decision boundary is the level set s = 0.

Every boundary measurement of the book (crossings, the height field of the sheet, margins, the
angle between boundary and manifold) needs only one number per input: a binary model with one
logit f has s = f, a model with two logits z_0, z_1 has s = z_1 - z_0. Positive s means class 1.
The gradient ∇s is normal to the boundary. Book page: "Clinging and dimpling on a toy".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dmm_edu._checks import check_array

Score = Callable[[np.ndarray], np.ndarray]  # X (M, n) -> s (M,)
ScoreGrad = Callable[[np.ndarray], np.ndarray]  # X (M, n) -> ∇s (M, n)


def _is_model(obj) -> bool:
    return hasattr(obj, "n_outputs") and hasattr(obj, "forward")


def _check_binary(model) -> int:
    C = int(model.n_outputs)
    if C not in (1, 2):
        raise ValueError(
            f"model has n_outputs={C}; a boundary score needs a binary classifier with 1 logit (s = f) "
            f"or 2 logits (s = z_1 - z_0)"
        )
    return C


def score_function(model) -> Score:
    """The score s: X (M, n) -> (M,) of a binary numpy MLP (or anything with forward / n_outputs).

    One logit:  s(x) = f(x).            Two logits:  s(x) = z_1(x) - z_0(x).
    s > 0 means class 1, s < 0 class 0, and {s = 0} is the decision boundary.
    """
    if not _is_model(model):
        raise TypeError(f"model must have `forward` and `n_outputs` (e.g. a dmm_edu MLP); got {type(model).__name__}")
    C = _check_binary(model)

    def score(X: np.ndarray) -> np.ndarray:
        z = model.forward(X)  # (M, C)
        return z[:, 0] if C == 1 else z[:, 1] - z[:, 0]  # (M,): s = f  or  s = z_1 - z_0

    return score


def score_gradient(model) -> ScoreGrad:
    """∇s: X (M, n) -> (M, n), the input gradient of `score_function(model)`.

    One backward pass with dL/dz = e_0 (one logit) or e_1 - e_0 (two logits): backprop is linear
    in dL/dz, so this gives ∇f or ∇z_1 - ∇z_0 directly.
    """
    if not _is_model(model) or not hasattr(model, "backward"):
        raise TypeError(
            f"model must have `forward`, `backward` and `n_outputs` (e.g. a dmm_edu MLP); got {type(model).__name__}"
        )
    C = _check_binary(model)
    dz_row = np.array([1.0]) if C == 1 else np.array([-1.0, 1.0])  # (C,): ds/dz

    def grad(X: np.ndarray) -> np.ndarray:
        z = model.forward(X)  # (M, C), caches the forward pass
        dz = np.broadcast_to(dz_row.astype(z.dtype), z.shape).copy()  # (M, C)
        return model.backward(dz, param_grads=False, need_dL_dx=True)  # (M, n): ∇s

    return grad


def as_score(score) -> Score:
    """Accept a score callable X (M, n) -> (M,), or a binary model (adapted by `score_function`)."""
    if _is_model(score):
        return score_function(score)
    if not callable(score):
        raise TypeError(f"score must be a callable X (M, n) -> (M,) or a binary model; got {type(score).__name__}")
    return score


def as_score_gradient(grad) -> ScoreGrad:
    """Accept a gradient callable X (M, n) -> (M, n), or a binary model (adapted by `score_gradient`)."""
    if _is_model(grad):
        return score_gradient(grad)
    if not callable(grad):
        raise TypeError(f"grad must be a callable X (M, n) -> (M, n) or a binary model; got {type(grad).__name__}")
    return grad


BATCH_SIZE = 512
"""Points per call of a score by default. Small on purpose: a network's hidden activations for a
chunk are then arrays of a few hundred kB, which stay in the CPU cache and reuse memory the process
already has. Chunks of 65536 points (tens of MB per array) measured 5-20x slower: each fresh array
costs a page fault per 4 kB. The rows are independent, so the chunk size does not change s(X)."""


def evaluate(score: Score, X: np.ndarray, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """s(X) in chunks of `batch_size` rows, checking that each call returns finite (M,) values."""
    M = X.shape[0]
    out = np.empty(M, dtype=np.float64)  # (M,)
    for a in range(0, M, batch_size):
        Xb = X[a : a + batch_size]  # (B, n)
        s = np.asarray(score(Xb))
        if s.shape != (Xb.shape[0],):
            raise ValueError(
                f"score returned shape {s.shape} for input of shape {Xb.shape}; expected ({Xb.shape[0]},). "
                "For a model with logits use score_function(model)"
            )
        if not np.all(np.isfinite(s)):
            raise ValueError("score returned NaN or inf; has the model diverged?")
        out[a : a + batch_size] = s
    return out


def evaluate_gradient(grad: ScoreGrad, X: np.ndarray) -> np.ndarray:
    """∇s(X): (M, n), checking the shape returned by `grad`."""
    g = check_array("grad(X)", grad(X), finite=False)
    if g.shape != X.shape:
        raise ValueError(f"grad returned shape {g.shape} for input of shape {X.shape}; expected {X.shape}")
    return g
