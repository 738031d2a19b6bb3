"""E12 — Wallace's control: wrong labels from an early network teach a fresh one, with no perturbation at all.

Wallace (2019) trained a network for two epochs on CIFAR-10, relabelled every training image with its
prediction, kept only the images it got wrong, and trained a fresh network on these unmodified, wrongly
labelled images alone; it still scored far above chance on the clean test set (his accuracies and counts
are registered in dmm_edu.published, keys wallace.cifar10.*). The wrong labels are not noise: they are
N1's function, and N2 learns that function (distillation). Here, on real images (bundled MNIST by
default): N1_early is N1's recipe stopped early, at the first check (every
`check_every` SGD batches, within `max_early_epochs`) where its accuracy on the training set reaches
`early_accuracy` (by default the training accuracy of Wallace's N1). Then
    S_wrong = {(x, ŷ) : x a training image, ŷ = argmax N1_early(x) ≠ y},
a fresh N2 is trained on S_wrong alone (the same recipe, new weights), and tested on the clean test set.
Control: the same images with labels drawn uniformly over the classes ≠ y ("wrong, but not N1's"): that
is anti-informative, so N2 must sit at or below chance; only N1's wrong labels carry its function.
Beside it, E10's mislabeled adversarial sets (D_rand, D_det at the largest `eps`), so the reader sees the
distillation account next to the numbers it explains. These are E10's numbers, not a second measurement:
`adversarial_comparison` replays E10's run (the same config fields, the same draws in the same order,
from E12's generator as it was before any draw, which for the same seed is the generator
`run_experiment` gives E10) and skips only the work whose numbers it does not show. So E12 at the book
profile, seed s, shows exactly what E10 at the book profile, seed s, reports (its claims E10.largest.*):
one run, one number; tests/test_e10_e12_mislabeled.py checks it against E10's `run` (experiments are
leaves: E12 does not import E10). An earlier version drew its own N1, targets and N2s for the comparison
and showed, e.g., D_det 0.559 beside E10's 0.525.
Check: N2's clean test accuracy >= 2 × chance (why: distillation through the labels: N1_early's wrong
labels carry its function, so N2 must beat chance clearly, by at least a factor of two; the book lists
every check in the appendix "Predictions and checks").
N2 must fit S_wrong for the labels to pass N1_early's function on: a few epochs leave much of S_wrong
unfitted and N2 close to chance, so every profile trains N2 for at least 10 epochs (Wallace trained
longer). N2's agreement with N1_early on the test set is recorded: distillation predicts it exceeds N2's
accuracy. The result holds when N1_early stopped and its training accuracy, the size of S_wrong, N2's
clean accuracy and its agreement with N1_early, and the uniform-wrong-label control's accuracy; the book
quotes them as the claims E12.* beside Wallace's numbers.
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu import published
from dmm_edu._checks import check_float_range, check_positive_int
from dmm_edu.experiments._images import check_image_recipe, compare, load_images, torch_generator
from dmm_edu.experiments._mislabeled_images import (
    PUBLISHED,
    MislabeledConfig,
    begin,
    check_mislabeled_config,
    mislabeled_set,
    tag,
    train_fresh,
)
from dmm_edu.torch_nn import MLP, SmallCNN, TrainConfig, evaluate, predict, train_classifier

WALLACE_N1 = {key: published.value(f"wallace.cifar10.{name}") for key, name in  # his ResNet-18, from the registry
              (("train_accuracy", "N1_train_accuracy"), ("test_accuracy", "N1_test_accuracy"), ("n_wrong", "n_wrong"),
               ("n_train", "n_train"))}
CHANCE_FACTOR = 2.0  # distillation: N1_early's wrong labels carry its function, so N2 beats chance clearly, twofold


@dataclass(frozen=True)
class Config(MislabeledConfig):
    """E10's fields (`_mislabeled_images.MislabeledConfig`: the recipe of N1_early, N1 and every N2; eps, rules
    and the PGD fields make the adversarial comparison) and the early stop of N1_early."""

    early_accuracy: float = published.value("wallace.cifar10.N1_train_accuracy")  #: stop N1_early once its training-set accuracy reaches this (Wallace's N1's)
    check_every: int = 5  #: SGD batches between checks of N1_early's training accuracy
    max_early_epochs: int = 3  #: stop N1_early here even if it never reaches early_accuracy (recorded)
    adversarial: bool = True  #: also run E10 on the shared fields (its eps: every budget, as E10) and show its largest eps
    control: bool = True  #: also train N2 on the same images with uniform labels ≠ y (must sit at chance)


# book and full: E10's config of the same profile (MislabeledConfig's fields; tests check they are equal) plus
# E12's own fields, so that the comparison is E10's run. smoke: N2 must fit S_wrong, which E10's smoke
# epochs (4) do not; its comparison is E10's run at these fields.
CONFIGS = {
    "smoke": Config(n_per_class=300, epochs=10, eps=(2.0,), pgd_steps=10),
    "book": Config(),
    "full": Config(dataset="mnist", download=True, epochs=20, eps=(0.5, 1.0, 2.0, 3.0, 4.0), pgd_steps=100,
                   pgd_alpha_factor=5.0, attack_batch=10000, check_every=20),
}
# Wallace's own setting: `run_experiment("E12", "full", **FULL_CIFAR10)` (SmallCNN; he used a ResNet-18);
# the shared fields are E10's FULL_CIFAR10.
FULL_CIFAR10 = {"dataset": "cifar10", "model": "cnn", "epochs": 30, "eps": (0.25, 0.5, 1.0), "pgd_steps": 100,
                "pgd_alpha_factor": 20.0, "attack_batch": 5000, "check_every": 50, "max_early_epochs": 2}


def check_config(config: Config) -> None:
    """ValueError naming the field for a config this experiment cannot run."""
    check_mislabeled_config(config)
    check_image_recipe(config)
    check_float_range("early_accuracy", config.early_accuracy, 0.0, 1.0)
    check_positive_int("check_every", config.check_every)
    check_positive_int("max_early_epochs", config.max_early_epochs)
    if not isinstance(config.adversarial, bool):
        raise ValueError(f"adversarial={config.adversarial!r} is not accepted; expected True or False")
    if not isinstance(config.control, bool):
        raise ValueError(f"control={config.control!r} is not accepted; expected True or False")


def train_early(config: Config, x: torch.Tensor, y: torch.Tensor, n_classes: int, generator: torch.Generator,
                rng: np.random.Generator) -> tuple[torch.nn.Module, dict]:
    """N1_early: N1's recipe stopped at the first check where its accuracy on (x, y) >= early_accuracy.

    x: (N, C, H, W), y: (N,). Training visits the images in an rng-drawn order, check_every · batch
    images at a time (one `train_classifier` epoch per chunk, so SGD's momentum restarts at each check).
    Returns the model and {"batches", "epochs", "train_accuracy", "reached"}.
    """
    shape = tuple(x.shape[1:])  # (C, H, W)
    model = MLP(shape, config.hidden, n_classes, generator=generator) if config.model == "mlp" else \
        SmallCNN(shape, n_classes, generator=generator)
    train_config = TrainConfig(epochs=1, lr=config.lr, device=config.device, progress=False)
    chunk = config.check_every * train_config.batch_size  # images between two checks
    batches, seen, acc = 0, 0, evaluate(model, x, y)
    for _ in range(config.max_early_epochs):
        if acc >= config.early_accuracy:
            break
        order = torch.from_numpy(rng.permutation(len(x)))  # (N,) this epoch's visiting order
        for s in range(0, len(x), chunk):
            if acc >= config.early_accuracy:
                break
            idx = order[s : s + chunk]  # (chunk,)
            train_classifier(model, x[idx], y[idx], train_config, generator=generator)
            batches += -(-len(idx) // train_config.batch_size)  # ceil: SGD steps on this chunk
            seen += len(idx)
            acc = evaluate(model, x, y)  # accuracy on the whole training set
    return model.eval(), {"batches": batches, "epochs": seen / len(x),
                          "train_accuracy": acc, "reached": bool(acc >= config.early_accuracy)}


def wrong_other_labels(y: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Labels uniform over the classes ≠ y: (N,) for y (N,); t = (y + U{1..C-1}) mod C."""
    return (y + rng.integers(1, n_classes, size=len(y))) % n_classes  # (N,)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    check_config(config)
    e10_rng = copy.deepcopy(rng)  # before any draw: for the same seed, the generator E10's run starts from
    train, test = load_images(config, rng)
    C = train.n_classes
    x, y = train.to_torch()  # (N, C, H, W), (N,)
    x_test, y_test = test.to_torch()  # (M, C, H, W), (M,)
    chance = 1.0 / C

    N1_early, early = train_early(config, x, y, C, torch_generator(rng), rng)
    y_hat = predict(N1_early, x)  # (N,) N1_early's labels
    wrong = y_hat != y  # (N,) keep only its mistakes
    x_wrong, t_wrong = x[wrong], y_hat[wrong]  # (W, C, H, W), (W,)
    N2 = train_fresh(config, x_wrong, t_wrong, C, torch_generator(rng))  # never sees a right label
    y2 = predict(N2, x_test)  # (M,)
    y1 = predict(N1_early, x_test)  # (M,)
    metrics: dict = {
        "dataset": config.dataset, "n_train": len(train), "n_test": len(test), "chance": chance,
        "N1_early": {**early, "test_accuracy": float((y1 == y_test).double().mean())},
        "n_wrong": int(wrong.sum()), "wrong_fraction": float(wrong.double().mean()),
        "wrong_labels_equal_y": float((t_wrong == y[wrong]).double().mean()),  # 0 by construction
        "N2": {"test_accuracy": float((y2 == y_test).double().mean()),  # clean test set, true labels
               "agrees_with_N1_early_test": float((y2 == y1).double().mean()),  # distillation: N2 ≈ N1_early
               "train_accuracy": evaluate(N2, x_wrong, t_wrong)},
    }
    arrays: dict = {"y_test": y_test.numpy(), "N2_pred": y2.numpy(), "N1_early_pred": y1.numpy(),
                    "label_counts_wrong": np.bincount(t_wrong.numpy(), minlength=C)}  # (C,) classes of S_wrong
    if progress:
        progress(f"N1_early after {early['batches']} batches: train acc {early['train_accuracy']:.3f}, test acc "
                 f"{metrics['N1_early']['test_accuracy']:.3f}; {metrics['n_wrong']} wrong labels kept; "
                 f"N2 clean test acc {metrics['N2']['test_accuracy']:.3f}")
    if config.control:  # the same images, wrong labels that are not N1_early's
        t_other = torch.from_numpy(wrong_other_labels(y[wrong].numpy(), C, rng))  # (W,)
        N2c = train_fresh(config, x_wrong, t_other, C, torch_generator(rng))
        metrics["control_uniform_wrong_labels"] = {"N2_test_accuracy": evaluate(N2c, x_test, y_test)}
        if progress:
            progress(f"control (same images, uniform labels ≠ y): N2 clean test acc "
                     f"{metrics['control_uniform_wrong_labels']['N2_test_accuracy']:.3f}")
    if config.adversarial:
        metrics["adversarial"] = adversarial_comparison(config, e10_rng, progress)
    metrics["published"] = {"wallace_cifar10": PUBLISHED["wallace_cifar10"], "wallace_N1": WALLACE_N1}
    model = f"an MLP {tuple(config.hidden)}" if config.model == "mlp" else "a small CNN"
    setting = None if config.dataset == "cifar10" else (
        f"not comparable: {config.dataset} ({len(train)} training images) with {model}, vs CIFAR-10 with a "
        f"ResNet-18; our N1_early reached {early['train_accuracy']:.3f} train accuracy (his 0.625)")
    row = compare(metrics["N2"]["test_accuracy"], PUBLISHED["wallace_cifar10"], config.published_rtol, setting)
    if setting is None:
        row["reason"] = (("agrees; " if row["agrees"] else row["reason"] + "; ") +
                         f"note CIFAR-10 with {model} (Wallace: a ResNet-18 after 2 epochs, N2 for 50 epochs)")
    metrics["agrees_with_published"] = {"wallace": row}
    acc = metrics["N2"]["test_accuracy"]
    metrics["checks"] = {f"N2_at_least_{CHANCE_FACTOR:g}x_chance": bool(acc >= CHANCE_FACTOR * chance),
                         "N1_early_reached_early_accuracy": early["reached"]}
    if config.control:
        metrics["checks"]["control_at_most_chance_plus_0.05"] = bool(
            metrics["control_uniform_wrong_labels"]["N2_test_accuracy"] <= chance + 0.05)
    return metrics, arrays


def adversarial_comparison(config: Config, e10_rng: np.random.Generator, progress=None) -> dict:
    """E10's D_det / D_rand at its largest eps: E10's run (`e10_mislabeled_images.run`) replayed step by step.

    e10_rng: E12's generator copied before its first draw (for the same seed: E10's). The draws are E10's,
    in E10's order (the split, N1's weights, the targets per rule, one N2 generator per (rule, eps)); only
    the attacks and N2s at the smaller budgets are skipped (their generators are still drawn). Returns
    {"source": "E10", "N1_test_accuracy", "tags": [tag per rule at the largest eps], tag: {eps,
    attack_success, N2_test_accuracy}}: the numbers of E10's result for the same config and seed.
    """
    rng = e10_rng
    p = begin(config, rng)  # E10's first draws: the split, N1, the new labels
    large = max(config.eps)
    out: dict = {"source": "E10", "N1_test_accuracy": evaluate(p.N1, p.x_test, p.y_test), "tags": []}
    for rule in config.rules:
        for eps in config.eps:
            generator = torch_generator(rng)  # drawn for every (rule, eps), as E10 draws it
            if eps != large:
                continue
            x_adv, success, N2 = mislabeled_set(p, config, rule, eps, generator)
            k = tag(rule, eps)
            out["tags"].append(k)
            out[k] = {"eps": float(eps), "attack_success": float(success.double().mean()),
                      "N2_test_accuracy": float((predict(N2, p.x_test) == p.y_test).double().mean())}
            if progress:
                progress(f"E10's {k}: attack success {out[k]['attack_success']:.2f}, "
                         f"N2 clean test acc {out[k]['N2_test_accuracy']:.3f}")
    return out
