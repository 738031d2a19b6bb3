"""The mislabeled adversarial image sets shared by E10 (Ilyas et al.'s construction) and E12 (beside Wallace's control).

A network N1 trained on real images pushes every training image x towards a target class t by targeted
L2 PGD, within ‖δ‖₂ <= eps and the box [0, 1]; the set (x + δ, t) trains a fresh network N2 with N1's
recipe and new weights. Here: the config fields both experiments share, the checks of those fields,
the protocol's draws in their order (`begin`, then one `mislabeled_set` per (rule, eps)), the attack,
the fresh network, the metrics key of one N2 and the published numbers. E12 replays E10's run by
calling the same two functions with the same generator, so the two cannot drift apart.
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from dmm_edu import published
from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.attacks.torch_track.pgd import pgd
from dmm_edu.experiments._images import MODELS, ImageRecipe, load_images, torch_generator, train_model
from dmm_edu.experiments._mislabeled import TARGETS, new_targets
from dmm_edu.torch_nn import MLP, SmallCNN, TrainConfig, train_classifier

# Published numbers: Ilyas et al. 2019, CIFAR-10 test accuracy of a network trained on the clean set
# ("original") and of fresh networks trained on D_rand / D_det only, and their attack; Wallace 2019 (E12).
# Read from the registry dmm_edu.published, which holds each value with its source.
_ILYAS = {key: published.value(f"ilyas.cifar10.{key}")
          for key in ("original", "d_rand", "d_det", "attack_eps", "attack_step", "attack_steps")}
PUBLISHED = {"ilyas_cifar10": {**{key: _ILYAS[key] for key in ("original", "d_rand", "d_det")},
                               "attack": f"L2 PGD eps={_ILYAS['attack_eps']:g}, step {_ILYAS['attack_step']:g}, "
                                         f"{_ILYAS['attack_steps']} iterations"},
             "wallace_cifar10": published.value("wallace.cifar10.N2_test_accuracy")}


@dataclass(frozen=True)
class MislabeledConfig(ImageRecipe):
    """ImageRecipe's data and classifier fields train N1 and every N2 alike (its DeepFool fields
    n_attack, steps and overshoot are not used here); the fields below make the mislabeled sets.
    E10's config is this one; E12's adds the fields of its early network."""

    eps: tuple[float, ...] = (0.5, 2.0, 3.0, 4.0)  #: L2 budgets ‖δ‖₂ <= eps of the targeted attack (smallest, …, largest)
    rules: tuple[str, ...] = ("det", "rand")  #: "det": t = (y + 1) mod C, "rand": t uniform over all C classes
    pgd_steps: int = 20  #: PGD iterations (Ilyas et al. used more; the full profile uses theirs)
    pgd_alpha_factor: float = 2.5  #: PGD step alpha = pgd_alpha_factor · eps / pgd_steps (5 at 100 steps: eps/20)
    attack_batch: int = 2000  #: images attacked per PGD call (memory only; the result does not depend on it)
    published_rtol: float = 0.1  #: a number agrees with a published one within this relative tolerance


def check_mislabeled_config(config: MislabeledConfig) -> None:
    """ValueError naming the field for shared fields that cannot make a mislabeled set."""
    if not (isinstance(config.eps, (tuple, list)) and config.eps):
        raise ValueError(f"eps={config.eps!r} is not accepted; expected a non-empty tuple of L2 budgets > 0")
    for e in config.eps:
        check_positive_float("eps", e)
    if not (isinstance(config.rules, (tuple, list)) and config.rules and all(r in TARGETS for r in config.rules)):
        raise ValueError(f"rules={config.rules!r} is not accepted; expected a non-empty tuple of {TARGETS}")
    check_positive_int("pgd_steps", config.pgd_steps)
    check_positive_float("pgd_alpha_factor", config.pgd_alpha_factor)
    check_positive_int("attack_batch", config.attack_batch)
    if config.model not in MODELS:
        raise ValueError(f"model={config.model!r} is not accepted; expected one of {MODELS}")


def train_fresh(recipe: ImageRecipe, x: torch.Tensor, y: torch.Tensor, n_classes: int,
                generator: torch.Generator) -> torch.nn.Module:
    """A new classifier (weights drawn from `generator`) trained on x (N, C, H, W), y (N,) exactly as
    `_images.train_model` trains N1: cross-entropy, SGD with momentum 0.9, recipe.epochs and recipe.lr."""
    shape = tuple(x.shape[1:])  # (C, H, W)
    if recipe.model == "mlp":
        model = MLP(shape, recipe.hidden, n_classes, generator=generator)
    else:
        model = SmallCNN(shape, n_classes, generator=generator)
    config = TrainConfig(epochs=recipe.epochs, lr=recipe.lr, device=recipe.device, progress=False)
    train_classifier(model, x, y, config, generator=generator)
    return model.eval()


# --8<-- [start:targeted_attack]
def targeted_attack(model: torch.nn.Module, x: torch.Tensor, t: torch.Tensor, eps: float, config: MislabeledConfig):
    """x_adv = x + δ with δ from targeted L2 PGD towards t, ‖δ‖₂ <= eps, x + δ in [0, 1]; in batches.

    x: (N, C, H, W) on the CPU, t: (N,) int64. Returns x_adv (N, C, H, W) on the CPU and success (N,) bool
    (N1(x_adv) == t).
    """
    device = next(model.parameters()).device
    alpha = config.pgd_alpha_factor * eps / config.pgd_steps
    x_adv, success = [], []
    for s in range(0, len(x), config.attack_batch):
        r = pgd(model, x[s : s + config.attack_batch].to(device), t[s : s + config.attack_batch].to(device), eps,
                alpha=alpha, steps=config.pgd_steps, norm="l2", targeted=True, bounds=(0.0, 1.0))
        x_adv.append(r.x_adv.cpu())  # (B, C, H, W)  x + δ, ‖δ‖₂ <= eps
        success.append(r.success.cpu())  # (B,)  N1(x + δ) == t
    return torch.cat(x_adv), torch.cat(success)
# --8<-- [end:targeted_attack]


@dataclass
class Protocol:
    """What E10's run has drawn before its first attack: the data, N1 and the new labels of every rule."""

    N1: torch.nn.Module
    x: torch.Tensor  #: (N, C, H, W) training images
    y: torch.Tensor  #: (N,) their labels
    x_test: torch.Tensor  #: (M, C, H, W)
    y_test: torch.Tensor  #: (M,)
    n_classes: int
    targets: dict  #: {rule: (N,) int64 new labels}


def begin(config: MislabeledConfig, rng) -> Protocol:
    """The protocol's first draws, in order: the train/test split, N1's weights and training, then the
    new labels of each rule in `config.rules`."""
    train, test = load_images(config, rng)
    N1 = train_model(config, train, torch_generator(rng))
    x, y = train.to_torch()  # (N, C, H, W), (N,)
    x_test, y_test = test.to_torch()  # (M, C, H, W), (M,)
    C = train.n_classes
    targets = {rule: torch.from_numpy(new_targets(y.numpy(), C, rule, rng)) for rule in config.rules}
    return Protocol(N1, x, y, x_test, y_test, C, targets)


def mislabeled_set(p: Protocol, config: MislabeledConfig, rule: str, eps: float, generator: torch.Generator):
    """One (rule, eps) of the protocol: N1's targeted attack towards the rule's labels within eps, and a
    fresh N2 (its weights and batches from `generator`) trained on (x + δ, t) alone. Returns x_adv
    (N, C, H, W), success (N,) bool (N1(x + δ) == t) and N2."""
    x_adv, success = targeted_attack(p.N1, p.x, p.targets[rule], eps, config)
    return x_adv, success, train_fresh(config, x_adv, p.targets[rule], p.n_classes, generator)


def tag(rule: str, eps: float) -> str:
    """The metrics key of one N2, e.g. "rand_eps2"."""
    return f"{rule}_eps{eps:g}"
