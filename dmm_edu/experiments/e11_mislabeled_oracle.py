"""E11 — training on mislabeled adversarial examples, in a world with an oracle.

Ilyas et al. (2019) attacked every training image of a network N1 towards a target class t,
relabelled the result as t and trained a fresh network N2 on these points alone; N2 still
classified clean test images well (C8). Here the same construction runs in the subspace world,
where an oracle knows the true class of any point. Each training point x is pushed by targeted
PGD-L2 on N1 towards t, within ‖δ‖ ≤ eps and only along the normal space of the manifold
(space="off"), so the oracle label of x + δ is still y and the new label t is wrong whenever
t ≠ y. D_rand draws t uniformly over all C classes (t carries no information about y), D_det sets
t = (y + 1) mod C (t is always wrong). A fresh N2 is trained on (x + δ, t) only and tested on the
clean test set. eps is a multiple of N1's median minimal off-manifold distance d_off (DeepFool).
Beside it: a free (unrestricted) attack, and a control that trains N2 on the clean x with the
D_rand labels and no δ at all (the labels alone; chance is expected).
What the accounts predict. "Non-robust features in the data": N2 reads at clean test points
the same features the attack planted; but clean points here have no off-manifold component at
all, so that account leaves N2 nothing to use at test time. Distillation through the labels
(Wallace): the D_rand labels are independent of y, so the control must sit at chance. The DMM
account: N1's boundary lies close to the manifold, so δ is a short step out of the region of
y towards that of t; "away from y" tells N2 where y's region is, and N2 can learn the clean
classes from perturbed, randomly labelled points. For D_det the on-manifold rule y ↦ y + 1 fits
every training label, so N2 can be expected to learn it and score near 0 on clean points.
Caveats the results show: a free attack at the large eps crosses the true class boundary on
the manifold (the oracle then agrees with t, and the "mislabeled" set is correctly labelled);
N1 uses the recipe's default init scale c = 1.41 (c = 2.5, the clinging regime, also passes
the check, with lower N2 accuracy).
Check: D_rand, off-manifold attack, large eps: N2's clean test accuracy ≥ 0.6 while the oracle
agrees with t on ≤ 0.35 of the new training set (why: the geometric account has N2 learn N1's class
regions from steps away from them, so it must score far above chance, 1/4, on clean points that carry
none of the planted δ, while the new labels stay wrong by the oracle, near chance; the book lists
every check in the appendix "Predictions and checks").
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dmm_edu._checks import check_choice, check_positive_float, check_positive_int
from dmm_edu.attacks import deepfool, pgd
from dmm_edu.experiments._mislabeled import TARGETS, new_targets
from dmm_edu.experiments._subspace import Recipe, check_recipe, attack_set, clean_accuracy, make_model, make_world, train_model
from dmm_edu.numpy_nn import SGD, accuracy, train

SPACES = ("off", "free")


@dataclass(frozen=True)
class Config:
    eps_over_d_off: tuple[float, ...] = (0.5, 2.0)  #: eps as multiples of N1's median d_off: "small", "large"
    variants: tuple[tuple[str, str], ...] = (("rand", "off"), ("det", "off"), ("rand", "free"))  #: (targets, space)
    # targets "rand": t uniform over all classes, "det": t = (y + 1) mod C; space "off": δ in the normal
    # space (the oracle label stays y), "free": δ anywhere (the oracle label may change)
    control: bool = True  #: also train N2 on the clean points with the D_rand labels (no δ): should sit at chance
    steps: int = 20  #: PGD steps of the targeted attack
    alpha_factor: float = 2.5  #: PGD step alpha = alpha_factor · eps / steps
    recipe: Recipe = field(default_factory=lambda: Recipe(n_attack=150, dtype="float32"))  #: N1 and N2 (c = 1.41)


CONFIGS = {
    "smoke": Config(variants=(("rand", "off"), ("det", "off")), steps=10,
                    recipe=Recipe(n_test=300, hidden=(64, 64, 64), epochs=20, n_attack=100, dtype="float32")),
    "book": Config(),
    "full": Config(eps_over_d_off=(0.25, 0.5, 1.0, 2.0, 4.0),
                   variants=tuple((t, s) for t in TARGETS for s in SPACES), steps=100,
                   recipe=Recipe(n_train=10000, epochs=100, n_attack=1000)),
}


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    if not config.eps_over_d_off:
        raise ValueError(f"eps_over_d_off={config.eps_over_d_off!r} is not accepted; expected a non-empty tuple")
    for i, eps in enumerate(config.eps_over_d_off):
        check_positive_float(f"eps_over_d_off[{i}]", eps)
    if not config.variants:
        raise ValueError(f"variants={config.variants!r} is not accepted; expected a non-empty tuple of "
                         f"(targets, space) pairs, targets in {TARGETS}, space in {SPACES}")
    for i, (targets, space) in enumerate(config.variants):
        check_choice(f"variants[{i}][0]", targets, TARGETS)
        check_choice(f"variants[{i}][1]", space, SPACES)
    check_positive_int("steps", config.steps)
    check_positive_float("alpha_factor", config.alpha_factor)
    check_recipe(config.recipe)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    recipe = config.recipe
    for pair in config.variants:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and pair[0] in TARGETS and pair[1] in SPACES):
            raise ValueError(f"variants contains {pair!r}, which is not accepted; expected pairs (targets, space) "
                             f"with targets in {TARGETS} and space in {SPACES}")
    world = make_world(recipe, rng)
    C = world.n_classes

    N1 = make_model(recipe, C, rng)
    train_model(N1, world, recipe, rng)
    xa, ya = attack_set(N1, world, recipe.n_attack)  # (M, n), (M,)
    d_off = deepfool(N1, xa, ya, space="off", projector=world.projector).median_norm()  # sets the eps scale
    d_free = deepfool(N1, xa, ya).median_norm()
    metrics: dict = {"N1": {"test_accuracy": clean_accuracy(N1, world), "d_off_median": d_off,
                            "d_free_median": d_free},
                     "chance": 1.0 / C, "tags": []}
    arrays: dict = {}
    if progress:
        progress(f"N1: test acc {metrics['N1']['test_accuracy']:.3f}, median d_off {d_off:.3f}, d_free {d_free:.3f}")

    x = world.x.astype(N1.dtype)  # (N, n)
    t_of = {rule: new_targets(world.y, C, rule, rng) for rule in TARGETS}  # (N,) each: the new labels
    for rule, space in config.variants:
        t = t_of[rule]
        for factor in config.eps_over_d_off:
            eps = factor * d_off
            adv = pgd(N1, x, t, eps, alpha=config.alpha_factor * eps / config.steps, steps=config.steps,
                      norm="l2", targeted=True, space=space, projector=world.projector)
            x_new = adv.x_adv  # (N, n) every point is kept, whether or not N1 now says t
            N2 = make_model(recipe, C, rng)  # fresh weights
            train(N2, SGD(N2.params, N2.grads, lr=recipe.lr), x_new, t, epochs=recipe.epochs,
                  batch_size=recipe.batch_size, rng=rng)
            tag = f"{rule}_{space}_eps{factor:g}"
            metrics["tags"].append(tag)
            metrics[tag] = m = {
                "eps_over_d_off": factor, "eps": eps,
                "attack_success": adv.success_rate,  # N1(x + δ) == t
                # the same among the points whose label changed (t ≠ y): where t = y the attack has nothing to do
                "attack_success_changed": float(np.mean(np.asarray(adv.success)[t != world.y])) if np.any(t != world.y) else float("nan"),
                "oracle_agrees_with_t": float(np.mean(world.oracle(x_new) == t)),  # true class of x + δ is t
                "oracle_kept_y": float(np.mean(world.oracle(x_new) == world.y)),
                "t_equals_y": float(np.mean(t == world.y)),
                "N2_train_accuracy": accuracy(N2, x_new, t),  # on its own (x + δ, t)
                "N2_test_accuracy": clean_accuracy(N2, world),  # on the clean test set, true labels
            }
            arrays[f"N2_pred_{tag}"] = N2.predict(world.x_test)  # (M_test,)
            if progress:
                progress(f"{tag}: eps {eps:.3f}, attack success {m['attack_success']:.2f}, oracle = t "
                         f"{m['oracle_agrees_with_t']:.2f}, N2 clean test acc {m['N2_test_accuracy']:.3f}")
    if config.control:  # the labels alone: t uniform, independent of y, and no perturbation to read
        N2 = make_model(recipe, C, rng)
        train(N2, SGD(N2.params, N2.grads, lr=recipe.lr), x, t_of["rand"], epochs=recipe.epochs,
              batch_size=recipe.batch_size, rng=rng)
        metrics["control_rand_labels_no_delta"] = {"N2_test_accuracy": clean_accuracy(N2, world)}
        if progress:
            progress(f"control (rand labels, no perturbation): N2 clean test acc "
                     f"{metrics['control_rand_labels_no_delta']['N2_test_accuracy']:.3f}")
    arrays["y_test"] = world.y_test
    return metrics, arrays
