"""E10 — training on mislabeled adversarial examples, on real images (Ilyas et al. 2019, Section 3.2).

A network N1 is trained on real images (bundled MNIST by default: 8,000 training / 2,000 test digits, a
subset of MNIST's training images split by us). Every training image x (label y) is pushed by targeted
L2 PGD on N1 towards a target class t, within ‖δ‖₂ <= eps and the box [0, 1], and the result is labelled
t. D_det sets t = (y + 1) mod C, so every new label is wrong; D_rand draws t uniformly over ALL C classes,
as Ilyas et al. did, so t is independent of y (drawing t ≠ y instead would make the labels
anti-informative: "not y" is information about y). A fresh network N2 (new weights, the same recipe) is
trained on (x + δ, t) alone and tested on the clean test images with their true labels (claim C8: far
above chance 1/C). Every point is kept whether or not the attack reached t; the attack success rate
(the share of x + δ that N1 labels t) and the share of N2's labels that equal the true y (D_rand ≈ 1/C,
D_det 0) are reported beside N2's accuracy.
What to expect. At a small eps the attack mostly fails, x + δ ≈ x, and D_det's labels are the fixed
permutation y ↦ y + 1 of the truth: N2 learns that permutation and scores near 0 on the true labels,
while D_rand's labels are noise on clean-looking images. At a large eps the attack succeeds and N2 reads
what δ planted (non-robust features, Ilyas; the side of N1's boundary, the DMM; N1's function leaking
through the labels, Wallace — E12 isolates the last one).
Check: D_rand >= 0.8 at the largest eps; D_det <= 0.1 at the smallest eps (why: C8 says N2 classifies
clean images well, far above chance, once the attack has planted t; and where the budget is too small
for the attack to reach t, D_det is only the permutation y ↦ y + 1, so N2 must be wrong on almost every
clean image, a control every account predicts; the book lists every check in the appendix "Predictions
and checks"). Both are recorded in metrics["checks"], whether or not they hold, beside the
judge's: it says y on a majority of D_rand's changed images at eps = 2 and t on a majority at the largest
eps, and on(δ) exceeds twice √(k/n) there (why: the chapter reads eps = 2 as "still looks like y to a
robust classifier" and the largest eps as "draws the new label", and δ as lying along the digits).
Per eps and rule the result holds the attack's success rate (the share of images it moved to t), N2's clean accuracy and the
first n_examples images x + δ (arrays ex_x_adv_{rule}_eps{eps}; ex_x_adv_{rule} at the largest eps); a
budget counts as "large" only where the attack mostly succeeds, and the book shows every eps (claims
E10.*). Ilyas et al.'s CIFAR-10 numbers and attack settings (dmm_edu.published, keys ilyas.cifar10.*)
sit beside ours in metrics["agrees_with_published"], with a one-line note on what differs.
Does x + δ still look like x? Two measurements, per rule and eps, over the images whose label changed
(t ≠ y): (a) a judge, an MLP of N1's recipe trained independently of N1 (its own weights, batches and
attack starts, drawn from the run's rng after every draw above, so no number above depends on it)
and adversarially, Madry-style with L2 PGD on the same training digits (E9i's recipe: 5 steps of
2.5·eps/5 from a random start, eps = N1's median DeepFool d_free over correctly classified test digits,
unless judge_eps is given; judge_epochs epochs, 5 at the book profile, which keeps E10's cost within
seconds: 8,000 digits × 5 epochs is twice the batches of E9i's book network). At that radius about half
the digits have an adversarial example, so the judge is robust where the minimal perturbations lie, while its budget stays well below the eps that
are read (2, 3, 4): a judge trained invariant to eps = 2 would say y at eps = 2 by construction. The
judge labels each x + δ; the shares it assigns to t, to y and to neither are reported (judge_says_t,
judge_says_y, judge_says_other), beside its clean test and robust accuracy, and over every pair N2
trains on, the share whose label t the judge gives x + δ (judge_agrees_with_label; 1/C for labels
unrelated to what the image shows). (b) on(δ) = ‖P_T δ‖/‖δ‖ with
T the top-k PCA directions of the training digits (k as E6 / E8i), its median beside the random
baseline √(k/n) and beside the median on(x' - x) of two training digits of different classes, a step
that really draws another digit. A judge that says t means that δ moved the digit for a robust
classifier, not only for N1; one that says y means that x + δ still reads as the old digit.
The book profile uses fewer PGD steps (20, alpha = 2.5 · eps / 20) than Ilyas et al., to stay within CPU
minutes; the full profile uses their step count with a step of eps / 20.
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.attacks import deepfool
from dmm_edu.experiments._images import (
    check_image_recipe,
    compare,
    pgd_l2_perturb,
    robust_accuracy,
    torch_generator,
    train_config,
)
from dmm_edu.experiments._mislabeled import TARGETS
from dmm_edu.experiments._mislabeled_images import (
    PUBLISHED,
    MislabeledConfig,
    begin,
    check_mislabeled_config,
    mislabeled_set,
    tag,
)
from dmm_edu.manifold import PCAProjector, on_fraction, random_baseline
from dmm_edu.torch_nn import MLP, SmallCNN, evaluate, predict, train_classifier

RAND_MIN = 0.8  # C8: once the attack plants t, D_rand's N2 classifies clean images well, far above chance 1/C
DET_MAX = 0.1  # a small eps leaves D_det the permutation y -> y + 1: N2 learns it, at most chance 1/C on y


@dataclass(frozen=True)
class Config(MislabeledConfig):
    """E10's fields are the ones E10 and E12 share (`_mislabeled_images.MislabeledConfig`, one docstring per
    field there): ImageRecipe's data and classifier fields train N1 and every N2 alike; eps, rules and the
    PGD fields make the mislabeled sets. The fields below are E10's own: the judge and the tangent
    (E12 does not read them). E10 also reads ImageRecipe's DeepFool fields n_attack, steps and overshoot,
    for the judge's radius (N1's median d_free); E12 does not."""

    k: int = 16  #: dimension of the PCA tangent of the training images, on(δ) (E6 / E8i's k)
    judge_eps: float | None = None  #: L2 radius of the judge's adversarial training; None: N1's median d_free (E9i's rule)
    judge_epochs: int = 5  #: the judge's training epochs (5 on 8,000 digits: twice the batches of E9i's book network)
    judge_at_steps: int = 5  #: PGD steps per training batch of the judge (E9i)
    judge_alpha_factor: float = 2.5  #: its PGD step alpha = judge_alpha_factor · judge_eps / judge_at_steps (E9i)
    judge_robust_steps: int = 20  #: PGD steps of the judge's robust-accuracy attack at judge_eps
    n_judge_robust: int = 500  #: test images the judge's robust accuracy is measured on


CONFIGS = {
    "smoke": Config(n_per_class=300, epochs=4, eps=(0.5, 2.0), pgd_steps=10, n_examples=4),
    "book": Config(),
    "full": Config(dataset="mnist", download=True, epochs=20, eps=(0.5, 1.0, 2.0, 3.0, 4.0), pgd_steps=100,
                   pgd_alpha_factor=5.0, attack_batch=10000, judge_epochs=10, judge_at_steps=10),
}
# The full profile on CIFAR-10, Ilyas et al.'s attack (its eps, step and iterations: dmm_edu.published):
# `run_experiment("E10", "full", **FULL_CIFAR10)` (SmallCNN; Ilyas et al. used a ResNet).
FULL_CIFAR10 = {"dataset": "cifar10", "model": "cnn", "epochs": 30, "eps": (0.25, 0.5, 1.0), "pgd_steps": 100,
                "pgd_alpha_factor": 20.0, "attack_batch": 5000}


def check_config(config: Config) -> None:
    """ValueError naming the field for a config this experiment cannot run."""
    check_mislabeled_config(config)
    check_image_recipe(config)
    check_positive_int("k", config.k)
    if config.judge_eps is not None:
        check_positive_float("judge_eps", config.judge_eps)
    check_positive_int("judge_epochs", config.judge_epochs)
    check_positive_int("judge_at_steps", config.judge_at_steps)
    check_positive_float("judge_alpha_factor", config.judge_alpha_factor)
    check_positive_int("judge_robust_steps", config.judge_robust_steps)
    check_positive_int("n_judge_robust", config.n_judge_robust)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    check_config(config)
    p = begin(config, rng)  # the split, N1, the new labels of every rule (the protocol's draws, shared with E12)
    N1, x, y, x_test, y_test, C = p.N1, p.x, p.y, p.x_test, p.y_test, p.n_classes
    metrics: dict = {"dataset": config.dataset, "n_train": len(y), "n_test": len(y_test), "chance": 1.0 / C,
                     "N1": {"test_accuracy": evaluate(N1, x_test, y_test), "train_accuracy": evaluate(N1, x, y)},
                     "tags": []}
    arrays: dict = {"y_test": y_test.numpy()}
    if progress:
        progress(f"{config.dataset}: N1 clean test accuracy {metrics['N1']['test_accuracy']:.4f}")

    ex = np.arange(min(config.n_examples, len(y)))  # (E,) the first training images, drawn in the figure
    arrays.update({"ex_x": x[ex].numpy(), "ex_y": y[ex].numpy()})
    x_advs: dict = {}  # {tag: (N, C, H, W) x + δ}, read by the judge after the last draw of the protocol
    for rule in config.rules:
        t = p.targets[rule]  # (N,)
        for eps in config.eps:
            # N1's attack towards t within eps, and a fresh N2 trained on (x + δ, t) only
            x_adv, success, N2 = mislabeled_set(p, config, rule, eps, torch_generator(rng))
            y_hat = predict(N2, x_test)  # (M,)
            delta_norm = torch.linalg.vector_norm((x_adv - x).reshape(len(x), -1), dim=1)  # (N,)  ‖δ‖₂
            k = tag(rule, eps)
            metrics["tags"].append(k)
            metrics[k] = m = {
                "rule": rule, "eps": float(eps),
                "attack_success": float(success.double().mean()),  # N1(x + δ) == t
                # the same among the points whose label changed (t ≠ y): where t = y the attack has nothing to do
                "attack_success_changed": float(success[t != y].double().mean()) if bool((t != y).any()) else float("nan"),
                "t_equals_y": float((t == y).double().mean()),  # the labels are wrong: ≈ 1/C (rand), 0 (det)
                "delta_norm_median": float(delta_norm.median()),
                "N2_train_accuracy": evaluate(N2, x_adv, t),  # on its own (x + δ, t)
                "N2_test_accuracy": float((y_hat == y_test).double().mean()),  # clean test set, true labels
                "N2_test_says_y_plus_1": float((y_hat == (y_test + 1) % C).double().mean()),  # learned y ↦ y + 1?
            }
            arrays[f"N2_pred_{k}"] = y_hat.numpy()  # (M,)
            x_advs[k] = x_adv
            arrays[f"ex_x_adv_{k}"] = x_adv[ex].numpy()  # (E, C, H, W)  the examples at every eps (interactive figure)
            if eps == max(config.eps):
                arrays[f"ex_x_adv_{rule}"] = x_adv[ex].numpy()  # (E, C, H, W)
                arrays[f"ex_t_{rule}"] = t[ex].numpy()  # (E,)
            if progress:
                progress(f"{k}: attack success {m['attack_success']:.2f}, t = y {m['t_equals_y']:.2f}, "
                         f"N2 clean test acc {m['N2_test_accuracy']:.3f}")
    looks_like(config, p, x_advs, metrics, arrays, ex, rng, progress)  # the judge and on(δ): drawn last
    # the largest budget under one name in every profile (the book quotes it; its eps differs by profile)
    metrics["largest_eps"] = {"eps": float(max(config.eps)),
                              **{rule: dict(metrics[tag(rule, max(config.eps))]) for rule in config.rules}}
    metrics["published"] = PUBLISHED
    metrics["agrees_with_published"] = published_comparison(metrics, config)
    metrics["checks"] = checks(metrics, config)
    return metrics, arrays


def looks_like(config: Config, p, x_advs: dict, metrics: dict, arrays: dict, ex: np.ndarray,
               rng: np.random.Generator, progress=None) -> None:
    """Does x + δ still look like x? Adds to every metrics[tag], over the images whose label changed
    (t ≠ y): judge_says_t / judge_says_y / judge_says_other (the shares the robust judge assigns to t,
    to y, to neither; they sum to 1) and on_delta_median (the median on(δ) in the PCA tangent), and
    metrics["judge"] and the tangent's facts; arrays ex_judge_{tag} (E,), the judge's label of each
    example x + δ. Every draw here comes after the protocol's last one, so no earlier number moves."""
    x, y, x_test, y_test, C = p.x, p.y, p.x_test, p.y_test, p.n_classes
    eps, d_free = config.judge_eps, float("nan")
    if eps is None:  # E9i's rule: N1's median minimal L2 perturbation (DeepFool) over test digits it classifies right
        ok = torch.nonzero(predict(p.N1, x_test) == y_test).flatten()[:config.n_attack]  # (A,)
        device = next(p.N1.parameters()).device
        d0 = deepfool(p.N1, x_test[ok].to(device), y_test[ok].to(device), steps=config.steps,
                      overshoot=config.overshoot)
        d_free = eps = float(torch.median(d0.norm[d0.success]))
    judge = train_judge(config, x, y, C, eps, torch_generator(rng), torch_generator(rng))
    robust_pick = torch.from_numpy(rng.permutation(len(y_test))[:config.n_judge_robust])  # (R,)
    device = next(judge.parameters()).device
    metrics["judge"] = {
        "eps": eps, "eps_from_N1_d_free": config.judge_eps is None, "N1_d_free_median": d_free,
        "test_accuracy": evaluate(judge, x_test, y_test), "train_accuracy": evaluate(judge, x, y),
        "robust_accuracy": robust_accuracy(judge, x_test[robust_pick].to(device), y_test[robust_pick].to(device),
                                           eps, config.judge_robust_steps)}
    X = x.reshape(len(x), -1).double().numpy()  # (N, n) the training digits as rows
    pca = PCAProjector(X, config.k)  # T = span of the top-k principal directions
    n = X.shape[1]
    other = torch.roll(torch.arange(len(y)), -1)  # (N,) each digit's neighbour in the (already drawn) order
    pair = y[other] != y  # (N,) pairs of digits of different classes
    on_pair = on_fraction((x[other] - x).reshape(len(x), -1)[pair], pca)  # (N_p,) a step that draws another digit
    metrics.update({"k": config.k, "n": n, "pca_explained_variance": pca.captured,
                    "baseline_on": random_baseline(n, config.k),
                    "on_digit_difference_median": float(np.nanmedian(on_pair)) if np.isfinite(on_pair).any() else float("nan")})
    for k, x_adv in x_advs.items():
        t = p.targets[metrics[k]["rule"]]  # (N,)
        changed = t != y  # (N,) the images whose label changed
        j = predict(judge, x_adv)  # (N,) the judge's label of x + δ
        says_t, says_y = (j == t)[changed], (j == y)[changed]  # (N_c,)
        on = on_fraction((x_adv - x).reshape(len(x), -1)[changed], pca)  # (N_c,) NaN where δ = 0
        metrics[k].update({
            "judge_says_t": float(says_t.double().mean()), "judge_says_y": float(says_y.double().mean()),
            "judge_says_other": float((~says_t & ~says_y).double().mean()),
            # over every pair N2 trains on (t = y included): how often a robust classifier gives x + δ N2's label
            "judge_agrees_with_label": float((j == t).double().mean()),
            "on_delta_median": float(np.nanmedian(on)) if np.isfinite(on).any() else float("nan")})
        arrays[f"ex_judge_{k}"] = j[ex].numpy()  # (E,)
        if progress:
            m = metrics[k]
            progress(f"{k}: the judge says t {m['judge_says_t']:.2f}, y {m['judge_says_y']:.2f}; "
                     f"on(δ) {m['on_delta_median']:.3f} (random {metrics['baseline_on']:.3f})")


def train_judge(config: Config, x: torch.Tensor, y: torch.Tensor, n_classes: int, eps: float,
                generator: torch.Generator, attack_generator: torch.Generator) -> torch.nn.Module:
    """A classifier of N1's recipe with its own weights and batches (`generator`), trained Madry-style on
    PGD-L2 batches at eps (E9i's inner maximisation, random starts from `attack_generator`)."""
    shape = tuple(x.shape[1:])  # (C, H, W)
    if config.model == "mlp":
        model = MLP(shape, config.hidden, n_classes, generator=generator)
    else:
        model = SmallCNN(shape, n_classes, generator=generator)
    alpha = config.judge_alpha_factor * eps / config.judge_at_steps
    perturb = pgd_l2_perturb(eps, config.judge_at_steps, alpha, attack_generator)
    train_classifier(model, x, y, train_config(config, config.judge_epochs), generator=generator,
                     perturb=perturb)
    return model.eval()


def published_comparison(metrics: dict, config: Config) -> dict:
    """Rows {ours, published, agrees, reason} for Ilyas et al.'s original / D_rand / D_det accuracies, ours
    taken at the eps closest to their CIFAR-10 budget and at the largest eps; the reason names what differs."""
    ilyas = PUBLISHED["ilyas_cifar10"]
    model = f"an MLP {tuple(config.hidden)}" if config.model == "mlp" else "a small CNN"
    if config.dataset != "cifar10":
        setting = (f"not comparable: {config.dataset} ({metrics['n_train']} training images) with {model}, "
                   f"vs CIFAR-10 with a ResNet; an L2 budget means something else on other images")
    else:
        setting = None  # same data: compare within the tolerance, and say that the model still differs
    rows = {"original": _row(metrics["N1"]["test_accuracy"], ilyas["original"], config, setting, model, None)}
    eps_near = min(config.eps, key=lambda e: abs(e - 0.5))
    for eps in sorted({eps_near, max(config.eps)}):
        for rule in config.rules:
            rows[tag(rule, eps)] = _row(metrics[tag(rule, eps)]["N2_test_accuracy"], ilyas[f"d_{rule}"], config,
                                        setting, model, eps)
    return rows


def _row(ours: float, published: float, config: Config, setting: str | None, model: str, eps) -> dict:
    row = compare(ours, published, config.published_rtol, setting)
    if setting is None:
        attack = "" if eps is None else f", eps {eps:g}, {config.pgd_steps} steps of {config.pgd_alpha_factor:g}·eps/steps"
        note = f"CIFAR-10 with {model} (Ilyas et al.: a ResNet{'' if eps is None else ', ' + PUBLISHED['ilyas_cifar10']['attack']}){attack}"
        row["reason"] = (f"agrees; note {note}" if row["agrees"] else f"{row['reason']}; {note}")
    return row


def checks(metrics: dict, config: Config) -> dict:
    """The checks of the module docstring (and the tests' weaker forms), recorded whether or not they hold."""
    small, large, chance = min(config.eps), max(config.eps), metrics["chance"]
    out = {}
    if "rand" in config.rules:
        acc = metrics[tag("rand", large)]["N2_test_accuracy"]
        out[f"rand_eps{large:g}_at_least_{RAND_MIN:g}"] = bool(acc >= RAND_MIN)
        out[f"rand_eps{large:g}_at_least_2x_chance"] = bool(acc >= 2 * chance)
    if "det" in config.rules:
        out[f"det_eps{small:g}_at_most_{DET_MAX:g}"] = bool(metrics[tag("det", small)]["N2_test_accuracy"] <= DET_MAX)
    if "rand" in config.rules and "judge_says_t" in metrics[tag("rand", large)]:  # does x + δ still look like x?
        for eps in sorted({e for e in config.eps if e == 2.0}):  # the budget the chapter reads as "still y"
            out[f"rand_eps{eps:g}_judge_says_y_majority"] = bool(metrics[tag("rand", eps)]["judge_says_y"] > 0.5)
        out[f"rand_eps{large:g}_judge_says_t_majority"] = bool(metrics[tag("rand", large)]["judge_says_t"] > 0.5)
        out[f"rand_eps{large:g}_on_delta_above_2x_random"] = bool(
            metrics[tag("rand", large)]["on_delta_median"] > 2 * metrics["baseline_on"])
    if set(config.rules) == set(TARGETS):
        out[f"det_below_rand_at_eps{small:g}"] = bool(metrics[tag("det", small)]["N2_test_accuracy"]
                                                     < metrics[tag("rand", small)]["N2_test_accuracy"])
    return out
