"""The shared recipe of the real-image experiments (E6, E7, E8i, E9i): data, classifier, attacked points,
tangent spaces, and the pictures of the perturbations.

An image set (bundled MNIST by default) trains a classifier with a torch generator drawn from the
run's numpy rng; the attacked points are correctly classified test images in an rng-drawn order.
The measurement itself (DeepFool's minimal L2 step anywhere, inside a tangent space T and inside its
normal space N, on(d), the random baselines) is `dmm_edu.boundary.distances`, the same as for the
synthetic worlds; every number is printed beside the baselines and beside a random k-frame
measured the same way.
Book pages: "On- vs off-manifold perturbations", "Dimpling in high dimension", "Adversarial training
deepens dimples" (the image cases).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu import published
from dmm_edu._checks import check_choice, check_positive_float, check_positive_int
from dmm_edu.attacks import pgd
from dmm_edu.boundary.distances import Distances
from dmm_edu.data.images import DATASETS, load_dataset
from dmm_edu.data.image_dataset import ImageDataset
from dmm_edu.experiments import _trained
from dmm_edu.manifold import Frames, PCAProjector, random_frame
from dmm_edu.torch_nn import MLP, SmallCNN, TrainConfig, evaluate, predict, train_classifier

MODELS = ("mlp", "cnn")
# Published numbers the book compares with: Karner's reproduction of the paper's protocol (MNIST MLP
# 784-256-256-10, autoencoder tangent, PGD) and DeepFool's ρ = ‖r‖₂/‖x‖₂ for the fully connected MNIST net
# FC500-150-10 (Moosavi-Dezfooli et al. 2016), read from the registry dmm_edu.published (with their sources).
PUBLISHED = {"karner_mnist_mlp": {key: published.value(f"karner.mnist.{key}")
                                  for key in ("d_on_over_d_free", "d_off_over_d_free", "k")},
             "deepfool_rho_mnist_fc": published.value("deepfool.mnist_fc.rho")}
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
    overshoot: float = 0.02  #: DeepFool overshoot (the DeepFool paper's value)
    n_examples: int = 8  #: attacked images kept (with their perturbations) for the figure grids
    device: str = "auto"  #: where torch computes ("auto": cuda, then mps, then cpu)


def check_image_recipe(recipe: ImageRecipe) -> None:
    """ValueError naming the field for shared settings no run can use (before any data is loaded)."""
    from dmm_edu.torch_nn.device import pick_device

    check_choice("dataset", recipe.dataset, DATASETS)
    if recipe.n_per_class is not None:
        check_positive_int("n_per_class", recipe.n_per_class)
    check_choice("model", recipe.model, MODELS)
    if not (isinstance(recipe.hidden, tuple) and recipe.hidden):
        raise ValueError(f"hidden={recipe.hidden!r} is not accepted; expected a non-empty tuple of widths >= 1")
    for i, width in enumerate(recipe.hidden):
        check_positive_int(f"hidden[{i}]", width)
    check_positive_int("epochs", recipe.epochs)
    check_positive_float("lr", recipe.lr)
    check_positive_int("n_attack", recipe.n_attack)
    check_positive_int("steps", recipe.steps)
    check_positive_float("overshoot", recipe.overshoot, allow_zero=True)
    check_positive_int("n_examples", recipe.n_examples)
    pick_device(recipe.device)  # ValueError for a device torch does not know or this machine lacks


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


def build_model(recipe: ImageRecipe, train: ImageDataset, generator: torch.Generator) -> torch.nn.Module:
    """An untrained classifier of recipe.model for `train`'s image shape and classes."""
    if check_choice("model", recipe.model, MODELS) == "mlp":
        return MLP(train.shape, recipe.hidden, train.n_classes, generator=generator)
    return SmallCNN(train.shape, train.n_classes, generator=generator)


def train_config(recipe: ImageRecipe, epochs: int | None = None) -> TrainConfig:
    """SGD (momentum 0.9, batch 64) at recipe.lr for recipe.epochs (or `epochs`), no progress bar."""
    return TrainConfig(epochs=recipe.epochs if epochs is None else epochs, lr=recipe.lr, device=recipe.device,
                       progress=False)


TRAINING_FIELDS = ("dataset", "n_per_class", "model", "hidden", "epochs", "lr")  #: what train_model reads of a recipe


def train_model(recipe: ImageRecipe, train: ImageDataset, generator: torch.Generator) -> torch.nn.Module:
    """The classifier of recipe.model trained on `train` with cross-entropy and SGD (momentum 0.9).

    A network trained before from the same recipe fields, images and generator state (E6, E7 and E10 at
    one seed) is loaded instead, and the generator left where training would leave it (`_trained`)."""
    from dmm_edu.torch_nn.device import pick_device

    x, y = train.to_torch()  # (N, C, H, W), (N,)
    device = pick_device(recipe.device)
    fields = {name: getattr(recipe, name) for name in TRAINING_FIELDS}
    model = _trained.fit_or_load(
        lambda: build_model(recipe, train, generator),
        lambda m: train_classifier(m, x, y, train_config(recipe), generator=generator),
        _trained.key(fields, x, y, generator, str(device)), generator, device)
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


# ---------------------------------------------------------------- tangent spaces
def pca_and_random_frames(train: ImageDataset, k: int, rng: np.random.Generator) -> tuple[dict[str, Frames], float]:
    """{"pca": the top-k PCA directions of the training images, "random_frame": a random k-frame (the
    control)}, each a shared basis U_tan (n, k), and the fraction of the pixel variance PCA keeps."""
    X = train.flat().astype(np.float64)  # (N, n) training images as rows
    pca = PCAProjector(X, k)  # U = top-k right singular vectors of X - mean
    return {"pca": Frames(pca.U), "random_frame": random_frame(X.shape[1], k, rng)}, pca.captured


def example_arrays(x: torch.Tensor, dist: Distances, frames: Frames, n_examples: int, model=None) -> dict:
    """For the figure grids, the first n_examples measured points (all three attacks succeeded): x, d_free,
    P_T d_free, P_N d_free, d_on, d_off, each (E, C, H, W) float32, and their index `ex_index` (E,).
    Given the model, also the class it gives x + δ for each attack, `ex_pred_free`, `ex_pred_on`,
    `ex_pred_off` (E,) int64, so a figure or a scene can say "5 → 3" (computed here, where the model is)."""
    pick = np.flatnonzero(dist.measured)[:n_examples]  # (E,)
    shape = tuple(x.shape[1:])  # (C, H, W)
    sub = frames.rows(pick)  # the tangent at the picked points
    d = dist.delta["free"][pick]  # (E, n)
    d_T = sub.tangent(d)  # (E, n) P_T d
    d_N = d - d_T  # (E, n) P_N d = d - P_T d

    def img(a) -> np.ndarray:
        a = a.cpu().numpy() if isinstance(a, torch.Tensor) else a
        return a.reshape(len(pick), *shape).astype(np.float32)  # (E, C, H, W)

    out = {"ex_x": img(x[torch.from_numpy(pick).to(x.device)]), "ex_d_free": img(d), "ex_d_tangent": img(d_T),
           "ex_d_normal": img(d_N), "ex_d_on": img(dist.delta["on"][pick]),
           "ex_d_off": img(dist.delta["off"][pick]), "ex_index": pick}
    if model is not None:
        x_ex = torch.from_numpy(out["ex_x"])  # (E, C, H, W)
        out.update({f"ex_pred_{s}": predict(model, x_ex + torch.from_numpy(out[f"ex_d_{s}"])).numpy()
                    if len(pick) else np.zeros(0, dtype=np.int64) for s in ("free", "on", "off")})
    return out


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
    """Our mean ρ = ‖d_free‖/‖x‖ against DeepFool's published ρ, a mean over his test set too (his MNIST net
    FC500-150-10; ours differs)."""
    not_mnist = None if recipe.dataset in MNIST_NAMES else f"not comparable: dataset {recipe.dataset}, not MNIST"
    row = compare(rho, PUBLISHED["deepfool_rho_mnist_fc"], rtol, not_mnist)
    if row["agrees"]:
        ours = f"MLP {tuple(recipe.hidden)}" if recipe.model == "mlp" else "a small CNN"
        row["reason"] = f"agrees; note DeepFool's net was FC500-150-10, ours is {ours}"
    return row


def pgd_l2_perturb(eps: float, steps: int, alpha: float, generator: torch.Generator):
    """perturb(model, x_B, y_B) -> x_adv (B, C, H, W) for `train_classifier`: Madry's inner maximisation

        x_adv = x_B + δ,  δ = PGD-L2(x_B, y_B; ‖δ‖₂ ≤ eps, x_B + δ ∈ [0, 1], `steps` steps of size alpha),

    from a random start in the ball drawn from `generator` (E9i's adversarial training, E10's judge).
    """
    def perturb(model, x, y):
        return pgd(model, x, y, eps, alpha=alpha, steps=steps, norm="l2", random_start=True, rng=generator,
                   bounds=(0.0, 1.0)).x_adv
    return perturb


def robust_accuracy(model, x: torch.Tensor, y: torch.Tensor, eps: float, steps: int) -> float:
    """Fraction of x (N, C, H, W) classified correctly and still correctly after PGD-L2 at eps (box [0, 1])."""
    correct = predict(model, x).to(y.device) == y  # (N,)
    fooled = pgd(model, x, y, eps, steps=steps, norm="l2", bounds=(0.0, 1.0)).success  # (N,) misclassified at x + δ
    return float((correct & ~fooled.to(y.device)).double().mean())
