"""The training loop of the numpy track, with callbacks for snapshots along the way.

One loop serves every toy experiment: mini-batch or full-batch gradient descent for a given
number of steps or epochs, calling each callback after every step with a `TrainState`. A callback
that returns True stops training (e.g. "stop once every training margin exceeds 0.3"); `every`
and `at_steps` wrap a callback so it only runs on some steps (the boundary snapshots the
animations draw). Book page: "numpy_nn".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from dmm_edu._checks import check_array, check_labels, check_positive_int, check_rng


@dataclass
class TrainState:
    """What a callback sees after a step."""

    step: int  #: optimiser steps taken so far (1 after the first step)
    epoch: int  #: completed passes over the data
    loss: float  #: the loss of the batch of this step (before the update)
    model: object  #: the network, already updated


@dataclass
class History:
    """What `train` returns: the loss of every step and why training ended."""

    loss: list[float] = field(default_factory=list)
    steps: int = 0
    stopped_early: bool = False


Callback = Callable[[TrainState], "bool | None"]


def every(k: int, fn: Callback, first: bool = True) -> Callback:
    """Call `fn` on steps k, 2k, 3k, … (and on step 1 if `first`)."""
    k = check_positive_int("k", k)

    def wrapped(state: TrainState):
        if state.step % k == 0 or (first and state.step == 1):
            return fn(state)
        return None

    return wrapped


def at_steps(steps: Iterable[int], fn: Callback) -> Callback:
    """Call `fn` only on the listed steps (e.g. log-spaced snapshot times)."""
    wanted = {check_positive_int("steps[i]", s) for s in steps}

    def wrapped(state: TrainState):
        return fn(state) if state.step in wanted else None

    return wrapped


def train(model, optimizer, x, y, *, loss: str = "cross_entropy", steps: int | None = None,
          epochs: int | None = None, batch_size: int | None = None, rng: np.random.Generator | None = None,
          callbacks: Iterable[Callback] = ()) -> History:
    """Train `model` with `optimizer` on (x, y).

    Args:
        x: (N, D) inputs; y: (N,) integer labels.
        loss: "cross_entropy", "binary_logistic" or "logit_margin".
        steps / epochs: how long (exactly one of them).
        batch_size: None for full-batch gradient descent; else mini-batches drawn by reshuffling
            the data every epoch with `rng` (required then).
        callbacks: called after every step with a TrainState; returning True stops training.
    """
    loss_fn = model.loss_function(loss)  # validates the name and the fit before any work
    x = check_array("x", x, shape=(None, model.n_inputs), dtype=model.dtype)
    n_classes = 2 if model.n_outputs == 1 else model.n_outputs
    y = check_labels("y", y, n_classes, n=x.shape[0])
    if (steps is None) == (epochs is None):
        raise ValueError(f"give exactly one of steps and epochs; got steps={steps!r}, epochs={epochs!r}")
    N = x.shape[0]
    batch_size = N if batch_size is None else min(check_positive_int("batch_size", batch_size), N)
    if batch_size < N:
        check_rng("rng", rng)
    per_epoch = -(-N // batch_size)  # ceil(N / batch_size)
    total = check_positive_int("steps", steps) if steps is not None else check_positive_int("epochs", epochs) * per_epoch
    callbacks = list(callbacks)

    history = History()
    step = 0
    while step < total:
        order = rng.permutation(N) if batch_size < N else None  # (N,) fresh shuffle each epoch
        for start in range(0, N, batch_size):
            if order is None:
                xb, yb = x, y
            else:
                idx = order[start:start + batch_size]
                xb, yb = x[idx], y[idx]  # (B, D), (B,)
            try:
                value = model._loss_and_grads(xb, yb, loss_fn)
            except FloatingPointError as exc:
                raise FloatingPointError(f"training diverged at step {step + 1} ({exc}); "
                                         f"lower lr (now {optimizer.lr})") from exc
            optimizer.step()
            step += 1
            history.loss.append(value)
            state = TrainState(step=step, epoch=step // per_epoch, loss=value, model=model)
            stop = [cb(state) for cb in callbacks]
            if any(stop):
                history.steps, history.stopped_early = step, True
                return history
            if step >= total:
                break
    history.steps = step
    return history


def accuracy(model, x, y) -> float:
    """Share of samples the model classifies correctly.   x: (N, D), y: (N,) -> float."""
    pred = model.predict(x)  # (N,)
    y = check_labels("y", y, max(2, model.n_outputs), n=pred.shape[0])
    return float(np.mean(pred == y))
