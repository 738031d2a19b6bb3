"""Many small networks trained at once: the gradient descent of `train`, on a stack of networks.

E1 trains a dozen 3→400→1 networks on 64 points for about a hundred thousand full-batch steps
each. One such step is a few small array operations, and most of its time is the cost of calling
them, not the arithmetic. Stacking K networks of one architecture along a leading axis makes each
array (K, …) and each product a batched matmul, so that cost is paid once per step for all K.

Nothing else changes: slice k of every stacked array is the array network k would have alone, and
every line below is the line of `layers`, `losses.binary_logistic` and `optim.SGD` that computes
it, with a leading k. So each network follows the same full-batch gradient descent as
`train(MLP, SGD)` (tests/test_numpy_nn_stacked.py checks it in float64). Each network may have its
own learning rate, weight decay and number of steps; a network whose steps are done leaves the
stack and keeps its weights. Book page: "numpy_nn". Notation as in `layers`, with k the network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from dmm_edu._checks import check_array, check_labels

# ---------------------------------------------------------------- the math, on stacked arrays
# Each function takes an optional `out`: a work array to write the result into (see `StackedMLP`).


def linear_forward(x, W, b, out=None):
    """y_k = x_k W_k + b_k.   x: (K, N, D_in) or one (N, D_in) for all k, W: (K, D_in, D_out),
    b: (K, D_out) -> y: (K, N, D_out)."""
    y = np.matmul(x, W, out=out)  # (K, N, D_out): x_k W_k
    y += b[:, None, :]  # + b_k
    return y


def linear_backward(dL_dy, x, W, need_dL_dx=True, out=None):
    """Chain rule through y_k = x_k W_k + b_k, for every network k at once.

    dL/dW_k = x_kᵀ dL/dy_k  (K, D_in, D_out);  dL/db_k = Σ_i dL/dy_k,i  (K, D_out);
    dL/dx_k = dL/dy_k W_kᵀ  (K, N, D_in). With one output (D_out = 1) that product is an outer
    product, computed as a broadcast (as `layers.input_backward` does).
    """
    dL_dW = x.swapaxes(-1, -2) @ dL_dy  # (K, D_in, D_out)
    dL_db = dL_dy.sum(axis=-2)  # (K, D_out)
    if not need_dL_dx:
        return None, dL_dW, dL_db
    WT = W.swapaxes(-1, -2)  # (K, D_out, D_in)
    if W.shape[-1] == 1:
        dL_dx = np.multiply(dL_dy, WT, out=out)  # (K, N, D_in): dL/dy_k,i W_k,j
    else:
        dL_dx = np.matmul(dL_dy, WT, out=out)  # (K, N, D_in)
    return dL_dx, dL_dW, dL_db


def relu(z, out=None):
    """a = max(z, 0)."""
    return np.maximum(z, 0, out=out)


def relu_backward(dL_da, z, out=None, mask=None):
    """dL/dz = dL/da · [z > 0] (subgradient 0 at z = 0, as `layers.relu_backward`)."""
    return np.multiply(dL_da, np.greater(z, 0, out=mask), out=out)


def binary_logistic_grad(f, s):
    """dL/df of the mean binary cross-entropy L_k = (1/N) Σ_i softplus(-s_i f_k,i), per network.

    dL_k/df_k,i = -s_i σ(-s_i f_k,i) / N, computed as `losses.binary_logistic` does (in the
    precision of s, then cast to that of f).   f: (K, N) logits, s: (N,) labels as ±1 -> (K, N).
    """
    m = s * f  # (K, N) signed margins
    dL_df = -s * 0.5 * (1 + np.tanh(-0.5 * m))  # -s σ(-m)
    return (dL_df * (1.0 / f.shape[-1])).astype(f.dtype, copy=False)


# ---------------------------------------------------------------- bookkeeping: the stack


class StackedMLP:
    """K ReLU networks of the same sizes, weights stacked along a leading axis.

    W[l]: (K, D_l, D_{l+1}) and b[l]: (K, D_{l+1}) hold layer l of every network; row k is network
    k's own `MLP.params`. Build it from MLPs with `from_models` (copies their weights), write a
    network back with `to_model`.

    The hidden layers' arrays (K, N, D) are written into work arrays kept from step to step: a
    fresh array of a few hundred kB costs the operating system a page fault per 4 kB on first
    touch, which for these sizes takes longer than the arithmetic itself.
    """

    def __init__(self, W: Sequence[np.ndarray], b: Sequence[np.ndarray]):
        if len(W) != len(b) or not W:
            raise ValueError(f"W and b must be non-empty lists of equal length; got {len(W)} and {len(b)}")
        self.W, self.b = list(W), list(b)
        self._cache: list = []  # (layer input, pre-activation z) per layer, from `forward`
        self._work: dict = {}  # name -> reused work array

    @classmethod
    def from_models(cls, models: Sequence) -> StackedMLP:
        """Stack ReLU MLPs of equal sizes and dtype (their weights are copied)."""
        models = list(models)
        if not models:
            raise ValueError("models is empty; expected at least one MLP")
        first = models[0]
        for i, m in enumerate(models):
            if m.activation != "relu":
                raise ValueError(f"models[{i}] has activation={m.activation!r}; StackedMLP accepts 'relu' only")
            if (m.sizes, m.dtype) != (first.sizes, first.dtype):
                raise ValueError(f"models[{i}] is {m!r}; every model must match models[0] = {first!r} "
                                 "in sizes and dtype")
        L = len(first.linears)
        W = [np.stack([m.linears[l].W for m in models]) for l in range(L)]  # (K, D_l, D_{l+1}) each
        b = [np.stack([m.linears[l].b for m in models]) for l in range(L)]  # (K, D_{l+1}) each
        return cls(W, b)

    @property
    def K(self) -> int:
        return self.W[0].shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.W[0].dtype

    @property
    def params(self) -> list[np.ndarray]:
        """[W_1, b_1, …, W_L, b_L], each with the leading network axis (MLP.params order)."""
        return [p for Wb in zip(self.W, self.b) for p in Wb]

    def theta(self, k: int) -> np.ndarray:
        """Network k's weights flattened in MLP.params order: (P,)."""
        return np.concatenate([p[k].ravel() for p in self.params])

    def to_model(self, k: int, model):
        """Copy network k's weights into `model` (an MLP of the same sizes); returns the model."""
        for p, q in zip(model.params, self.params):
            p[...] = q[k]
        return model

    def take(self, rows) -> StackedMLP:
        """The networks `rows` (indices or a boolean mask) as a new stack (copies)."""
        return StackedMLP([W[rows].copy() for W in self.W], [b[rows].copy() for b in self.b])

    def put(self, rows, other: StackedMLP) -> None:
        """Write the networks of `other` into rows `rows` of this stack."""
        for p, q in zip(self.params, other.params):
            p[rows] = q

    def _buffer(self, name: str, shape: tuple, dtype=None) -> np.ndarray:
        buf = self._work.get(name)
        if buf is None or buf.shape != shape:
            buf = self._work[name] = np.empty(shape, dtype or self.dtype)
        return buf

    # ------------------------------------------------------------ forward and backward

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits of every network on one batch x: (N, D_0) -> (K, N, D_L), caching for `backward`.

        The hidden activations live in work arrays: the cache is valid until the next `forward`.
        """
        h, self._cache = x, []
        K, N, last = self.K, x.shape[0], len(self.W) - 1
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            shape = (K, N, W.shape[-1])
            z = linear_forward(h, W, b, out=None if l == last else self._buffer(f"z{l}", shape))
            self._cache.append((h, z))
            h = z if l == last else relu(z, out=self._buffer(f"a{l}", shape))  # (K, N, D_{l+1})
        return h

    def backward(self, dL_df: np.ndarray) -> list[np.ndarray]:
        """Back-propagate dL/df (K, N, D_L) through the cached forward; gradients in `params` order."""
        if not self._cache:
            raise RuntimeError("StackedMLP.backward called before forward")
        grads, g = [], dL_df
        for l in range(len(self.W) - 1, -1, -1):
            h, _ = self._cache[l]
            dL_dh, dL_dW, dL_db = linear_backward(g, h, self.W[l], need_dL_dx=l > 0,
                                                   out=self._buffer(f"g{l}", h.shape) if l > 0 else None)
            grads[:0] = [dL_dW, dL_db]
            if l > 0:
                z = self._cache[l - 1][1]  # the pre-activation that made h = relu(z)
                g = relu_backward(dL_dh, z, out=dL_dh, mask=self._buffer(f"m{l}", z.shape, bool))  # dL/dz
        return grads


# ---------------------------------------------------------------- the training loop


@dataclass
class StackedState:
    """What a callback of `train_stacked` sees after a step.

    step: steps taken by every network still training. active: (A,) their indices in the stack.
    logits: (A, N) their f(x_i) at the weights after `step` steps (also the next step's forward).
    end: (K,) network k trains until its step count reaches end[k]; a callback may change it.
    live: the A networks still training (row i is network active[i]).
    """

    step: int
    active: np.ndarray
    logits: np.ndarray
    end: np.ndarray
    live: StackedMLP

    def theta(self, k: int) -> np.ndarray:
        """The current weights of active network k, flattened: (P,)."""
        return self.live.theta(int(np.flatnonzero(self.active == k)[0]))


StackedCallback = Callable[[StackedState], None]


def _per_network(name: str, value, K: int, dtype) -> np.ndarray:
    """A float or one float per network -> (K,) array of `dtype` (the precision `SGD` computes in)."""
    v = np.asarray(value, dtype=np.float64)
    if v.shape not in ((), (K,)) or not np.all(np.isfinite(v)) or np.any(v < 0):
        raise ValueError(f"{name}={value!r} is not accepted; expected a number >= 0 or one per network ({K})")
    return np.broadcast_to(v, (K,)).astype(dtype)


def train_stacked(net: StackedMLP, x, y, *, lr, weight_decay=0.0, steps,
                  callbacks: Iterable[StackedCallback] = ()) -> np.ndarray:
    """Full-batch gradient descent on the mean binary cross-entropy, every network of `net` at once.

    For each network k the same steps as `train(model_k, SGD(lr_k, weight_decay=wd_k), x, y,
    loss="binary_logistic", steps=end_k)`: θ ← θ - lr (∇L(θ) + wd θ). `net` is updated in place.

    Args:
        net: K networks with one output each. x: (N, D_0) inputs, y: (N,) labels in {0, 1},
            shared by all networks.
        lr, weight_decay: one value for all networks or (K,) one each.
        steps: int or (K,) ints: how many steps each network takes (callbacks may change it
            through `state.end`).
        callbacks: called after every step with a `StackedState`; networks with end <= step
            then stop.
    Returns: (K,) the number of steps each network took.
    """
    K = net.K
    if net.W[-1].shape[-1] != 1:
        raise ValueError(f"train_stacked needs networks with 1 output (binary logistic loss); these have "
                         f"{net.W[-1].shape[-1]}")
    x = check_array("x", x, shape=(None, net.W[0].shape[1]), dtype=net.dtype)  # (N, D_0)
    y = check_labels("y", y, 2, n=x.shape[0])  # (N,)
    raw = np.asarray(steps)
    if raw.shape not in ((), (K,)) or raw.dtype.kind not in "iu" or np.any(raw < 1):
        raise ValueError(f"steps={steps!r} is not accepted; expected a whole number >= 1 or one per network ({K})")
    end = np.broadcast_to(raw, (K,)).astype(np.int64)  # (K,) a copy: callbacks may change it
    lr_k = _per_network("lr", lr, K, net.dtype)  # (K,)
    wd_k = _per_network("weight_decay", weight_decay, K, net.dtype)  # (K,)
    if np.any(lr_k == 0):
        raise ValueError(f"lr={lr!r} is not accepted; expected a number > 0 (or one per network)")
    callbacks = list(callbacks)
    s = 2.0 * y - 1.0  # (N,) labels as ±1

    taken = np.zeros(K, dtype=np.int64)  # (K,)
    active = np.arange(K)  # (A,) the networks still training
    live = net.take(active)
    f = live.forward(x)[..., 0]  # (A, N) logits at the current weights
    step = 0
    while active.size:
        # per active set, not per step: each network's lr and weight decay, shaped (A, 1, …) to
        # broadcast over its arrays (a step costs ~0.2 ms, so these small calls add up)
        rates = [(lr_k[active].reshape((-1,) + (1,) * (p.ndim - 1)),
                  wd_k[active].reshape((-1,) + (1,) * (p.ndim - 1))) for p in live.params]
        decay = bool(wd_k[active].any())
        while True:
            dL_df = binary_logistic_grad(f, s)  # (A, N)
            grads = live.backward(dL_df[..., None])
            for p, g, (lr_a, wd_a) in zip(live.params, grads, rates):
                if decay:
                    g = g + wd_a * p  # L2 penalty: ∇(λ/2 ‖θ‖²) = λθ
                p -= lr_a * g  # θ ← θ - lr g
            step += 1
            f = live.forward(x)[..., 0]  # (A, N): after the update, for the callbacks and the next step
            if not np.isfinite(f.sum()):  # cheap; then the full check (a sum of finite terms may overflow)
                bad = active[~np.isfinite(f).all(axis=1)]
                if bad.size:
                    raise FloatingPointError(f"training diverged at step {step} for network(s) {bad.tolist()}; "
                                             "lower lr")
            state = StackedState(step=step, active=active, logits=f, end=end, live=live)
            for cb in callbacks:
                cb(state)
            done = end[active] <= step  # (A,)
            if done.any():
                break
        net.put(active[done], live.take(done))
        taken[active[done]] = step
        active, live = active[~done], live.take(~done)
        if active.size:
            f = live.forward(x)[..., 0]  # the cache must hold the networks that go on
    return taken
