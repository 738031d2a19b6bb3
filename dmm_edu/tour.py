"""A guided tour in a few seconds: train a numpy MLP on a known manifold and attack it.

The tour is the package's first experiment in miniature. It builds the "subspace-k-in-n" world
(data on a random k-dimensional subspace of Rⁿ, four classes by quadrant), trains a small MLP,
then asks DeepFool for the smallest perturbation that flips each correctly classified test
point, and measures how much of that perturbation lies along the data manifold,
on(δ) = ‖P_T δ‖ / ‖δ‖, beside the value a random direction would give, √(k/n).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from dmm_edu._checks import check_positive_float, check_positive_int


@dataclass
class TourConfig:
    n: int = 200  #: ambient dimension
    k: int = 10  #: manifold (subspace) dimension
    n_train: int = 3000  #: training points
    n_test: int = 1000  #: test points
    hidden: int = 256  #: width of each of the two hidden layers
    c: float = 2.5  #: init scale, W ~ N(0, c²/fan_in); large c gives the dimpled-manifold regime
    lr: float = 0.05  #: SGD learning rate
    batch_size: int = 64  #: mini-batch size
    epochs: int = 15  #: passes over the training data
    n_attack: int = 200  #: correctly classified test points to attack
    seed: int = 0  #: seed of the one generator every random draw uses

    def __post_init__(self) -> None:
        """Refuse a bad field by name before any work (a NaN init scale would train to NaN otherwise)."""
        for name in ("n", "k", "n_train", "n_test", "hidden", "batch_size", "epochs", "n_attack"):
            setattr(self, name, check_positive_int(name, getattr(self, name)))
        self.seed = check_positive_int("seed", self.seed, minimum=0)
        self.c = check_positive_float("c", self.c)
        self.lr = check_positive_float("lr", self.lr)
        if not 2 <= self.k <= self.n:
            raise ValueError(f"k={self.k} is not accepted; the quadrant labels need 2 <= k <= n = {self.n}")

    @property
    def total_steps(self) -> int:
        """SGD steps the tour takes: epochs × ceil(n_train / batch_size)."""
        return self.epochs * -(-self.n_train // self.batch_size)


@dataclass
class TourResult:
    config: dict
    train_accuracy: float
    test_accuracy: float
    attack_success_rate: float  #: share of attacked points DeepFool flipped
    median_distance: float  #: median ‖δ‖ of the minimal (DeepFool) perturbations
    median_on_fraction: float  #: median on(δ) = ‖P_T δ‖/‖δ‖ of those perturbations
    random_baseline: float  #: √(k/n), the on-fraction of a random direction
    median_other_class_distance: float  #: median distance to the nearest training point of another class


def run_tour(config: TourConfig | None = None, progress: Callable[[int, int], None] | None = None) -> TourResult:
    """Run the tour; `progress(step, total)` is called after each training step if given."""
    from dmm_edu.attacks import deepfool
    from dmm_edu.data.synthetic import subspace_world
    from dmm_edu.manifold import on_fraction, random_baseline
    from dmm_edu.numpy_nn import MLP, SGD, accuracy, train

    cfg = config or TourConfig()
    if not isinstance(cfg, TourConfig):
        raise TypeError(f"config must be a TourConfig or None; got {type(cfg).__name__}")
    rng = np.random.default_rng(cfg.seed)
    world = subspace_world(n=cfg.n, k=cfg.k, n_train=cfg.n_train, n_test=cfg.n_test, labels="quadrant", rng=rng)
    model = MLP([cfg.n, cfg.hidden, cfg.hidden, world.n_classes], "relu", c=cfg.c, rng=rng)
    optimizer = SGD(model.params, model.grads, lr=cfg.lr)
    callbacks = [lambda s: progress(s.step, cfg.total_steps)] if progress else []
    try:
        train(model, optimizer, world.x, world.y, epochs=cfg.epochs, batch_size=cfg.batch_size, rng=rng,
              callbacks=callbacks)
    except FloatingPointError as exc:
        raise FloatingPointError(f"{exc}, or a smaller init scale c (now {cfg.c:g}; the tour's default is "
                                 f"{TourConfig.c})") from exc
    if not np.isfinite(model.forward(world.x_test)).all():  # trained, but its logits overflow on the test set
        raise FloatingPointError(f"the trained network's logits are NaN or inf on the test points; use a smaller "
                                 f"init scale c (now {cfg.c:g}; the tour's default is {TourConfig.c})")

    correct = np.flatnonzero(model.predict(world.x_test) == world.y_test)  # attack only these
    idx = correct[: cfg.n_attack]
    x, y = world.x_test[idx], world.y_test[idx]  # (M, n), (M,)
    result = deepfool(model, x, y)
    ok = result.success
    on = on_fraction(result.delta[ok], world.projector, x=x[ok])  # (M_ok,)

    # distance from each attacked point to the nearest training point with another label:
    # ‖a - b‖² = ‖a‖² - 2 a·b + ‖b‖², an (M, N_train) matrix without an (M, N_train, n) temporary
    d2 = (x**2).sum(axis=1)[:, None] - 2 * x @ world.x.T + (world.x**2).sum(axis=1)[None, :]  # (M, N_train)
    d2[y[:, None] == world.y[None, :]] = np.inf
    other = np.sqrt(np.maximum(d2.min(axis=1), 0.0))  # (M,)

    return TourResult(
        config=asdict(cfg),
        train_accuracy=accuracy(model, world.x, world.y),
        test_accuracy=accuracy(model, world.x_test, world.y_test),
        attack_success_rate=result.success_rate,
        median_distance=result.median_norm(),
        median_on_fraction=float(np.median(on)) if on.size else float("nan"),
        random_baseline=random_baseline(cfg.n, cfg.k),
        median_other_class_distance=float(np.median(other)),
    )


def describe(r: TourResult) -> str:
    """The tour's result in plain words."""
    c = r.config
    return "\n".join([
        f"World: {c['n_train']} training points on a random {c['k']}-dimensional subspace of "
        f"R^{c['n']}, 4 classes by quadrant.",
        f"Network: MLP {c['n']}-{c['hidden']}-{c['hidden']}-4, ReLU, init scale c={c['c']}, "
        f"SGD lr={c['lr']}, {c['epochs']} epochs.",
        "",
        f"Clean accuracy: {r.train_accuracy:.1%} on the training set, {r.test_accuracy:.1%} on the test set.",
        f"Minimal adversarial distance (DeepFool, L2): median {r.median_distance:.3f} "
        f"(found for {r.attack_success_rate:.0%} of the attacked test points).",
        f"Nearest training point of another class: median {r.median_other_class_distance:.3f} away, "
        f"{r.median_other_class_distance / r.median_distance:.1f} times farther.",
        f"On-manifold fraction of those perturbations, ||P_T d|| / ||d||: median {r.median_on_fraction:.2f}.",
        f"A random direction would give sqrt(k/n) = {r.random_baseline:.2f}: the perturbation leans "
        f"{r.median_on_fraction / r.random_baseline:.1f} times more along the manifold than chance.",
        "",
        "Try `dmm-edu tour --c 0.5`: the init scale alone moves these numbers (see the book's "
        "chapter on the random baseline).",
    ])
