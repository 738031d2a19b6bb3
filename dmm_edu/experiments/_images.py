"""The shared recipe of the real-image experiments (E6, E7): data, classifier, attacked points, and the
free / on / off minimal attacks measured beside their random baselines.

An image set (bundled MNIST by default) trains a classifier with a torch generator drawn from the
run's numpy rng; the attacked points are correctly classified test images in an rng-drawn order.
DeepFool then finds the smallest L2 step to the boundary anywhere (d_free), inside a tangent space
T (d_on) and inside its normal space N (d_off); on(d) = ‖P_T d‖/‖d‖ of the free step says how much
of it lies along the manifold. A random direction has on ≈ √(k/n), and for a locally linear
classifier d_S/d_free ≈ 1/on_S(∇f), which is √(n/k) for a random k-dimensional S: every number is
printed beside these baselines and beside a random k-frame measured the same way.
Book page: "On- and off-manifold perturbations on real images".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu._checks import check_choice, check_positive_int
from dmm_edu.attacks import deepfool
from dmm_edu.data.images import load_dataset
from dmm_edu.data.image_dataset import ImageDataset
from dmm_edu.torch_nn import MLP, SmallCNN, TrainConfig, evaluate, predict, train_classifier

MODELS = ("mlp", "cnn")
SPACES = ("free", "on", "off")
# Published numbers the book compares with (science.md): Karner's reproduction of the paper's protocol
# (MNIST MLP 784-256-256-10, autoencoder tangent with latent k = 16, PGD) and DeepFool's ρ = ‖r‖₂/‖x‖₂
# for the fully connected MNIST net FC500-150-10 (Moosavi-Dezfooli et al. 2016, Table 1).
PUBLISHED = {"karner_mnist_mlp": {"d_on_over_d_free": 2.89, "d_off_over_d_free": 1.10, "k": 16},
             "deepfool_rho_mnist_fc": 0.11}
MNIST_NAMES = ("mnist", "mnist-bundled")


@dataclass(frozen=True)
class ImageRecipe:
    """Data, classifier and attack settings shared by E6 and E7 (their configs add their own fields)."""

    dataset: str = "mnist-bundled"  #: "mnist-bundled", "fashion-mnist-bundled" (offline), "mnist", "fashion-mnist", "cifar10"
    download: bool = False  #: fetch a missing full dataset into the cache (never needed for the bundled sets)
    n_per_class: int | None = None  #: training images per class (None: the whole train split)
    model: str = "mlp"  #: "mlp" (flatten-256-256-C, Karner's MNIST net) or "cnn" (SmallCNN)
    hidden: tuple[int, ...] = (256, 256)  #: hidden widths of the MLP
    epochs: int = 10  #: classifier training epochs (SGD, momentum 0.9, batch 64)
    lr: float = 0.01  #: classifier learning rate
    n_attack: int = 200  #: correctly classified test images attacked
    steps: int = 50  #: DeepFool iteration cap
    overshoot: float = 0.02  #: DeepFool overshoot (the paper's 0.02)
    n_examples: int = 8  #: attacked images kept (with their perturbations) for the figure grids
    device: str = "auto"  #: where torch computes ("auto": cuda, then mps, then cpu)


# ---------------------------------------------------------------- data, classifier, attacked points
def torch_generator(rng: np.random.Generator) -> torch.Generator:
    """A CPU torch.Generator seeded by one draw from the run's numpy rng (so one seed fixes everything)."""
    return torch.Generator().manual_seed(int(rng.integers(2**62)))


def load_images(recipe: ImageRecipe, rng: np.random.Generator) -> tuple[ImageDataset, ImageDataset]:
    """(train, test) splits of recipe.dataset; train subsampled to n_per_class per class if set."""
    train = load_dataset(recipe.dataset, "train", download=recipe.download, progress=False)
    test = load_dataset(recipe.dataset, "test", download=recipe.download, progress=False)
    if recipe.n_per_class is not None:
        train = train.subset(recipe.n_per_class, rng)
    return train, test


def train_model(recipe: ImageRecipe, train: ImageDataset, generator: torch.Generator) -> torch.nn.Module:
    """The classifier of recipe.model trained on `train` with cross-entropy and SGD (momentum 0.9)."""
    model_kind = check_choice("model", recipe.model, MODELS)
    if model_kind == "mlp":
        model = MLP(train.shape, recipe.hidden, train.n_classes, generator=generator)
    else:
        model = SmallCNN(train.shape, train.n_classes, generator=generator)
    x, y = train.to_torch()  # (N, C, H, W), (N,)
    config = TrainConfig(epochs=recipe.epochs, lr=recipe.lr, device=recipe.device, progress=False)
    train_classifier(model, x, y, config, generator=generator)
    return model.eval()


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def attack_points(model: torch.nn.Module, test: ImageDataset, n_attack: int, rng: np.random.Generator):
    """The first n_attack correctly classified test images in an rng-drawn order, and the clean accuracy.

    Returns x (M, C, H, W) and y (M,) on the model's device, M <= n_attack, and accuracy on the test split.
    """
    n_attack = check_positive_int("n_attack", n_attack)
    x, y = test.to_torch()  # (N, C, H, W), (N,)
    correct = (predict(model, x) == y).numpy()  # (N,)
    order = rng.permutation(len(test))  # (N,)
    pick = order[correct[order]][:n_attack]  # (M,) measure only correctly classified points
    device = model_device(model)
    return x[pick].to(device), y[pick].to(device), evaluate(model, x, y)


# ---------------------------------------------------------------- tangent bases and on(d)
class FixedBases:
    """A tangent space computed once at the attacked points: U_tan (n, k) shared or (M, n, k) per point.

    The attacks take it as their `projector` (they read `n` and `basis_tensor(x)`), so an expensive
    tangent (an autoencoder's decoder Jacobian, local PCA) is computed once for every attack.
    """

    def __init__(self, U_tan: torch.Tensor) -> None:
        self.U_tan = U_tan  # (n, k) or (M, n, k), orthonormal columns
        self.n, self.k = U_tan.shape[-2], U_tan.shape[-1]

    def basis_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """U_tan for the M attacked points x (M, ...) it was computed at."""
        if self.U_tan.ndim == 3 and x.shape[0] != self.U_tan.shape[0]:
            raise ValueError(f"these tangent bases were computed at {self.U_tan.shape[0]} points; got {x.shape[0]}")
        return self.U_tan

    def tangent(self, d: torch.Tensor) -> torch.Tensor:
        """P_T d = U_tan U_tan^T d for rows d (M, n) -> (M, n)."""
        U = self.U_tan.to(d.dtype)
        if U.ndim == 2:
            return (d @ U) @ U.T  # (M, n)
        return torch.einsum("bnk,bk->bn", U, torch.einsum("bnk,bn->bk", U, d))  # (M, n)


def random_frame(n: int, k: int, rng: np.random.Generator) -> torch.Tensor:
    """A random orthonormal k-frame U (n, k): QR of an (n, k) Gaussian matrix (the control tangent)."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, k)))  # (n, k) uniformly oriented
    return torch.from_numpy(Q)


def on_fraction(d: torch.Tensor, bases: FixedBases) -> np.ndarray:
    """on(d) = ‖P_T d‖ / ‖d‖ per row: d (M, n) -> (M,) numpy; NaN where d = 0."""
    d = d.double()
    norm = torch.linalg.vector_norm(d, dim=1)  # (M,)
    on = torch.linalg.vector_norm(bases.tangent(d), dim=1) / norm  # (M,)
    return torch.where(norm > 0, on, torch.nan).cpu().numpy()


# ---------------------------------------------------------------- minimal attacks and their summary
def minimal_attacks(model, x, y, bases: FixedBases, recipe: ImageRecipe, free=None) -> dict:
    """DeepFool free, on (in span U_tan) and off (in its complement), no box: {space: AttackResult (numpy)}.

    `free` reuses a free attack already run at the same x. No box, as DeepFool and Karner measure norms.
    """
    kw = dict(steps=recipe.steps, overshoot=recipe.overshoot)
    out = {"free": free if free is not None else deepfool(model, x, y, **kw).numpy()}
    for space in ("on", "off"):
        out[space] = deepfool(model, x, y, space=space, projector=bases, **kw).numpy()
    return out


def _median(a: np.ndarray) -> float:
    return float(np.median(a)) if a.size else float("nan")


def summarise(attacks: dict, bases: FixedBases, x: torch.Tensor) -> tuple[dict, dict]:
    """Medians over the points where all three attacks succeeded, ratios, success rates, on(d_free).

    d_on_over_d_free is the ratio of the medians (as in E5); median_ratio_on the median of d_on/d_free
    per point. Returns (metrics, arrays of per-point norms (M,) and on(d_free) (M,)).
    """
    free, on, off = (attacks[s] for s in SPACES)
    both = free.success & on.success & off.success  # (M,) compare like with like
    d = {f"d_{s}": _median(attacks[s].norm[both]) for s in SPACES}
    delta = torch.from_numpy(free.delta).reshape(len(free.norm), -1)  # (M, n)
    on_free = on_fraction(delta.to(bases.U_tan.device), bases)  # (M,)
    on_free[~free.success] = np.nan
    x_norm = torch.linalg.vector_norm(x.reshape(x.shape[0], -1).double(), dim=1).cpu().numpy()  # (M,)
    n, k = bases.n, bases.k
    metrics = {
        **d,
        "d_on_over_d_free": d["d_on"] / d["d_free"],  # the DMM predicts ≫ 1; a random S gives ≈ √(n/k)
        "d_off_over_d_free": d["d_off"] / d["d_free"],  # the DMM predicts ≈ 1
        "median_ratio_on": _median(on.norm[both] / free.norm[both]),
        "median_ratio_off": _median(off.norm[both] / free.norm[both]),
        "success_free": free.success_rate, "success_on": on.success_rate, "success_off": off.success_rate,
        "on_free_median": float(np.nanmedian(on_free)) if np.isfinite(on_free).any() else float("nan"),
        "rho_median": _median(free.norm[free.success] / x_norm[free.success]),  # DeepFool's ρ = ‖r‖/‖x‖
        "random_baseline_on": math.sqrt(k / n),  # on(random direction) ≈ √(k/n)
        "random_baseline_ratio": math.sqrt(n / k),  # d_S/d_free for a random k-dim S ≈ √(n/k)
        "n_measured": int(both.sum()), "n_attacked": int(len(both)), "k": k, "n": n,
    }
    arrays = {"d_free": free.norm, "d_on": on.norm, "d_off": off.norm, "on_free": on_free, "success_all": both}
    return metrics, arrays


def example_arrays(x: torch.Tensor, attacks: dict, bases: FixedBases, n_examples: int) -> dict:
    """For the figure grids, the first n_examples points where all three attacks succeeded: x, d_free,
    P_T d_free, P_N d_free, d_on, d_off, each (E, C, H, W) float32, and their labels."""
    both = attacks["free"].success & attacks["on"].success & attacks["off"].success  # (M,)
    pick = np.flatnonzero(both)[:n_examples]  # (E,)
    shape = tuple(x.shape[1:])  # (C, H, W)
    d = torch.from_numpy(attacks["free"].delta[pick]).reshape(len(pick), -1).to(x.device)  # (E, n)
    sub = FixedBases(bases.U_tan if bases.U_tan.ndim == 2 else bases.U_tan[torch.from_numpy(pick)])
    d_T = sub.tangent(d.to(sub.U_tan.dtype))  # (E, n) P_T d
    d_N = d - d_T.to(d.dtype)  # (E, n) P_N d = d - P_T d

    def img(a) -> np.ndarray:
        a = a.cpu().numpy() if isinstance(a, torch.Tensor) else a
        return a.reshape(len(pick), *shape).astype(np.float32)  # (E, C, H, W)

    return {"ex_x": img(x[torch.from_numpy(pick).to(x.device)]), "ex_d_free": img(d), "ex_d_tangent": img(d_T),
            "ex_d_normal": img(d_N), "ex_d_on": img(attacks["on"].delta[pick]),
            "ex_d_off": img(attacks["off"].delta[pick]), "ex_index": pick}


# ---------------------------------------------------------------- the published numbers
def compare(ours: float, published: float, rtol: float, comparable: str | None = None) -> dict:
    """{ours, published, agrees, reason}: agrees when |ours - published| <= rtol · published and the
    measurement is comparable; reason (one line) says why not, or what differs even when it agrees."""
    close = bool(np.isfinite(ours) and abs(ours - published) <= rtol * published)
    if comparable is not None:
        return {"ours": ours, "published": published, "agrees": False, "reason": comparable}
    reason = "" if close else (f"ours {ours:.3g} vs published {published:.3g}: outside ±{rtol:.0%}")
    return {"ours": ours, "published": published, "agrees": close, "reason": reason}


def rho_comparison(rho: float, recipe: ImageRecipe, rtol: float) -> dict:
    """Our median ρ = ‖d_free‖/‖x‖ against DeepFool's 0.11 (an MNIST FC500-150-10 net; ours differs)."""
    not_mnist = None if recipe.dataset in MNIST_NAMES else f"not comparable: dataset {recipe.dataset}, not MNIST"
    row = compare(rho, PUBLISHED["deepfool_rho_mnist_fc"], rtol, not_mnist)
    if row["agrees"]:
        ours = f"MLP {tuple(recipe.hidden)}" if recipe.model == "mlp" else "a small CNN"
        row["reason"] = f"agrees; note DeepFool's net was FC500-150-10, ours is {ours}"
    return row
