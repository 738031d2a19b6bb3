"""One training loop for the torch models: classifiers (cross-entropy) and autoencoders (MSE).

Mini-batch SGD or Adam over shuffled epochs, the shuffle drawn from an explicit torch.Generator,
on the device `pick_device` chooses. Two hooks serve the experiments: `perturb` replaces each
batch before the step (adversarial training, E9 and E10) and `callback` runs before the first
epoch and after every epoch (measurements over training, E8). Book page: "torch_nn".
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm  # not tqdm.auto: in a kernel without ipywidgets that warns, naming the machine's paths

from dmm_edu._checks import check_array, check_choice, check_positive_float, check_positive_int
from dmm_edu.torch_nn.device import pick_device
from dmm_edu.torch_nn.models import _check_generator

OPTIMIZERS = ("sgd", "adam")


@dataclass
class TrainConfig:
    """How to train; the defaults are a reasonable start for the MNIST-sized models on a CPU."""

    epochs: int = 5  #: passes over the training set
    batch_size: int = 64  #: examples per optimiser step (the last batch of an epoch may be smaller)
    lr: float = 0.01  #: learning rate
    optimizer: str = "sgd"  #: "sgd" (torch.optim.SGD) or "adam" (torch.optim.Adam)
    momentum: float = 0.9  #: SGD momentum (ignored by Adam)
    weight_decay: float = 0.0  #: L2 penalty coefficient, passed to the optimiser
    device: str = "auto"  #: "auto", "cpu", "cuda", "cuda:<i>", "mps" (see pick_device)
    progress: bool = True  #: show a tqdm progress bar

    def __post_init__(self) -> None:
        check_positive_int("epochs", self.epochs, minimum=0)
        check_positive_int("batch_size", self.batch_size)
        check_positive_float("lr", self.lr)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive_float("momentum", self.momentum, allow_zero=True)
        check_positive_float("weight_decay", self.weight_decay, allow_zero=True)


@dataclass
class History:
    """What training returns, one entry per completed epoch (epoch 1 first)."""

    loss: list[float] = field(default_factory=list)  #: mean training loss over the epoch's batches
    train_acc: list[float] = field(default_factory=list)  #: accuracy on the batches as trained (classifiers)
    val_acc: list[float] = field(default_factory=list)  #: accuracy on (x_val, y_val) after the epoch, if given
    epochs: int = 0  #: epochs completed
    seconds: float = 0.0  #: wall-clock time of the loop so far (callbacks included)
    stopped_early: bool = False  #: a callback returned True


Callback = Callable[[int, nn.Module, History], "bool | None"]
Perturb = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


# ---------------------------------------------------------------- inputs
def _model_device_dtype(model) -> tuple[torch.device, torch.dtype]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    p = next(model.parameters(), None)
    if p is None:
        raise ValueError(f"model {type(model).__name__} has no parameters to train or to place on a device")
    return p.device, p.dtype


def as_images(name: str, x, model: nn.Module, dtype: torch.dtype) -> torch.Tensor:
    """x (N, C, H, W) as a float tensor of `dtype`, checked against model.in_shape when it has one."""
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            raise TypeError(f"{name} must be a float tensor; got dtype {x.dtype}")
        # a NaN or inf makes the sum one, so a finite sum clears x in one pass (isfinite(x) is many times slower
        # on a whole training set); only a non-finite sum, perhaps an overflow of finite values, is looked into
        if not bool(torch.isfinite(x.detach().sum())) and not bool(torch.isfinite(x).all()):
            raise ValueError(f"{name} contains NaN or inf; expected finite values")
        t = x.detach()
    else:
        t = torch.from_numpy(np.ascontiguousarray(check_array(name, x)))
    in_shape = getattr(model, "in_shape", None)
    if in_shape is not None and tuple(t.shape[1:]) != tuple(in_shape):
        raise ValueError(f"{name} must have shape (N, {', '.join(map(str, in_shape))}) for this model; "
                         f"got {tuple(t.shape)}")
    if t.ndim < 2 or t.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1; got {tuple(t.shape)}")
    return t.to(dtype)


def as_labels(name: str, y, N: int, n_classes: int | None) -> torch.Tensor:
    """y (N,) integer labels as an int64 tensor, in [0, n_classes) when the model says n_classes."""
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer labels; got shape {arr.shape}, dtype {arr.dtype}")
    if arr.shape[0] != N:
        raise ValueError(f"{name} must have {N} labels (one per image); got {arr.shape[0]}")
    if n_classes is not None and arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} contains labels outside 0..{n_classes - 1} (min {arr.min()}, max {arr.max()})")
    return torch.as_tensor(arr, dtype=torch.int64)


def _make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                           weight_decay=config.weight_decay)


# ---------------------------------------------------------------- the loop
@torch.enable_grad()  # training needs gradients even when called under torch.no_grad()
def _fit(model, x, t, loss_fn, config, generator, callback, perturb, on_epoch_end, desc) -> History:
    """Shared loop: x (N, ...) inputs, t (N, ...) targets; loss_fn(output, target) -> mean loss."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    _check_generator(generator)
    for name, fn in (("callback", callback), ("perturb", perturb)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be callable or None; got {fn!r}")
    device = pick_device(config.device)
    model.to(device)
    x, t = x.to(device), t.to(device)
    N, B = x.shape[0], config.batch_size
    n_batches = -(-N // B)  # ceil(N / B)
    opt = _make_optimizer(model, config)
    history, was_training, start = History(), model.training, time.perf_counter()

    def call_back(epoch: int) -> bool:
        history.seconds = time.perf_counter() - start
        if callback is None:
            return False
        model.eval()  # measurements see the deterministic network
        try:
            return bool(callback(epoch, model, history))
        finally:
            model.train()

    bar = tqdm(total=config.epochs * n_batches, desc=desc, unit="batch", disable=not config.progress, leave=False)
    try:
        history.stopped_early = call_back(0)  # epoch 0: before training
        for epoch in range(1, config.epochs + 1):
            if history.stopped_early:
                break
            model.train()
            perm = torch.randperm(N, generator=generator, device=generator.device).to(device)  # (N,)
            loss_sum, correct = 0.0, 0
            for s in range(0, N, B):
                idx = perm[s : s + B]
                xb, tb = x[idx], t[idx]  # (B, ...), (B, ...)
                if perturb is not None:
                    xb = _perturbed(perturb, model, xb, tb)
                opt.zero_grad(set_to_none=True)
                out = model(xb)  # logits (B, C) or reconstructions (B, ...)
                loss = loss_fn(out, tb)  # L = mean_i CE(logits_i, y_i), or mean (D(E(x)) - x)^2
                loss_value = float(loss.detach())
                if not math.isfinite(loss_value):  # NaN or inf: the weights (or the batch) have diverged
                    raise FloatingPointError(_diverged(loss_value, epoch, s // B + 1, n_batches, config, perturb))
                loss.backward()  # dL/dθ for every parameter θ
                opt.step()  # SGD: v ← μ v + dL/dθ (+ λ θ), θ ← θ - lr v; or Adam
                loss_sum += loss_value * xb.shape[0]
                if out.ndim == 2 and tb.ndim == 1:
                    correct += int((out.detach().argmax(dim=1) == tb).sum())
                bar.update(1)
                if config.progress:  # a hidden bar would still format its postfix on every batch
                    bar.set_postfix(epoch=epoch, loss=f"{loss_value:.4f}", refresh=False)
            history.loss.append(loss_sum / N)
            on_epoch_end(history, correct / N)
            history.epochs = epoch
            history.stopped_early = call_back(epoch)
    finally:
        bar.close()
        model.train(was_training)
        history.seconds = time.perf_counter() - start
    return history


def _diverged(loss_value: float, epoch: int, batch: int, n_batches: int, config: TrainConfig, perturb) -> str:
    """The message of a loss that became NaN or inf, in the words of the numpy loop."""
    where = f"epoch {epoch}, batch {batch} of {n_batches}"
    hint = f"lower lr (now {config.lr:g}, optimizer {config.optimizer!r})"
    if perturb is not None:
        hint += ", or check that perturb returns finite images"
    return f"training diverged at {where} (the loss became {loss_value}); {hint}"


def _perturbed(perturb: Perturb, model: nn.Module, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
    """xb_adv = perturb(model, xb, yb), computed with the model in eval mode (usual AT practice)."""
    model.eval()
    try:
        with torch.enable_grad():
            xb_adv = perturb(model, xb, yb)
    finally:
        model.train()
    if not isinstance(xb_adv, torch.Tensor) or xb_adv.shape != xb.shape:
        got = tuple(xb_adv.shape) if isinstance(xb_adv, torch.Tensor) else type(xb_adv).__name__
        raise ValueError(f"perturb must return a tensor of the batch's shape {tuple(xb.shape)}; got {got}")
    return xb_adv.detach().to(device=xb.device, dtype=xb.dtype)


def train_classifier(model: nn.Module, x, y, config: TrainConfig, *, generator: torch.Generator,
                     x_val=None, y_val=None, perturb: Perturb | None = None,
                     callback: Callback | None = None) -> History:
    """Train `model` in place with softmax cross-entropy; returns the History.

    x: (N, C, H, W) float images (tensor or numpy); y: (N,) int labels. The model moves to
    `config.device`. Each epoch visits the data in an order drawn from `generator`.
    perturb(model, xb, yb) -> xb_adv: (B, C, H, W), optional; it is called on every batch with the
    model in eval mode and gradients enabled, and the step trains on xb_adv (not xb) with labels yb
    (Madry-style adversarial training). callback(epoch, model, history) runs with epoch = 0 before
    training and then after each epoch, with the model in eval mode; returning True stops training.
    x_val (M, C, H, W), y_val (M,): if given, history.val_acc records accuracy after every epoch.
    Raises FloatingPointError, naming the epoch, the batch and lr, as soon as a batch's loss is NaN
    or inf (the step is not taken).
    """
    _, dtype = _model_device_dtype(model)
    x = as_images("x", x, model, dtype)  # (N, C, H, W)
    n_classes = getattr(model, "n_classes", None)
    y = as_labels("y", y, x.shape[0], n_classes)  # (N,)
    if (x_val is None) != (y_val is None):
        raise ValueError("x_val and y_val must be given together (or neither)")
    if x_val is not None:
        x_val = as_images("x_val", x_val, model, dtype)  # (M, C, H, W)
        y_val = as_labels("y_val", y_val, x_val.shape[0], n_classes)  # (M,)

    def on_epoch_end(history: History, train_acc: float) -> None:
        history.train_acc.append(train_acc)
        if x_val is not None:
            history.val_acc.append(evaluate(model, x_val, y_val, batch_size=max(config.batch_size, 1024)))

    return _fit(model, x, y, nn.functional.cross_entropy, config, generator, callback, perturb,
                on_epoch_end, desc="train classifier")


def train_autoencoder(ae: nn.Module, x, config: TrainConfig, *, generator: torch.Generator,
                      callback: Callback | None = None) -> History:
    """Train an autoencoder in place on the reconstruction loss L = mean (D(E(x)) - x)^2.

    x: (N, C, H, W) float images. history.loss holds the mean squared error per pixel per epoch;
    train_acc and val_acc stay empty. callback as in `train_classifier`. A NaN or inf loss raises
    FloatingPointError as in `train_classifier`.
    """
    _, dtype = _model_device_dtype(ae)
    x = as_images("x", x, ae, dtype)  # (N, C, H, W)
    return _fit(ae, x, x, nn.functional.mse_loss, config, generator, callback, None,
                lambda history, acc: None, desc="train autoencoder")


# ---------------------------------------------------------------- using a trained model
@torch.no_grad()
def predict(model: nn.Module, x, *, batch_size: int = 1024) -> torch.Tensor:
    """Predicted labels argmax_c logits: x (N, C, H, W) -> (N,) int64 tensor on the CPU.

    Runs on the model's device, in eval mode, `batch_size` images at a time; restores the mode.
    """
    device, dtype = _model_device_dtype(model)
    x = as_images("x", x, model, dtype)  # (N, C, H, W)
    batch_size = check_positive_int("batch_size", batch_size)
    was_training = model.training
    model.eval()
    try:
        labels = [model(x[s : s + batch_size].to(device)).argmax(dim=1).cpu() for s in range(0, x.shape[0], batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(labels)  # (N,)


def evaluate(model: nn.Module, x, y, *, batch_size: int = 1024) -> float:
    """Accuracy = mean(predict(model, x) == y): x (N, C, H, W), y (N,) int labels."""
    y_hat = predict(model, x, batch_size=batch_size)  # (N,)
    y = as_labels("y", y, y_hat.shape[0], getattr(model, "n_classes", None))  # (N,)
    return float((y_hat == y).double().mean())
