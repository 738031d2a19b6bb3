"""E1: the toy boundary over training. Smoke checks of the bookkeeping and of facts that must
hold in every run; one slow test of the clinging claim itself, over ten paired seeds."""

import numpy as np
import pytest

from dmm_edu.experiments.base import run_experiment


@pytest.fixture(scope="module")
def smoke():
    return run_experiment("E1", "smoke", seed=0)


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


@pytest.mark.slow
def test_recipe_b_clings_over_ten_seeds():
    """E1's check: over >= 10 seeds the median cling of recipe B at 25% of T is well below its
    value at init and below the small-init contrast at the same step (8x8 board)."""
    r = run_experiment("E1", "book", seed=0, n_seeds=10, recipes=("B", "small_init"), line_toy=False,
                       late_factor=1.0, fractions=(0.0, 0.25, 1.0), resolution=11, n_grid=33,
                       early_cling=False, snapshot_every=1000)
    b, small = r.metrics["board_B"], r.metrics["board_small_init"]
    assert b["n_reached_T"] >= 8
    init, quarter = b["cling_median"][0], b["cling_median"][1]
    assert quarter < 0.5 * init
    assert quarter < small["cling_median"][1]
