"""A multilayer perceptron built from the numpy layers, with gradients for training and attacks.

`MLP([n, 256, 256, C], c=1.41)` stacks Linear → activation → … → Linear. Its weights start as
W ~ N(0, c²/fan_in) (or torch's default U(±c/√fan_in) with `init="uniform"`): the init scale c is
one of the knobs that decides whether the trained boundary clings to the data manifold. Besides
parameter gradients it gives gradients with respect to the *input*, of the loss and of any logit,
which is what the attacks and the boundary measurements need. Book page: "numpy_nn".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from dmm_edu._checks import (
    check_array,
    check_choice,
    check_dtype,
    check_finite_float,
    check_labels,
    check_positive_float,
    check_positive_int,
    check_rng,
)
from dmm_edu.numpy_nn.layers import ACTIVATIONS, Activation, Linear
from dmm_edu.numpy_nn.losses import get_loss

FORMAT = "dmm_edu.numpy_nn.MLP/1"
INITS = ("normal", "uniform")


class MLP:
    """A fully connected network: sizes [D_0, D_1, …, D_L], activation between the Linear layers.

    Args:
        sizes: layer widths, input first, number of logits last (1 for a binary classifier).
        activation: "relu", "tanh", "sigmoid" or "softplus".
        c: init scale; W ~ N(0, c²/fan_in) ("normal") or U(±c/√fan_in) ("uniform").
        rng: the generator that draws the initial weights.
        init: "normal" (biases zero unless `bias` is given) or "uniform" (torch's nn.Linear
            default when c = 1: weights and biases both U(±c/√fan_in)).
        bias: initial bias value for every layer with init="normal" (default 0).
        dtype: float64 (default, for gradient checks and geometry) or float32.
    """

    def __init__(self, sizes, activation: str = "relu", c: float = 1.0, *, rng: np.random.Generator,
                 init: str = "normal", bias: float = 0.0, dtype=np.float64):
        if not isinstance(sizes, (list, tuple)) or len(sizes) < 2:
            raise ValueError(f"sizes={sizes!r} is not accepted; expected a list of at least 2 layer widths")
        self.sizes = [check_positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.c = check_positive_float("c", c)
        self.init = check_choice("init", init, INITS)
        self.dtype = check_dtype("dtype", dtype)
        check_rng("rng", rng)
        bias = check_finite_float("bias", bias)

        self.layers: list = []
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            if init == "normal":
                W = rng.normal(0.0, self.c / np.sqrt(fan_in), size=(fan_in, fan_out))  # N(0, c²/fan_in)
                b = np.full(fan_out, bias)
            else:
                bound = self.c / np.sqrt(fan_in)  # U(±c/√fan_in)
                W = rng.uniform(-bound, bound, size=(fan_in, fan_out))
                b = rng.uniform(-bound, bound, size=fan_out)
            self.layers.append(Linear(W.astype(self.dtype), b.astype(self.dtype)))
            if i < len(self.sizes) - 2:
                self.layers.append(Activation(self.activation))

    # ------------------------------------------------------------ structure

    @property
    def linears(self) -> list[Linear]:
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    @property
    def params(self) -> list[np.ndarray]:
        """The parameter arrays [W_1, b_1, …, W_L, b_L]; optimisers update them in place."""
        return [p for layer in self.linears for p in layer.params]

    @property
    def grads(self) -> list[np.ndarray]:
        """Gradients of the last `backward`, aligned with `params`."""
        return [g for layer in self.linears for g in layer.grads]

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    def __repr__(self) -> str:
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, c={self.c}, "
                f"init={self.init!r}, dtype={self.dtype.name})")

    # ------------------------------------------------------------ forward and backward

    def _input(self, x) -> np.ndarray:
        return check_array("x", x, shape=(None, self.n_inputs), dtype=self.dtype)

    def forward(self, x) -> np.ndarray:
        """Logits z = f(x) for a batch, caching what `backward` needs.   x: (N, D_0) -> (N, D_L)."""
        return self._forward(self._input(x))

    def _forward(self, h: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            h = layer.forward(h)
        return h

    __call__ = forward

    def predict(self, x) -> np.ndarray:
        """Predicted classes (N,): argmax of the logits, or f > 0 for a single logit."""
        z = self.forward(x)
        return (z[:, 0] > 0).astype(np.int64) if self.n_outputs == 1 else z.argmax(axis=1)

    def backward(self, dL_dz: np.ndarray, param_grads: bool = True, need_dL_dx: bool = False):
        """Back-propagate dL/dz (N, D_L) through the cached forward pass.

        Fills `grads` when `param_grads`; returns dL/dx (N, D_0) when `need_dL_dx`, else None.
        """
        g = dL_dz
        for i in range(len(self.layers) - 1, -1, -1):
            need = need_dL_dx or i > 0
            g = self.layers[i].backward(g, need_dL_dx=need, param_grads=param_grads)
        return g

    def loss_and_grads(self, x, y, loss: str = "cross_entropy") -> float:
        """Forward, loss (mean over the batch) and backward; fills `grads`, returns the loss."""
        loss_fn = self.loss_function(loss)
        x = self._input(x)
        y = check_labels("y", y, max(2, self.n_outputs), n=x.shape[0])
        return self._loss_and_grads(x, y, loss_fn)

    def loss_function(self, loss: str):
        """The loss `loss` after checking that it fits this network's number of outputs."""
        fn = get_loss(loss)
        if loss == "cross_entropy" and self.n_outputs < 2:
            raise ValueError("loss='cross_entropy' needs a network with >= 2 outputs; this one has 1 "
                             "(use loss='binary_logistic')")
        if loss == "binary_logistic" and self.n_outputs != 1:
            raise ValueError(f"loss='binary_logistic' needs a network with 1 output; this one has "
                             f"{self.n_outputs} (use loss='cross_entropy')")
        return fn

    def _loss_and_grads(self, x: np.ndarray, y: np.ndarray, loss_fn) -> float:
        """`loss_and_grads` for inputs and labels already checked (the training loop's inner step)."""
        value, dL_dz = loss_fn(self._forward(x), y, check=False)
        if not np.isfinite(value):  # NaN or inf logits make the loss NaN or inf too
            raise FloatingPointError(f"the loss became {value}: the weights have diverged")
        self.backward(dL_dz)
        return value

    # ------------------------------------------------------------ input gradients (for attacks)

    def input_grad(self, x, y, loss: str = "cross_entropy") -> np.ndarray:
        """∇_x ℓ(f(x_i), y_i) for each sample (per-sample loss, not the batch mean).  -> (N, D_0)."""
        z = self.forward(x)
        _, dL_dz = get_loss(loss)(z, y, reduction="sum")
        return self.backward(dL_dz, param_grads=False, need_dL_dx=True)

    def logit_grad(self, x, k) -> np.ndarray:
        """∇_x f_k(x_i): the gradient of logit k_i at each x_i.  k: int or (N,) ints -> (N, D_0)."""
        z = self.forward(x)
        k = np.asarray(k)
        if k.shape not in ((), (z.shape[0],)):
            raise ValueError(f"k must be one class index or one per input row ({z.shape[0]}); got shape {k.shape}")
        k = np.broadcast_to(k, (z.shape[0],))
        if k.dtype.kind not in "iu" or k.min() < 0 or k.max() >= self.n_outputs:
            raise ValueError(f"k={k!r} is not accepted; expected class indices in 0..{self.n_outputs - 1}")
        dz = np.zeros_like(z)  # (N, D_L): one-hot on the chosen logit
        dz[np.arange(z.shape[0]), k] = 1.0
        return self.backward(dz, param_grads=False, need_dL_dx=True)

    def input_jacobian(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Logits z (N, C) and the Jacobian J[i, j] = ∇_x f_j(x_i), shape (N, C, D_0).

        One backward pass per logit through a single cached forward pass.
        """
        z = self.forward(x)
        N, C = z.shape
        J = np.empty((N, C, self.n_inputs), dtype=self.dtype)  # (N, C, D_0)
        for j in range(C):
            dz = np.zeros_like(z)
            dz[:, j] = 1.0
            J[:, j] = self.backward(dz, param_grads=False, need_dL_dx=True)
        return z, J

    # ------------------------------------------------------------ save and load

    def save(self, path) -> Path:
        """Write the architecture and weights to an `.npz` file (atomically: no half-written file)."""
        path = Path(path)
        if path.suffix != ".npz":
            raise ValueError(f"path={str(path)!r} is not accepted; expected a file name ending in .npz")
        meta = {"format": FORMAT, "sizes": self.sizes, "activation": self.activation, "c": self.c,
                "init": self.init, "dtype": self.dtype.name}
        arrays = {f"p{i}": p for i, p in enumerate(self.params)}
        tmp = path.with_name(path.name + ".part")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, meta=np.array(json.dumps(meta)), **arrays)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path) -> "MLP":
        """Read a network written by `save`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"path={str(path)!r}: no such file")
        with np.load(path, allow_pickle=False) as data:
            try:
                meta = json.loads(str(data["meta"]))
                arrays = [data[f"p{i}"] for i in range(2 * (len(meta["sizes"]) - 1))]
            except (KeyError, ValueError) as exc:
                raise ValueError(f"path={str(path)!r} is not an MLP saved by dmm_edu ({exc})") from exc
        if meta.get("format") != FORMAT:
            raise ValueError(f"path={str(path)!r} has format {meta.get('format')!r}; expected {FORMAT!r}")
        model = cls(meta["sizes"], meta["activation"], meta["c"], rng=np.random.default_rng(0),
                    init=meta["init"], dtype=meta["dtype"])
        for p, a in zip(model.params, arrays):
            if p.shape != a.shape:
                raise ValueError(f"path={str(path)!r}: parameter of shape {a.shape} where {p.shape} was expected")
            p[...] = a
        return model
