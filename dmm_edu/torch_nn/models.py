"""The torch models of the natural-image chapters: an MLP, a small CNN and a convolutional autoencoder.

Every model reads images x: (N, C, H, W) in [0, 1]. The classifiers return logits (N, n_classes);
the autoencoder maps x to a latent code z = E(x): (N, k) and back to an image D(z). Its Softplus
activations make the decoder smooth, so its Jacobian J_dec = dD/dz spans a tangent space of the
learned image manifold (book page: "On- and off-manifold perturbations on real images").
Parameters are initialised from an explicit torch.Generator; each model records its constructor
arguments in `model.spec`, and `build_model(spec, generator=...)` rebuilds it (checkpoints use this).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import torch
from torch import nn

from dmm_edu._checks import check_positive_int

KINDS = ("mlp", "cnn", "autoencoder")


# ---------------------------------------------------------------- argument checks and initialisation
def _check_generator(generator) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, e.g. torch.Generator().manual_seed(0); got {generator!r}"
        )
    return generator


def _check_in_shape(in_shape, divisible_by: int = 1) -> tuple[int, int, int]:
    try:
        C, H, W = (operator.index(s) for s in in_shape)  # ints, numpy ints; not floats or bools
        ok = not any(isinstance(s, bool) for s in in_shape) and min(C, H, W) >= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"in_shape={in_shape!r} is not accepted; expected (C, H, W), e.g. (1, 28, 28) or (3, 32, 32)")
    if H % divisible_by or W % divisible_by:
        raise ValueError(
            f"in_shape={in_shape!r} is not accepted; H and W must be divisible by {divisible_by} "
            f"(the model halves them {int(math.log2(divisible_by))} times)"
        )
    return C, H, W


def _check_ints(name: str, values, allow_empty: bool = False, length: int | None = None) -> tuple[int, ...]:
    ok = isinstance(values, Sequence) and not isinstance(values, str) and (len(values) > 0 or allow_empty)
    if not ok or (length is not None and len(values) != length):
        want = f"{length} positive integers" if length is not None else "a sequence of positive integers"
        raise ValueError(f"{name}={values!r} is not accepted; expected {want}")
    return tuple(check_positive_int(f"{name}[{i}]", v) for i, v in enumerate(values))


@torch.no_grad()
def init_parameters(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-draw every Linear/Conv weight and bias with torch's default scheme, from `generator`.

    W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform_ with a = sqrt(5)) and
    b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)): the same distribution torch uses, but reproducible
    from an explicit generator instead of the global random state. Returns `model`.
    """
    _check_generator(generator)
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
            if m.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(m.weight)
                bound = 1.0 / math.sqrt(fan_in)
                nn.init.uniform_(m.bias, -bound, bound, generator=generator)
    return model


def _materialise(model: nn.Module, generator: torch.Generator) -> None:
    """Layers are built on the meta device (no memory, no draws from the global RNG); allocate
    them on the CPU and draw their values from `generator`. Under `with torch.device("meta")` the
    model stays there: a skeleton with the shapes and no memory (checkpoints check a spec so)."""
    if torch.empty(0).device.type == "meta":  # inside `with torch.device("meta")` (torch >= 2.2)
        return
    model.to_empty(device="cpu")
    init_parameters(model, generator)


# ---------------------------------------------------------------- classifiers
class MLP(nn.Module):
    """Fully connected ReLU network: flatten -> Linear -> ReLU -> ... -> Linear (logits).

    x: (N, C, H, W) -> logits (N, n_classes). The default is the MLP of the reproductions,
    784-256-256-10 on MNIST (Karner's test accuracy for it is karner.mnist.mlp_test_accuracy in dmm_edu.published).
    """

    def __init__(self, in_shape=(1, 28, 28), hidden=(256, 256), n_classes: int = 10, *,
                 generator: torch.Generator) -> None:
        super().__init__()
        _check_generator(generator)
        self.in_shape = _check_in_shape(in_shape)
        hidden = _check_ints("hidden", hidden, allow_empty=True)
        self.n_classes = check_positive_int("n_classes", n_classes, minimum=2)
        self.spec = {"kind": "mlp", "in_shape": self.in_shape, "hidden": hidden, "n_classes": self.n_classes}
        sizes = (math.prod(self.in_shape), *hidden, self.n_classes)  # n, h_1, ..., C
        layers: list[nn.Module] = [nn.Flatten()]  # (N, C, H, W) -> (N, n)
        with torch.device("meta"):
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
                layers.append(nn.Linear(a, b))  # h_{l+1} = W_l h_l + b_l
                if i < len(sizes) - 2:
                    layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)
        _materialise(self, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, C, H, W) -> logits (N, n_classes)."""
        return self.net(x)


class SmallCNN(nn.Module):
    """Two conv blocks (conv-ReLU-conv-ReLU-maxpool) and a two-layer head, for MNIST- or CIFAR-sized images.

    x: (N, C, H, W) with H, W divisible by 4 -> logits (N, n_classes). Block b has
    `channels[b]` 3x3 filters (padding 1) and halves H and W; the head is Linear -> ReLU -> Linear.
    Small enough to train on a few thousand images on a CPU.
    """

    def __init__(self, in_shape=(1, 28, 28), n_classes: int = 10, channels=(16, 32), hidden: int = 128, *,
                 generator: torch.Generator) -> None:
        super().__init__()
        _check_generator(generator)
        C, H, W = self.in_shape = _check_in_shape(in_shape, divisible_by=4)
        c1, c2 = channels = _check_ints("channels", channels, length=2)  # one count per conv block
        hidden = check_positive_int("hidden", hidden)
        self.n_classes = check_positive_int("n_classes", n_classes, minimum=2)
        self.spec = {"kind": "cnn", "in_shape": self.in_shape, "n_classes": self.n_classes,
                     "channels": channels, "hidden": hidden}
        with torch.device("meta"):
            self.features = nn.Sequential(
                nn.Conv2d(C, c1, 3, padding=1), nn.ReLU(), nn.Conv2d(c1, c1, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2),  # (N, c1, H/2, W/2)
                nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.Conv2d(c2, c2, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2),  # (N, c2, H/4, W/4)
            )
            self.head = nn.Sequential(
                nn.Flatten(),  # (N, c2 * H/4 * W/4)
                nn.Linear(c2 * (H // 4) * (W // 4), hidden), nn.ReLU(),
                nn.Linear(hidden, self.n_classes),  # (N, n_classes)
            )
        _materialise(self, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, C, H, W) -> logits (N, n_classes)."""
        return self.head(self.features(x))


# ---------------------------------------------------------------- autoencoder
class ConvAutoencoder(nn.Module):
    """Convolutional autoencoder with Softplus activations and a latent code of size k.

    Encoder E: two 4x4 stride-2 convolutions (channels[0], channels[1]; each halves H and W),
    Softplus after each, then Linear to z: (N, k). Decoder D: Linear from k, Softplus, two 4x4
    stride-2 transposed convolutions back to (N, C, H, W), Softplus between, sigmoid at the end so
    D(z) lies in [0, 1]. Softplus (smooth, unlike ReLU) makes J_dec = dD/dz continuous in z, so
    the tangent space span(J_dec(E(x))) changes smoothly along the manifold (Karner's protocol).
    H and W must be divisible by 4.
    """

    def __init__(self, in_shape=(1, 28, 28), k: int = 16, channels=(32, 64), *, generator: torch.Generator) -> None:
        super().__init__()
        _check_generator(generator)
        C, H, W = self.in_shape = _check_in_shape(in_shape, divisible_by=4)
        c1, c2 = channels = _check_ints("channels", channels, length=2)  # one count per conv layer
        self.k = check_positive_int("k", k)
        self.spec = {"kind": "autoencoder", "in_shape": self.in_shape, "k": self.k, "channels": channels}
        m = c2 * (H // 4) * (W // 4)  # size of the innermost feature map
        with torch.device("meta"):
            self.encoder = nn.Sequential(
                nn.Conv2d(C, c1, 4, stride=2, padding=1), nn.Softplus(),  # (N, c1, H/2, W/2)
                nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.Softplus(),  # (N, c2, H/4, W/4)
                nn.Flatten(),  # (N, m)
                nn.Linear(m, self.k),  # z: (N, k)
            )
            self.decoder = nn.Sequential(
                nn.Linear(self.k, m), nn.Softplus(),  # (N, m)
                nn.Unflatten(1, (c2, H // 4, W // 4)),  # (N, c2, H/4, W/4)
                nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.Softplus(),  # (N, c1, H/2, W/2)
                nn.ConvTranspose2d(c1, C, 4, stride=2, padding=1),  # (N, C, H, W)
                nn.Sigmoid(),  # D(z) in [0, 1]
            )
        _materialise(self, generator)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """z = E(x): x (N, C, H, W) -> z (N, k)."""
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """D(z): z (N, k) -> images (N, C, H, W) in [0, 1]."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction D(E(x)): x (N, C, H, W) -> (N, C, H, W)."""
        return self.decode(self.encode(x))


# ---------------------------------------------------------------- rebuilding from a spec
_BUILDERS = {"mlp": MLP, "cnn": SmallCNN, "autoencoder": ConvAutoencoder}


def build_model(spec: dict, *, generator: torch.Generator) -> nn.Module:
    """Rebuild a model from its `spec` dict (as recorded in `model.spec`), initialised from `generator`.

    spec: {"kind": "mlp" | "cnn" | "autoencoder", **constructor arguments}.
    """
    if not isinstance(spec, dict) or "kind" not in spec:
        raise ValueError(f"spec={spec!r} is not accepted; expected a dict with a 'kind' key, e.g. model.spec")
    kind = spec["kind"]
    if kind not in _BUILDERS:
        raise ValueError(f"spec['kind']={kind!r} is not accepted; choose one of {list(KINDS)}")
    args = {key: value for key, value in spec.items() if key != "kind"}
    try:
        return _BUILDERS[kind](**args, generator=generator)
    except TypeError as exc:
        if isinstance(generator, torch.Generator):  # a wrong key in spec, not a wrong generator
            raise ValueError(f"spec={spec!r} does not fit {_BUILDERS[kind].__name__}: {exc}") from exc
        raise
