"""Losses on logits, each returning the loss and its gradient with respect to the logits.

Softmax cross-entropy for C classes, the binary logistic loss on one logit, and the logit-margin
loss that attacks use. Book page: "numpy_nn". Notation: logits z are (N, C) (or (N, 1) /
(N,) for the binary loss), labels y are (N,) integers, s = 2y - 1 ∈ {-1, +1} for binary labels.
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_array, check_choice, check_labels


def _reduce(per_sample, reduction):
    """Mean or sum over the batch; returns the loss and the factor on each sample's gradient."""
    n = per_sample.shape[0]
    if reduction == "mean":
        return float(per_sample.mean()), 1.0 / n
    return float(per_sample.sum()), 1.0


def _logits_and_labels(logits, y, binary, check=True):
    """Validated logits ((N,) for a binary loss, else (N, C)) and int labels.

    check=False skips validation for callers that already checked both (the training loop's
    inner step, where the checks would cost as much as the loss itself).
    """
    if not check:
        return (logits.reshape(-1) if binary else logits), y
    z = check_array("logits", logits)
    if binary:
        if z.ndim == 2 and z.shape[1] == 1:
            z = z[:, 0]  # (N,)
        if z.ndim != 1:
            raise ValueError(f"logits must have shape (N,) or (N, 1) for a binary loss; got shape {z.shape}")
        return z, check_labels("y", y, 2, n=z.shape[0])
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"logits must have shape (N, C) with C >= 2; got shape {z.shape}")
    return z, check_labels("y", y, z.shape[1], n=z.shape[0])


def log_softmax(z):
    """log p_j = z_j - logsumexp(z), stable by subtracting max_j z_j.   z: (N, C) -> (N, C)."""
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits, y, reduction: str = "mean", *, check: bool = True):
    """L_i = -log softmax(z_i)_{y_i};   dL_i/dz_i = softmax(z_i) - onehot(y_i).

    logits: (N, C), y: (N,) -> (loss: float, dL_dz: (N, C)).
    """
    check_choice("reduction", reduction, ("mean", "sum"))
    z, y = _logits_and_labels(logits, y, binary=False, check=check)
    logp = log_softmax(z)  # (N, C)
    rows = np.arange(z.shape[0])
    loss, scale = _reduce(-logp[rows, y], reduction)
    dL_dz = np.exp(logp)  # softmax, (N, C)
    dL_dz[rows, y] -= 1.0
    return loss, dL_dz * scale


def binary_logistic(logits, y, reduction: str = "mean", *, check: bool = True):
    """L_i = softplus(-s_i f_i) = log(1 + e^(-s_i f_i));   dL_i/df_i = -s_i σ(-s_i f_i).

    The binary cross-entropy computed from one logit f (what torch calls BCEWithLogits).
    logits: (N,) or (N, 1), y: (N,) in {0, 1} -> (loss: float, dL_df with the shape of logits).
    """
    check_choice("reduction", reduction, ("mean", "sum"))
    shape = np.shape(logits)
    f, y = _logits_and_labels(logits, y, binary=True, check=check)
    s = 2.0 * y - 1.0  # (N,) labels as ±1
    m = s * f  # (N,) signed margin
    loss, scale = _reduce(np.logaddexp(0, -m), reduction)
    dL_df = -s * 0.5 * (1 + np.tanh(-0.5 * m))  # -s σ(-m)
    return loss, (dL_df * scale).astype(f.dtype, copy=False).reshape(shape)


def logit_margin(logits, y):
    """The margin of each sample: m_i = z_{i,y_i} - max_{j≠y_i} z_{i,j} (binary: m_i = s_i f_i).

    Positive means correctly classified; the decision boundary is where m = 0.
    logits: (N, C) or binary (N,) / (N, 1), y: (N,) -> (N,).
    """
    z = np.asarray(logits)
    if z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1):
        f, y = _logits_and_labels(logits, y, binary=True)
        return (2.0 * y - 1.0) * f
    z, y = _logits_and_labels(logits, y, binary=False)
    rows = np.arange(z.shape[0])
    others = z.copy()
    others[rows, y] = -np.inf
    return z[rows, y] - others.max(axis=1)


def logit_margin_loss(logits, y, reduction: str = "mean", *, check: bool = True):
    """L_i = -m_i = max_{j≠y_i} z_{i,j} - z_{i,y_i} (the Carlini-Wagner margin, unclipped).

    dL_i/dz_{i,j*} = +1 for the strongest other class j*, -1 for y_i (binary: -s_i).
    """
    check_choice("reduction", reduction, ("mean", "sum"))
    z = np.asarray(logits)
    if z.ndim == 1 or (z.ndim == 2 and z.shape[1] == 1):
        f, yy = _logits_and_labels(logits, y, binary=True, check=check)
        s = 2.0 * yy - 1.0
        loss, scale = _reduce(-s * f, reduction)
        return loss, (-s * scale).astype(f.dtype).reshape(z.shape)
    z, y = _logits_and_labels(logits, y, binary=False, check=check)
    rows = np.arange(z.shape[0])
    others = z.copy()
    others[rows, y] = -np.inf
    j_star = others.argmax(axis=1)  # (N,)
    loss, scale = _reduce(others[rows, j_star] - z[rows, y], reduction)
    dL_dz = np.zeros_like(z)  # (N, C)
    dL_dz[rows, j_star] = scale
    dL_dz[rows, y] = -scale
    return loss, dL_dz


LOSSES = {
    "cross_entropy": softmax_cross_entropy,
    "binary_logistic": binary_logistic,
    "logit_margin": logit_margin_loss,
}


def get_loss(name: str):
    """The loss function registered under `name` (one of LOSSES)."""
    return LOSSES[check_choice("loss", name, LOSSES)]
