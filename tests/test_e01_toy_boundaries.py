"""E1: the toy boundary over training. Smoke checks of the bookkeeping and of facts that must
hold in every run; one slow test of the clinging claim itself, over ten paired seeds."""

import numpy as np
import pytest

from smoke_runs import book
from smoke_runs import smoke as smoke_run

from dmm_edu.experiments.base import run_experiment


@pytest.fixture(scope="module")
def smoke():
    return smoke_run("E1")


def test_every_recipe_b_run_reaches_T_and_fits_the_data(smoke):
    fr = smoke.config["fractions"]
    i_T = fr.index(1.0)
    for world in ("board", "line"):
        m = smoke.metrics[f"{world}_B"]
        assert m["n_reached_T"] == m["n_seeds"] == smoke.config["n_seeds"]
        for i in range(m["n_seeds"]):
            a = smoke.arrays
            assert a[f"{world}_B_s{i}_steps"][i_T] == m["T"][i]  # a snapshot exactly at T
            assert a[f"{world}_B_s{i}_accuracy"][i_T] == 1.0  # margin > 0.3 everywhere means all correct
            # the boundary separates neighbours of different labels, so within the manifold it lies no
            # farther from a point than the nearest differently labelled point (the grid spacing)
            spacing = 1 / (smoke.config["board"] - 1) if world == "board" else 0.25
            assert np.all(a[f"{world}_B_s{i}_in_margin_T"] <= spacing + 1e-6)


def test_contrasts_run_on_recipe_b_clock(smoke):
    b, small = smoke.metrics["board_B"], smoke.metrics["board_small_init"]
    assert small["clock"] == b["T"]
    fr = np.array(smoke.config["fractions"])
    for i in range(small["n_seeds"]):
        steps = smoke.arrays[f"board_small_init_s{i}_steps"]
        snap = smoke.config["snapshot_every"]
        assert np.all(np.abs(steps - fr * b["T"][i]) <= snap / 2 + 1)  # nearest snapshot to f·T_B


def test_fractions_must_end_at_the_late_phase():
    with pytest.raises(ValueError, match=r"fractions=.*ending at late_factor=2.0"):
        run_experiment("E1", "smoke", late_factor=2.0)


def test_heights_and_cling_are_consistent(smoke):
    res, s_max = smoke.config["resolution"], smoke.config["s_max"]
    np.testing.assert_allclose(smoke.arrays["board_grid_axis"], np.linspace(0, 1, res))  # the board's box
    np.testing.assert_allclose(smoke.arrays["line_grid_axis"][[0, -1]], [0.05, 1.05])  # the five points' span
    assert smoke.metrics["groups"] == ["board_B", "board_small_init", "line_B"]
    for key, world_shape in (("board_B_s0", (res, res)), ("line_B_s0", (res,))):
        frames = smoke.arrays[f"{key}_frames"]
        assert frames.shape == (len(smoke.config["fractions"]), *world_shape)
        h = np.where(np.isnan(frames), s_max, np.abs(frames))  # cling counts a missing crossing as s_max
        np.testing.assert_allclose(h.reshape(len(h), -1).mean(axis=1), smoke.arrays[f"{key}_cling"], rtol=1e-12)
        assert np.nanmax(np.abs(frames)) <= s_max


def test_missing_share_is_the_caps_part_of_the_cling(smoke):
    """Beside each cling the result keeps the share of grid points with no crossing within ±s_max: it is the
    NaN share of the saved height frame, each such point adds s_max / |grid| to the cling (so the cling is at
    least s_max times the share), and its median is over the same seeds as the cling's."""
    s_max, n_fr = smoke.config["s_max"], len(smoke.config["fractions"])
    for group in smoke.metrics["groups"]:
        m = smoke.metrics[group]
        shares = []
        for i in range(m["n_seeds"]):
            frames = smoke.arrays[f"{group}_s{i}_frames"]
            share = smoke.arrays[f"{group}_s{i}_cling_missing"]
            np.testing.assert_allclose(share, np.isnan(frames).reshape(n_fr, -1).mean(axis=1), rtol=1e-12)
            assert np.all(smoke.arrays[f"{group}_s{i}_cling"] >= s_max * share - 1e-12)
            shares.append(share)
        reached = [i for i, t in enumerate(m["T"]) if t is not None] if group.endswith("_B") else range(len(shares))
        np.testing.assert_allclose(m["cling_missing_median"], np.median([shares[i] for i in reached], axis=0))


@pytest.mark.slow
def test_recipe_b_clings_over_ten_seeds():
    """E1's check: over >= 10 seeds the median cling of recipe B at 25% of T is well below its
    value at init and below the small-init contrast at the same step (8x8 board)."""
    r = book("E1", 0, n_seeds=10, recipes=("B", "small_init"), line_toy=False, late_factor=1.0,
             fractions=(0.0, 0.25, 1.0), resolution=11, n_grid=33, early_cling=False, snapshot_every=1000)
    b, small = r.metrics["board_B"], r.metrics["board_small_init"]
    assert b["n_reached_T"] >= 8
    init, quarter = b["cling_median"][0], b["cling_median"][1]
    assert quarter < 0.5 * init
    assert quarter < small["cling_median"][1]


@pytest.mark.parametrize("max_steps", [2000, 300])  # T reached, and not reached (the contrast's clock is then max_steps)
def test_stacked_toy_training_keeps_the_runs_of_one_at_a_time_training(max_steps):
    """E1 trains each seed's recipes in one stack, the contrasts on recipe B's clock; in float64 each run
    (its snapshots, T and last step) is the one `train_toy` gives it alone."""
    from dmm_edu.data.toys import chessboard
    from dmm_edu.experiments._toy_training import ToyRecipe, train_toy, train_toy_stack

    world = chessboard(3)  # T about 600 steps for these small networks
    b, wd = ToyRecipe(hidden=24, lr=0.5), ToyRecipe(hidden=24, lr=0.5, weight_decay=1e-2)
    kw = {"late_factor": 1.5, "max_steps": max_steps, "snapshot_every": 100}
    runs = train_toy_stack(world, [b, wd, b], [7, 7, 8], [None, 0, None], **kw)
    _, alone_b = train_toy(world, b, np.random.default_rng(7), **kw)
    horizon = alone_b.T if alone_b.T is not None else alone_b.final_step
    _, alone_wd = train_toy(world, wd, np.random.default_rng(7), horizon=horizon, **kw)
    _, alone_b8 = train_toy(world, b, np.random.default_rng(8), **kw)
    assert (alone_b.T is not None) == (max_steps == 2000)  # the case this parameter is meant to cover
    for run, alone in zip(runs, (alone_b, alone_wd, alone_b8)):
        assert (run.T, run.final_step) == (alone.T, alone.final_step)
        np.testing.assert_array_equal(run.steps, alone.steps)
        np.testing.assert_allclose(run.thetas, alone.thetas, rtol=0, atol=1e-12)


def test_the_clinging_share_counts_the_paired_seeds_and_the_extra_ones(smoke):
    """The share of clinging seeds reads every recipe-B seed of `share_seeds`: the paired seeds' cling at 25% of T
    first, then the extra seeds', each counted when below 0.15, with the exact interval of that count."""
    from dmm_edu.experiments._binomial import clopper_pearson

    b, config = smoke.metrics["board_B"], smoke.config
    share = b["share"]
    assert share["n_seeds"] == config["share_seeds"] > config["n_seeds"]
    per_seed = share["cling_quarter_T_per_seed"]
    assert len(per_seed) == share["n_reached_T"]
    assert per_seed[: b["n_reached_T"]] == b["cling_quarter_T_per_seed"]  # the paired seeds, as measured
    assert share["n_clinging"] == sum(c < 0.15 for c in per_seed)
    assert (share["ci95_low"], share["ci95_high"]) == clopper_pearson(share["n_clinging"], share["n_reached_T"])
    assert share["ci95_low"] <= share["share"] <= share["ci95_high"]
    assert "share_B" not in smoke.metrics["groups"] and not any(k.startswith("share") for k in smoke.arrays)


def test_share_seeds_below_the_paired_seeds_is_refused():
    with pytest.raises(ValueError, match=r"share_seeds=1 is not accepted.*n_seeds=2"):
        run_experiment("E1", "smoke", share_seeds=1)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (7, 10, 0.3475471, 0.9332605),  # published tables of the exact interval (e.g. Clopper & Pearson 1934)
    (0, 10, 0.0, 0.3084971),  # 1 - 0.025^(1/10)
    (10, 10, 0.6915029, 1.0),  # 0.025^(1/10)
    (1, 2, 0.0125791, 0.9874209),
])
def test_the_exact_binomial_interval(k, n, low, high):
    from dmm_edu.experiments._binomial import clopper_pearson

    assert clopper_pearson(k, n) == pytest.approx((low, high), abs=1e-6)


def test_the_exact_binomial_interval_covers_its_level():
    """Its defining property: for any true rate p, the interval contains p with probability >= 95%."""
    from math import comb

    from dmm_edu.experiments._binomial import clopper_pearson

    n = 10
    bounds = [clopper_pearson(k, n) for k in range(n + 1)]
    for p in np.linspace(0.01, 0.99, 25):
        coverage = sum(comb(n, k) * p**k * (1 - p) ** (n - k) for k, (lo, hi) in enumerate(bounds) if lo <= p <= hi)
        assert coverage >= 0.95 - 1e-9, p


@pytest.mark.parametrize(("k", "n", "level", "match"), [(3, 0, 0.95, "n=0"), (11, 10, 0.95, "k=11"),
                                                        (1, 10, 1.5, "level=1.5")])
def test_the_exact_binomial_interval_refuses_bad_input(k, n, level, match):
    from dmm_edu.experiments._binomial import clopper_pearson

    with pytest.raises(ValueError, match=match):
        clopper_pearson(k, n, level)
