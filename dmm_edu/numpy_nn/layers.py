"""Layers of the from-scratch numpy networks: an affine map and four activations.

Each layer is two pure functions on plain arrays (the forward equation and its backward, the
chain rule written out) plus a thin class that caches the forward input for the backward pass.
Book page: "numpy_nn" (the API reference). Notation: a batch x is (N, D_in); a layer's
output is (N, D_out); `dL_dy` is the gradient of the loss with respect to the layer's output.
"""

from __future__ import annotations

import numpy as np

# ---------------------------------------------------------------- the math, on plain arrays


def linear_forward(x, W, b):
    """y = x W + b.   x: (N, D_in), W: (D_in, D_out), b: (D_out,) -> y: (N, D_out)."""
    return x @ W + b


def linear_backward(dL_dy, x, W, need_dL_dx=True):
    """Chain rule through y = x W + b.

    dL/dW = xᵀ dL/dy  (D_in, D_out);  dL/db = Σ_i dL/dy_i  (D_out,);  dL/dx = dL/dy Wᵀ  (N, D_in).
    `need_dL_dx=False` skips the last product (the first layer during training does not need it).
    """
    dL_dW = x.T @ dL_dy  # (D_in, D_out)
    dL_db = dL_dy.sum(axis=0)  # (D_out,)
    dL_dx = input_backward(dL_dy, W) if need_dL_dx else None  # (N, D_in)
    return dL_dx, dL_dW, dL_db


def input_backward(dL_dy, W):
    """dL/dx = dL/dy Wᵀ: (N, D_out), (D_in, D_out) -> (N, D_in).

    With one output (D_out = 1, a binary classifier's last layer) the product is an outer product
    dL/dx_ij = dL/dy_i W_j, computed as a broadcast: the same numbers (each is one product), about
    four times faster than a matmul of inner size 1.
    """
    return dL_dy * W.T if W.shape[1] == 1 else dL_dy @ W.T


def relu(z):
    """a = max(z, 0)."""
    return np.maximum(z, 0)


def relu_backward(dL_da, z, a):
    """da/dz = 1 where z > 0 else 0 (we take the subgradient 0 at z = 0, as torch does)."""
    return dL_da * (z > 0)


def tanh(z):
    """a = tanh(z)."""
    return np.tanh(z)


def tanh_backward(dL_da, z, a):
    """da/dz = 1 - tanh(z)² = 1 - a²."""
    return dL_da * (1 - a * a)


def sigmoid(z):
    """a = σ(z) = 1 / (1 + e^(-z)), computed as (1 + tanh(z/2)) / 2, which never overflows."""
    return 0.5 * (1 + np.tanh(0.5 * z))


def sigmoid_backward(dL_da, z, a):
    """da/dz = σ(z) (1 - σ(z)) = a (1 - a)."""
    return dL_da * a * (1 - a)


def softplus(z):
    """a = log(1 + e^z), computed as logaddexp(0, z), which never overflows."""
    return np.logaddexp(0, z)


def softplus_backward(dL_da, z, a):
    """da/dz = σ(z)."""
    return dL_da * sigmoid(z)


# name -> (forward, backward); the MLP builder looks activations up here
ACTIVATIONS = {
    "relu": (relu, relu_backward),
    "tanh": (tanh, tanh_backward),
    "sigmoid": (sigmoid, sigmoid_backward),
    "softplus": (softplus, softplus_backward),
}


# ---------------------------------------------------------------- bookkeeping: caches and params


class Linear:
    """An affine layer y = x W + b holding its parameters, their gradients and a forward cache."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.W = W  # (D_in, D_out)
        self.b = b  # (D_out,)
        self.dL_dW = np.zeros_like(W)
        self.dL_db = np.zeros_like(b)
        self._x = None

    @property
    def params(self) -> list[np.ndarray]:
        return [self.W, self.b]

    @property
    def grads(self) -> list[np.ndarray]:
        return [self.dL_dW, self.dL_db]

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._x = x
        return linear_forward(x, self.W, self.b)

    def backward(self, dL_dy: np.ndarray, need_dL_dx: bool = True, param_grads: bool = True):
        if self._x is None:
            raise RuntimeError("Linear.backward called before forward")
        if not param_grads:
            return input_backward(dL_dy, self.W)  # dL/dx only (input gradients for attacks)
        dL_dx, dL_dW, dL_db = linear_backward(dL_dy, self._x, self.W, need_dL_dx)
        self.dL_dW[...] = dL_dW  # written in place: optimisers hold references to these arrays
        self.dL_db[...] = dL_db
        return dL_dx


class Activation:
    """An elementwise activation layer by name ("relu", "tanh", "sigmoid", "softplus")."""

    @property
    def params(self) -> list[np.ndarray]:
        return []  # no parameters

    @property
    def grads(self) -> list[np.ndarray]:
        return []

    def __init__(self, name: str):
        from dmm_edu._checks import check_choice

        self.name = check_choice("activation", name, ACTIVATIONS)
        self._f, self._df = ACTIVATIONS[name]
        self._z = self._a = None

    def forward(self, z: np.ndarray) -> np.ndarray:
        self._z = z
        self._a = self._f(z)
        return self._a

    def backward(self, dL_da: np.ndarray, need_dL_dx: bool = True, param_grads: bool = True):
        if self._z is None:
            raise RuntimeError(f"{self.name}.backward called before forward")
        return self._df(dL_da, self._z, self._a)
