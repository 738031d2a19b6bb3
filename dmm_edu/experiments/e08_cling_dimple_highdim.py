"""E8 — clinging and dimpling over training, in high dimension.

The DMM tells a story in time: early in training the randomly oriented boundary swings over to
lie close to the data manifold along its normal (clinging, C2), then slowly grows shallow bulges
that put each point on its correct side (dimpling, C3). The experiment trains the subspace-world
network and, at epochs 0 (init), 1, 2, 5, 10, 20 and 40, measures at correctly classified test
points the minimal distances to the boundary anywhere (d_free), inside the manifold (d_on) and
along its normal (d_off), and the on-manifold fraction of the loss gradient, on(∇).
The DMM predicts d_off ≪ d_on from the first epoch on (the boundary hugs the manifold, so the
short way out is perpendicular), with d_off growing slowly as the dimples deepen. The alternative,
a boundary that stands across the manifold (the picture for a small init scale, or for
weight-decayed and long training), predicts d_off ≥ d_on. Which one happens depends on the init
scale c: with data in a subspace SGD never changes the weights' response to normal directions, so
c = 2.5 keeps a steep off-manifold slope (DMM regime) and c = 0.5 a flat one (the contrast).
The baseline beside the ratio: a boundary with a random orientation has d_off/d_on ≈ √(k/(n−k))
(for a locally linear f, d_S ∝ 1/‖P_S ∇f‖), which is where every run starts at epoch 0; what
training does is the story: d_off grows slowly (the dimples deepen), and stays below d_on only
for the large init scale.
Check: c = 2.5: d_off/d_on < 0.8 at every epoch ≥ 1 (why: clinging and shallow dimples mean the
normal way stays clearly the shorter one at every trained epoch, so the largest ratio over the
epochs, not only a typical one, must stay below 1 with a margin; the book lists every check in the
appendix "Predictions and checks"); the curves are reported.
Book page: "Dimpling in high dimension" (the toy case).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int
from dmm_edu.boundary.distances import minimal_distances
from dmm_edu.experiments._subspace import Recipe, check_recipe, attack_set, clean_accuracy, make_model, make_world, train_model
from dmm_edu.manifold import baselines
from dmm_edu.numpy_nn import accuracy

CURVES = ("d_free", "d_on", "d_off", "d_off_over_d_on", "on_grad", "test_accuracy", "train_accuracy")


@dataclass(frozen=True)
class Config:
    init_scales: tuple[float, ...] = (2.5, 0.5)  #: init scales c: 2.5 the DMM regime, 0.5 the contrast
    epochs: tuple[int, ...] = (0, 1, 2, 5, 10, 20, 40)  #: measure after these many epochs (0 = at init)
    recipe: Recipe = field(default_factory=lambda: Recipe(n_attack=150, dtype="float32"))  #: world, net, training


CONFIGS = {
    "smoke": Config(epochs=(0, 1, 2, 5, 10, 20), recipe=Recipe(n=100, k=5, n_train=1000, n_test=300, hidden=(64, 64),
                                                          n_attack=100, dtype="float32")),
    "book": Config(),
    "full": Config(init_scales=(0.5, 1.41, 2.5), epochs=(0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 60, 80, 100),
                   recipe=Recipe(n_train=10000, n_attack=1000)),
}


def _check_epochs(epochs) -> tuple[int, ...]:
    e = tuple(epochs)
    if not e or any(not isinstance(v, (int, np.integer)) or v < 0 for v in e) or list(e) != sorted(set(e)):
        raise ValueError(f"epochs={epochs!r} is not accepted; expected strictly increasing non-negative integers")
    return e


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    if not config.init_scales:
        raise ValueError(f"init_scales={config.init_scales!r} is not accepted; expected a non-empty tuple")
    for i, c in enumerate(config.init_scales):
        check_positive_float(f"init_scales[{i}]", c)
    e = list(config.epochs)
    if not e or e != sorted(set(e)):
        raise ValueError(f"epochs={config.epochs!r} is not accepted; expected strictly increasing epoch counts")
    for i, epoch in enumerate(e):
        check_positive_int(f"epochs[{i}]", epoch, minimum=0)
    check_recipe(config.recipe)


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    recipe = config.recipe
    epochs = _check_epochs(config.epochs)
    world = make_world(recipe, rng)
    metrics: dict = {"init_scales": list(config.init_scales), "epochs": list(epochs)}
    arrays: dict = {"epochs": np.array(epochs)}
    for c in config.init_scales:
        tag = f"c{c:g}"
        model = make_model(recipe, world.n_classes, rng, c=c)
        curves: dict[str, list[float]] = {name: [] for name in CURVES}
        done = 0
        for e in epochs:
            if e > done:
                train_model(model, world, recipe, rng, epochs=e - done)  # continue training up to epoch e
                done = e
            x, y = attack_set(model, world, recipe.n_attack)  # (M, n), (M,) correctly classified now
            geo = minimal_distances(model, x, y, world.projector, gradient=True).summary()
            geo["test_accuracy"] = clean_accuracy(model, world)
            geo["train_accuracy"] = accuracy(model, world.x, world.y)
            for name in CURVES:
                curves[name].append(geo[name])
            if progress:
                progress(f"c={c:g} epoch {e}: d_on {geo['d_on']:.3f}, d_off {geo['d_off']:.3f} "
                         f"(d_off/d_on {geo['d_off_over_d_on']:.2f}), on(grad) {geo['on_grad']:.2f}, "
                         f"test acc {geo['test_accuracy']:.3f}")
        ratio = np.array(curves["d_off_over_d_on"])  # (E,)
        trained = np.array(epochs) >= 1
        metrics[tag] = {
            **curves,
            "max_d_off_over_d_on_trained": float(np.max(ratio[trained])) if trained.any() else float("nan"),
            "final_test_accuracy": curves["test_accuracy"][-1],
        }
        arrays.update({f"{name}_{tag}": np.array(v) for name, v in curves.items()})  # (E,) each
    metrics.update(baselines(world.n, world.k))  # d_off/d_on of a random boundary: baseline_d_off_over_d_on
    return metrics, arrays
