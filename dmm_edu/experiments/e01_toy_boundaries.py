"""E1 — the boundary of a toy classifier over training: does it cling, then dimple?

The DMM's picture (C2, C3): early in training the randomly placed decision boundary moves onto
the data manifold and lies along it (clinging, fast), then it grows shallow bulges that put each
training point on its correct side (dimpling, slow). We train a 400-unit ReLU network on the 3-D
chessboard (an m×m grid on the plane z = 0.5, checkerboard labels) and on the paper's 2-D toy
(five points on the line y = 0.5), snapshot its weights, and measure at fixed fractions of T (the
step where every training margin first exceeds 0.3): the height field of the boundary over the
manifold, the cling (mean |height|, 0 = the sheet lies on the manifold), train accuracy, and at T
the per-point normal margin (dimple depth) against the in-manifold margin.

Three recipes differ in one knob each (see `_toy_training.RECIPES`): "B" (torch's default init,
plain full-batch GD), "small_init" (initial weights / 3) and "weight_decay" (3e-4). Seeds matter:
every recipe runs `n_seeds` paired seeds (seed i gives the same initial draw to every recipe), and
the result keeps each seed's numbers, so the book can show the spread, not one lucky run.
Contrasts are measured on the paired recipe-B run's clock: "25% of T" means 25% of that seed's
recipe-B T, so all recipes are compared after the same number of steps (a contrast need not
reach the margin rule at all: weight decay caps the margins).
Check: over ≥ 10 seeds the median cling of recipe B at 25% of T is well below its value at init
and below the small-init contrast (why: clinging is the claim that the boundary reaches the manifold
early, long before the margins are fitted, and that the init scale decides it; a median over ten
paired seeds, not one lucky run, has to show it). The slow test runs 10 seeds; the `full` profile
runs 13, `book` shows 3 paired seeds, and counts the clinging seeds of recipe B over `share_seeds`
= 10 (the seeds beyond the paired ones are measured at init, 25% of T and T only), with the exact
95% interval of that share. Book page: "Clinging and dimpling on a toy".

What the result holds, per recipe and seed (cling counts "no crossing within ±s_max" as s_max, so
beside each cling the share of the grid with no such crossing, the part of it that is the cap):
recipe B's cling at init, over the early fractions of T and at T, with the spread over seeds at
25% of T and the share of seeds below 0.15 there; T itself; at T the median normal margin (the
dimple depth) beside the in-manifold margin, which says whether the nearest label flip goes through
the sheet or within the plane; the small-init and weight-decay contrasts on recipe B's clock (their
cling, and how many seeds meet the margin rule); and the paper's 2-D line toy under recipe B; and, for the book's interactive figure, the height field,
cling and accuracy at every early step, every fraction and `scrub_frames` evenly spaced steps
(the "scrub" arrays: a reader drags a slider through them). The
measured values live in the saved results; the book quotes them as the claims E1.B.*,
E1.small_init.* and E1.line.* on that page, whose figures show several seeds, not one.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from dmm_edu import threads
from dmm_edu._checks import check_choice, check_positive_float, check_positive_int
from dmm_edu.boundary import flat_manifold
from dmm_edu.data.toys import chessboard, line_toy
from dmm_edu.experiments._binomial import clopper_pearson
from dmm_edu.experiments._toy_training import (
    EARLY_STEPS,
    RECIPES,
    data_box,
    make_toy_model,
    measure_snapshot,
    set_params,
    train_toy_stack,
)


@dataclass(frozen=True)
class Config:
    board: int = 8  #: the chessboard is board × board points
    recipes: tuple[str, ...] = ("B", "small_init", "weight_decay")  #: recipes run on the chessboard
    line_toy: bool = True  #: also run recipe B on the paper's 2-D toy
    n_seeds: int = 3  #: paired seeds per recipe
    late_factor: float = 1.5  #: after T, train on to late_factor · T (the late phase)
    max_steps: int = 300_000  #: give up on reaching T after this many steps
    snapshot_every: int = 250  #: keep the weights every this many steps
    fractions: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5)  #: of T; end at late_factor
    resolution: int = 21  #: height field grid points per manifold axis
    s_max: float = 1.0  #: search the boundary within ±s_max of the manifold (also the cling cap)
    n_grid: int = 65  #: grid points per search line before bisection
    dtype: str = "float64"  #: float type of the networks ("float32" trains faster)
    early_cling: bool = True  #: also measure cling at the fixed early steps 1, 2, 5, 10, …
    scrub_frames: int = 40  #: also keep the height field at this many evenly spaced steps (and at every
    #: early step and fraction): the frames the book's interactive figure scrubs through (0 = none)
    workers: int = 2  #: processes training and measuring seeds in parallel, at most threads.workers() (1 = here)
    share_seeds: int = 0  #: recipe-B seeds behind the share of clinging seeds (0: the n_seeds above); the seeds
    #: beyond n_seeds are trained to T and measured at init, 25% of T and T only, and enter nothing else


CONFIGS = {
    "smoke": Config(board=4, recipes=("B", "small_init"), line_toy=True, n_seeds=2, max_steps=60_000,
                    snapshot_every=100, resolution=11, n_grid=33, scrub_frames=8, share_seeds=3),
    "book": Config(late_factor=1.25, fractions=(0.0, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.25),
                   dtype="float32", share_seeds=10),
    "full": Config(n_seeds=13, late_factor=2.0, fractions=(0.0, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
                   max_steps=600_000, resolution=41, n_grid=129),
}


def _world(name: str, board: int):
    return line_toy() if name == "line" else chessboard(board)  # "share": the chessboard, more seeds of B


def _run_stack(job: tuple) -> list[dict]:
    """Train every recipe of `recipe_names` for each seed of `seeds` on one world, in one stack, and
    measure each run's boundary at the config's fractions of T.

    job = (world name, recipe names, seeds, seed indices, config). The contrasts run on the clock of
    the same seed's recipe-B run (`train_toy_stack`), so they are compared at equal steps.
    """
    world_name, recipe_names, seeds, seed_index, config = job
    world = _world(world_name, config.board)
    names = [name for _ in seeds for name in recipe_names]  # network j = (names[j], seed of j)
    seed_of = [(i, seed) for i, seed in zip(seed_index, seeds) for _ in recipe_names]
    first_of = {i: j for j, (i, _) in reversed(list(enumerate(seed_of)))}  # seed index -> its first network
    paired = [None if name == "B" else first_of[i] for name, (i, _) in zip(names, seed_of)]  # B is first
    runs = train_toy_stack(world, [RECIPES[n] for n in names], [seed for _, seed in seed_of], paired,
                           late_factor=config.late_factor, max_steps=config.max_steps,
                           snapshot_every=config.snapshot_every, dtype=config.dtype)
    out = []
    for j, (name, run) in enumerate(zip(names, runs)):
        b = runs[j] if paired[j] is None else runs[paired[j]]  # the recipe-B run whose clock this run keeps
        horizon = b.T if b.T is not None else b.final_step  # fractions of T, or of the whole run
        out.append(_measure(world_name, world, name, run, horizon, config) | {"seed_index": seed_of[j][0]})
    return out


def _measure(world_name: str, world, recipe_name: str, run, horizon: int, config: Config) -> dict:
    """The boundary of one run at the config's fractions of `horizon` (and at the early steps)."""
    probe = make_toy_model(world.n, RECIPES[recipe_name], np.random.default_rng(0), config.dtype)  # overwritten
    kw = {"resolution": config.resolution, "s_max": config.s_max, "n_grid": config.n_grid}
    out = {"world": world_name, "recipe": recipe_name, "T": run.T, "final_step": run.final_step,
           "horizon": horizon}
    memo: dict[int, dict] = {}  # snapshot step -> its measurement: a step asked for twice is measured once

    def measured(step: int, margins: bool = False) -> tuple[int, dict]:
        step, theta = run.at(step)
        if step not in memo or (margins and "normal_margin" not in memo[step]):
            memo[step] = measure_snapshot(set_params(probe, theta), world, margins=margins, **kw)
        return step, memo[step]

    frames, cl, missing, acc, steps = [], [], [], [], []
    for f in config.fractions:
        step, m = measured(int(round(f * horizon)), margins=f in (1.0, config.late_factor))
        frames.append(m["h"])
        cl.append(m["cling"])
        missing.append(m["cling_missing"])
        acc.append(m["accuracy"])
        steps.append(step)
        if f == 1.0 and "normal_margin" in m:
            out.update(normal_margin_T=m["normal_margin"], normal_found_T=m["normal_found"],
                       in_margin_T=m["in_margin"], alt_T=m["alt"])
        if f == config.late_factor and "normal_margin" in m:
            out.update(normal_margin_late=m["normal_margin"], alt_late=m["alt"])
    early = [s for s in EARLY_STEPS if s <= run.final_step] if config.early_cling else []
    out["early_steps"] = np.array(early)
    out["early_cling"] = np.array([measured(s)[1]["cling"] for s in early])
    out.update(frames=np.stack(frames), cling=np.array(cl), cling_missing=np.array(missing),
               accuracy=np.array(acc), steps=np.array(steps))
    if config.scrub_frames:  # every early step, every fraction and scrub_frames evenly spaced steps
        wanted = set(early) | set(steps) | {int(s) for s in np.linspace(0, run.final_step, config.scrub_frames)}
        scrub = sorted({measured(s)[0] for s in wanted})
        out.update(scrub_steps=np.array(scrub), scrub_frames=np.stack([memo[s]["h"] for s in scrub]).astype(np.float32),
                   scrub_cling=np.array([memo[s]["cling"] for s in scrub]),
                   scrub_missing=np.array([memo[s]["cling_missing"] for s in scrub]),
                   scrub_accuracy=np.array([memo[s]["accuracy"] for s in scrub]))
    return out


def _median(values) -> float:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    return float(np.median(v)) if v.size else float("nan")


def summarise(runs: list[dict], config: Config) -> dict:
    """Per-recipe medians over the seeds that reached T, and the per-seed numbers beside them."""
    fr = list(config.fractions)
    i25, i0 = fr.index(0.25) if 0.25 in fr else None, fr.index(0.0) if 0.0 in fr else None
    own_T = [r for r in runs if r["T"] is not None]
    contrast = runs[0]["recipe"] != "B"
    reached = runs if contrast else own_T  # contrasts are measured on recipe B's clock
    s = {"n_seeds": len(runs), "n_reached_T": len(own_T), "T": [r["T"] for r in runs],
         "T_median": _median([r["T"] for r in own_T]), "clock": [r["horizon"] for r in runs]}
    s["cling_median"] = [_median([r["cling"][j] for r in reached]) for j in range(len(fr))]
    # the share of the grid with no crossing within ±s_max, over the same seeds: each such point adds
    # s_max x its share to the cling, so a cling near s_max x this share is mostly the cap, not a height
    s["cling_missing_median"] = [_median([r["cling_missing"][j] for r in reached]) for j in range(len(fr))]
    s["accuracy_median"] = [_median([r["accuracy"][j] for r in reached]) for j in range(len(fr))]
    # each seed's numbers behind those medians (the book prints their range beside the median)
    for key in ("cling", "cling_missing", "accuracy"):
        s[f"{key}_per_seed"] = [[float(v) for v in r[key]] for r in reached]
    s["T_per_seed"] = [r["T"] for r in own_T]
    if i0 is not None:
        s["cling_init_per_seed"] = [float(r["cling"][i0]) for r in runs]
    if i25 is not None:
        per_seed = [float(r["cling"][i25]) for r in reached]
        s["cling_quarter_T_per_seed"] = per_seed
        s["share_cling_below_0.15_at_quarter_T"] = float(np.mean(np.array(per_seed) < 0.15)) if per_seed else float("nan")
        s["n_cling_below_0.15_at_quarter_T"] = int(np.sum(np.array(per_seed) < 0.15))  # a count: n is small
    if reached and "normal_margin_T" in reached[0]:
        nm = [float(np.median(r["normal_margin_T"])) for r in reached]
        im = [float(np.median(r["in_margin_T"])) for r in reached]
        s.update(alt_T_per_seed=[r["alt_T"] for r in reached], normal_margin_T_per_seed=nm,
                 in_margin_T_per_seed=im, normal_margin_T_median=_median(nm), in_margin_T_median=_median(im),
                 normal_over_in_margin_T_per_seed=[float(v) for v in np.array(nm) / np.array(im)],
                 normal_over_in_margin_T_median=_median(np.array(nm) / np.array(im)))
    if reached and "normal_margin_late" in reached[0]:
        late = [float(np.median(r["normal_margin_late"])) for r in reached]
        s.update(normal_margin_late_per_seed=late, normal_margin_late_median=_median(late))
    return s


def clinging_share(runs: list[dict], more: list[dict], config: Config) -> dict:
    """The share of recipe-B seeds that cling (cling < 0.15 at 25% of T), over the n_seeds runs and the
    share_seeds runs beyond them (`more`), among the seeds that reached T; with its exact 95% interval
    (Clopper–Pearson: ten seeds make a rate, with a wide interval) and each seed's cling there."""
    fr = list(config.fractions)
    i25 = fr.index(0.25) if 0.25 in fr else None
    per_seed = [float(r["cling"][i25]) for r in runs if r["T"] is not None] if i25 is not None else []
    per_seed += [float(r["cling"][1]) for r in more if r["T"] is not None]  # their fractions: 0, 0.25, 1
    n, k = len(per_seed), int(np.sum(np.array(per_seed) < 0.15))
    low, high = clopper_pearson(k, n) if n else (float("nan"), float("nan"))
    return {"n_seeds": len(runs) + len(more), "n_reached_T": n, "n_clinging": k,
            "share": k / n if n else float("nan"), "ci95_low": low, "ci95_high": high,
            "cling_quarter_T_per_seed": per_seed}


def check_config(config: Config) -> None:
    """ValueError naming the field for a value this experiment cannot run (checked before any work)."""
    check_positive_int("board", config.board, minimum=2)
    if not (isinstance(config.recipes, tuple) and config.recipes):
        raise ValueError(f"recipes={config.recipes!r} is not accepted; expected a non-empty tuple of {sorted(RECIPES)}")
    for i, recipe in enumerate(config.recipes):
        check_choice(f"recipes[{i}]", recipe, RECIPES)
    check_positive_int("n_seeds", config.n_seeds)
    check_positive_float("late_factor", config.late_factor)
    if config.late_factor < 1:
        raise ValueError(f"late_factor={config.late_factor!r} is not accepted; expected a number >= 1 (training "
                         "goes on past T)")
    check_positive_int("max_steps", config.max_steps)
    check_positive_int("snapshot_every", config.snapshot_every)
    fr = list(config.fractions)
    if not fr or fr != sorted(fr) or fr[0] < 0 or fr[-1] != config.late_factor or 1.0 not in fr:
        raise ValueError(f"fractions={tuple(fr)} is not accepted; expected increasing fractions of T from >= 0, "
                         f"including 1.0 (T) and ending at late_factor={config.late_factor}")
    check_positive_int("resolution", config.resolution, minimum=2)
    check_positive_float("s_max", config.s_max)
    check_positive_int("n_grid", config.n_grid, minimum=2)
    check_choice("dtype", config.dtype, ("float32", "float64"))
    check_positive_int("workers", config.workers)
    if not isinstance(config.share_seeds, int) or isinstance(config.share_seeds, bool) or \
            (config.share_seeds and config.share_seeds < config.n_seeds):
        raise ValueError(f"share_seeds={config.share_seeds!r} is not accepted; expected 0 (the n_seeds={config.n_seeds} "
                         "seeds) or an integer >= n_seeds")
    if not isinstance(config.scrub_frames, int) or isinstance(config.scrub_frames, bool) or config.scrub_frames < 0:
        raise ValueError(f"scrub_frames={config.scrub_frames!r} is not accepted; expected an integer >= 0 "
                         "(0: no scrub frames)")


def run(config: Config, rng: np.random.Generator, progress=None) -> tuple[dict, dict]:
    unknown = sorted(set(config.recipes) - set(RECIPES))
    if unknown:
        raise ValueError(f"recipes={unknown} not known; accepted: {sorted(RECIPES)}")
    fr = list(config.fractions)
    if fr != sorted(fr) or fr[0] < 0 or fr[-1] != config.late_factor or 1.0 not in fr:
        raise ValueError(f"fractions={tuple(fr)} is not accepted; expected increasing fractions of T from >= 0, "
                         f"including 1.0 (T) and ending at late_factor={config.late_factor}")
    if "B" not in config.recipes:
        raise ValueError(f"recipes={list(config.recipes)} must include 'B': its T is the clock of the contrasts")
    seeds = [int(s) for s in rng.integers(0, 2**31 - 1, size=config.n_seeds)]  # paired across recipes
    board = tuple(["B"] + [name for name in config.recipes if name != "B"])  # B first: its T is the clock
    jobs = [("board", board, [s], [i], config) for i, s in enumerate(seeds)]  # one stack per seed
    if config.line_toy:
        jobs.append(("line", ("B",), seeds, list(range(len(seeds))), config))  # small: one stack
    extra = [int(s) for s in rng.integers(0, 2**31 - 1, size=max(config.share_seeds - config.n_seeds, 0))]
    light = replace(config, late_factor=1.0, fractions=(0.0, 0.25, 1.0), early_cling=False, scrub_frames=0)
    for half in (extra[: (len(extra) + 1) // 2], extra[(len(extra) + 1) // 2:]):  # two stacks: one per worker
        if half:
            first = config.n_seeds + extra.index(half[0])
            jobs.append(("share", ("B",), half, list(range(first, first + len(half))), light))
    workers = threads.workers(min(config.workers, len(jobs)))
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, initializer=threads.apply) as pool:
            done = list(pool.map(_run_stack, jobs))
    else:
        done = [_run_stack(job) for job in jobs]
    share_runs = sorted((r for rs in done for r in rs if r["world"] == "share"), key=lambda r: r["seed_index"])
    results = sorted((r for rs in done for r in rs if r["world"] != "share"),
                     key=lambda r: r["seed_index"])  # seed order in each group
    groups = sorted({(r["world"], r["recipe"]) for r in results})
    metrics: dict = {"fractions": list(config.fractions), "seeds": seeds,
                     "groups": [f"{w}_{r}" for w, r in groups]}  # array keys: {group}_s{seed index}_{name}
    arrays: dict = {"fractions": np.array(config.fractions)}
    for world_name in sorted({w for w, _ in groups}):  # what the pictures draw besides the measurements
        world = _world(world_name, config.board)
        manifold = flat_manifold(world)  # heights are measured from this plane (line) along its normal
        arrays[f"{world_name}_grid_axis"] = np.linspace(*data_box(world), config.resolution)  # (res,)
        arrays[f"{world_name}_x"] = world.x  # (N, n) the training points
        arrays[f"{world_name}_y"] = world.y  # (N,) their labels
        arrays[f"{world_name}_t"] = (world.x - manifold.origin) @ manifold.U  # (N, k) t = Uᵀ(x - o): grid coords
        arrays[f"{world_name}_origin"] = manifold.origin  # (n,) o: the manifold point at t = 0, height 0
    for key in groups:
        group = [r for r in results if (r["world"], r["recipe"]) == key]
        tag = f"{key[0]}_{key[1]}"
        metrics[tag] = summarise(group, config)
        if key == ("board", "B"):
            metrics[tag]["share"] = clinging_share(group, share_runs, config)
        for i, r in enumerate(group):
            for name in ("frames", "cling", "cling_missing", "accuracy", "steps", "early_steps",
                         "early_cling", "normal_margin_T", "normal_found_T", "in_margin_T", "scrub_steps",
                         "scrub_frames", "scrub_cling", "scrub_missing", "scrub_accuracy"):
                if name in r:
                    arrays[f"{tag}_s{i}_{name}"] = np.asarray(r[name])
        n_early = min(len(r["early_cling"]) for r in group)  # the early steps every seed reached
        arrays[f"{tag}_early_steps"] = np.asarray(group[0]["early_steps"][:n_early])  # (n_early,)
        arrays[f"{tag}_early_cling_median"] = (np.median(np.stack([r["early_cling"][:n_early] for r in group]), axis=0)
                                               if n_early else np.zeros(0))  # (n_early,) median over the seeds
        if n_early:  # the lowest median cling over the early steps, and where: the brief early dip
            j = int(np.argmin(arrays[f"{tag}_early_cling_median"]))
            metrics[tag].update(early_cling_min_median=float(arrays[f"{tag}_early_cling_median"][j]),
                                early_cling_min_step=int(arrays[f"{tag}_early_steps"][j]))
        if progress:
            m = metrics[tag]
            progress(f"{tag}: T median {m['T_median']:.0f} ({m['n_reached_T']}/{m['n_seeds']} reached), "
                     f"median cling by fraction of T {[round(c, 3) for c in m['cling_median']]}")
    return metrics, arrays
