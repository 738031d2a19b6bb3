"""Training a toy classifier with weight snapshots, and measuring its boundary at a snapshot.

The toy recipe ("recipe B"): one hidden layer of 400 ReLUs, torch's default init
U(±1/√fan_in) for weights and biases, mean binary cross-entropy on the logit, plain full-batch
gradient descent at lr 0.05 in float64, no weight decay. Training stops at T, the first step
where every training point has margin (2y-1)·f(x) > 0.3, and then goes on to a multiple of T for
the late phase. Contrasts change one knob: the initial weights divided by 3 ("small init"), or
weight decay. Snapshots of the weights are kept so that the boundary can be measured at any
fraction of T after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dmm_edu.boundary import (
    cling,
    flat_manifold,
    height_surface,
    in_manifold_margin,
    normal_margin,
)
from dmm_edu.numpy_nn import MLP, SGD, StackedMLP, train, train_stacked


@dataclass(frozen=True)
class ToyRecipe:
    hidden: int = 400  #: hidden ReLU units
    init: str = "uniform"  #: "uniform" = torch's nn.Linear default, U(±1/√fan_in)
    init_divisor: float = 1.0  #: divide the initial weights by this (3 = the small-init contrast)
    weight_decay: float = 0.0  #: L2 weight decay (3e-4 = the weight-decay contrast)
    lr: float = 0.05  #: full-batch gradient-descent learning rate
    stop_margin: float = 0.3  #: T = first step with min_i (2y_i - 1) f(x_i) > stop_margin
    check_every: int = 10  #: test the stopping rule every this many steps


RECIPES = {
    "B": ToyRecipe(),
    "small_init": ToyRecipe(init_divisor=3.0),
    "weight_decay": ToyRecipe(weight_decay=3e-4),
}

EARLY_STEPS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)  # fixed snapshot steps


def make_toy_model(n: int, recipe: ToyRecipe, rng: np.random.Generator, dtype: str = "float64") -> MLP:
    model = MLP([n, recipe.hidden, 1], "relu", init=recipe.init, rng=rng, dtype=dtype)
    if recipe.init_divisor != 1.0:
        for W in (model.params[0], model.params[2]):  # weights only: the biases keep their init
            W /= recipe.init_divisor
    return model


def params_vector(model: MLP) -> np.ndarray:
    return np.concatenate([p.ravel() for p in model.params])  # (P,)


def set_params(model: MLP, theta: np.ndarray) -> MLP:
    i = 0
    for p in model.params:
        p[...] = theta[i:i + p.size].reshape(p.shape)
        i += p.size
    return model


@dataclass
class ToyRun:
    """Weights at snapshot steps, and T (None if the margin rule was not met within max_steps)."""

    steps: np.ndarray  #: (S,) snapshot steps, increasing
    thetas: np.ndarray  #: (S, P) flattened weights at those steps
    T: int | None
    final_step: int

    def at(self, step: int) -> tuple[int, np.ndarray]:
        """The snapshot nearest to `step`: (its step, its weights)."""
        i = int(np.argmin(np.abs(self.steps - step)))
        return int(self.steps[i]), self.thetas[i]


def train_toy(world, recipe: ToyRecipe, rng: np.random.Generator, *, late_factor: float, max_steps: int,
              snapshot_every: int, horizon: int | None = None, dtype: str = "float64") -> tuple[MLP, ToyRun]:
    """Train until T, then on to late_factor·T (or max_steps), keeping weight snapshots.

    With `horizon` (a contrast measured on the clock of a paired recipe-B run), train exactly
    late_factor·horizon steps instead; T is still recorded if the margin rule is met.
    """
    model = make_toy_model(world.n, recipe, rng, dtype)
    s = 2.0 * world.y - 1.0  # (N,) labels as ±1
    snaps = {0: params_vector(model)}
    fixed = horizon is not None
    state = {"T": None, "end": max(1, int(round(late_factor * horizon))) if fixed else max_steps}

    def on_step(st):
        step = st.step
        if step in EARLY_STEPS or step % snapshot_every == 0:
            snaps[step] = params_vector(model)
        if state["T"] is None and step % recipe.check_every == 0:
            if np.min(s * model.forward(world.x)[:, 0]) > recipe.stop_margin:
                state["T"] = step
                snaps[step] = params_vector(model)
                if not fixed:
                    state["end"] = min(max_steps, max(step + 1, int(round(late_factor * step))))
        if step >= state["end"]:
            snaps[step] = params_vector(model)
            return True  # stop
        return None

    opt = SGD(model.params, model.grads, lr=recipe.lr, weight_decay=recipe.weight_decay)
    hist = train(model, opt, world.x, world.y, loss="binary_logistic", steps=state["end"], callbacks=[on_step])
    snaps[hist.steps] = params_vector(model)
    steps = np.array(sorted(snaps))
    return model, ToyRun(steps=steps, thetas=np.stack([snaps[k] for k in steps]), T=state["T"],
                         final_step=hist.steps)


def train_toy_stack(world, recipes: list[ToyRecipe], seeds: list[int], paired: list[int | None], *,
                    late_factor: float, max_steps: int, snapshot_every: int, dtype: str = "float64") -> list[ToyRun]:
    """`train_toy` for several networks at once, in one stack (`numpy_nn.stacked`): the same runs.

    Network j is (recipes[j], seeds[j]): its initial weights are make_toy_model's draw from
    default_rng(seeds[j]). paired[j] is None for a network whose own T sets its end (recipe B:
    late_factor·T, or max_steps), or the index i of the recipe-B network whose clock it runs on
    (a contrast: late_factor·T_i steps, late_factor·max_steps if network i never reaches T). The
    contrast learns its end on the step network i reaches T, so all of them train in lockstep.
    Returns one ToyRun per network, with the same snapshots `train_toy` keeps.
    """
    models = [make_toy_model(world.n, r, np.random.default_rng(seed), dtype) for r, seed in zip(recipes, seeds)]
    J = len(models)
    s = 2.0 * world.y - 1.0  # (N,) labels as ±1
    snaps = [{0: params_vector(m)} for m in models]  # per network: step -> (P,) weights
    T: list[int | None] = [None] * J
    fixed_end = max(1, int(round(late_factor * max_steps)))  # a contrast's end if its recipe-B run never reaches T
    ends = np.array([max_steps if i is None else fixed_end for i in paired], dtype=np.int64)  # (J,)
    early = set(EARLY_STEPS)

    def on_step(st):
        step = st.step
        if step in early or step % snapshot_every == 0:
            for k in st.active:
                snaps[k][step] = st.theta(k)
        for row, k in enumerate(st.active):
            if step % recipes[k].check_every == 0 and T[k] is None:
                if np.min(s * st.logits[row]) > recipes[k].stop_margin:  # every margin (2y-1) f(x) > stop_margin
                    T[k] = step
                    snaps[k][step] = st.theta(k)
                    if paired[k] is None:
                        st.end[k] = min(max_steps, max(step + 1, int(round(late_factor * step))))
                        for c in range(J):  # its contrasts now know their clock
                            if paired[c] == k:
                                st.end[c] = max(1, int(round(late_factor * step)))
        for k in st.active[st.end[st.active] <= step]:
            snaps[k][step] = st.theta(k)  # the last weights

    lr = [r.lr for r in recipes]
    wd = [r.weight_decay for r in recipes]
    net = StackedMLP.from_models(models)
    taken = train_stacked(net, world.x, world.y, lr=lr, weight_decay=wd, steps=ends, callbacks=[on_step])
    runs = []
    for k in range(J):
        snaps[k][int(taken[k])] = net.theta(k)
        steps = np.array(sorted(snaps[k]))
        runs.append(ToyRun(steps=steps, thetas=np.stack([snaps[k][i] for i in steps]), T=T[k],
                           final_step=int(taken[k])))
    return runs


def data_box(world) -> tuple[float, float]:
    """(lo, hi): the range of the training points' manifold coordinates, the box the height field
    covers ([0, 1] per axis for the chessboard, [0.05, 1.05] for the line toy)."""
    manifold = flat_manifold(world)
    t = (world.x - manifold.origin) @ manifold.U  # (N, k) manifold coordinates of the data
    return float(t.min()), float(t.max())


def measure_snapshot(model: MLP, world, *, resolution: int, s_max: float, n_grid: int,
                     margins: bool = False) -> dict:
    """The boundary at the model's current weights.

    Always: the height surface over the data region (the box spanned by the training points in
    manifold coordinates: [0, 1]² for the chessboard, [0.05, 1.05] for the line toy; NaN = no
    crossing within ±s_max),
    cling (missing heights counted as s_max), train accuracy. With `margins`: per point signed
    normal margin (dimple depth), in-manifold margin, and alt (share of points correctly
    classified with the boundary within s_max along the normal).
    """
    manifold = flat_manifold(world)
    lo, hi = data_box(world)
    surf = height_surface(model, manifold, lo, hi, resolution, s_max=s_max, n_grid=n_grid, tol=1e-6)
    c = cling(surf.h, cap=s_max)
    out = {"h": surf.h, "cling": c.value, "cling_missing": c.fraction_missing,
           "accuracy": float(np.mean(model.predict(world.x) == world.y))}
    if margins:
        nm = normal_margin(model, world.x, world.y, manifold.normal, s_max, n_grid=n_grid, tol=1e-6)
        im = in_manifold_margin(model, world.x, world.y, manifold.U, s_max=s_max, n_grid=n_grid, tol=1e-6)
        out.update(normal_margin=nm.value, normal_found=nm.found, in_margin=im.value,
                   alt=float(np.mean(nm.found & (nm.value > 0))))
    return out
