"""Optimisers: stochastic gradient descent (with momentum and weight decay) and Adam.

Both follow torch's update rules exactly, so a numpy run and a torch run from the same weights
take the same steps. They update the parameter arrays in place. The init scale, the optimiser and
weight decay decide which geometric regime training ends in. Book pages: "numpy_nn", "Critiques and
open questions" (the regime depends on the training recipe).
"""

from __future__ import annotations

import numpy as np

from dmm_edu._checks import check_choice, check_float_range, check_positive_float


class Optimizer:
    """Holds references to parameter arrays and their gradient arrays; `step()` updates in place."""

    def __init__(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float, weight_decay: float):
        if len(params) != len(grads) or any(p.shape != g.shape for p, g in zip(params, grads)):
            raise ValueError("params and grads must be lists of arrays with matching shapes")
        self.params, self.grads = params, grads
        self.lr = check_positive_float("lr", lr)
        self.weight_decay = check_positive_float("weight_decay", weight_decay, allow_zero=True)
        self.t = 0  # steps taken

    def step(self) -> None:
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, self.grads)):
            if self.weight_decay:
                g = g + self.weight_decay * p  # L2 penalty: ∇(λ/2 ‖θ‖²) = λθ
            self._update(i, p, g)

    def _update(self, i: int, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """θ ← θ - lr·v,   v ← μ v + g   (plain gradient descent when μ = 0; torch's convention)."""

    def __init__(self, params, grads, lr: float = 0.05, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, grads, lr, weight_decay)
        self.momentum = check_float_range("momentum", momentum, 0.0, 0.999999)
        self.v = [np.zeros_like(p) for p in params] if self.momentum else None

    def _update(self, i, p, g):
        if self.momentum:
            v = self.v[i]
            if self.t == 1:
                v[...] = g  # torch starts the buffer at the first gradient
            else:
                v *= self.momentum
                v += g
            g = v
        p -= self.lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015):  m ← β₁m + (1-β₁)g,  v ← β₂v + (1-β₂)g²,
    θ ← θ - lr · m̂ / (√v̂ + ε)  with the bias corrections m̂ = m/(1-β₁ᵗ), v̂ = v/(1-β₂ᵗ)."""

    def __init__(self, params, grads, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, grads, lr, weight_decay)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"betas={betas!r} is not accepted; expected a pair (beta1, beta2) in [0, 1)")
        self.beta1 = check_float_range("betas[0]", betas[0], 0.0, 0.999999)
        self.beta2 = check_float_range("betas[1]", betas[1], 0.0, 0.999999)
        self.eps = check_positive_float("eps", eps)
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def _update(self, i, p, g):
        m, v = self.m[i], self.v[i]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, model, **kwargs) -> Optimizer:
    """Build the optimiser `name` ("sgd" or "adam") over a model's parameters and gradients."""
    cls = OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)]
    return cls(model.params, model.grads, **kwargs)
