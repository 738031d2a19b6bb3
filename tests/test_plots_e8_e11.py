"""E8, E9 and E11 figures: they render, draw the result's own numbers, save, and never train or attack."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from dmm_edu.experiments._subspace import Recipe  # noqa: E402
from dmm_edu.plots import FIGURES, plot  # noqa: E402
from dmm_edu.plots import adversarial, training_curves  # noqa: E402
from plot_checks import check_never_trains_or_attacks, check_save_figures  # noqa: E402
from smoke_runs import smoke  # noqa: E402

PLOTTED = ("E8", "E9", "E11")


# E11's smoke profile is slow for a figure test (PGD on 3000 points, four N2s); the figures only need its shape, so
# the fixture shrinks the world and runs all three variants (the "free" one included).
E11_TINY = {"steps": 3, "variants": (("rand", "off"), ("det", "off"), ("rand", "free")),
            "recipe": Recipe(n=60, k=4, n_train=600, n_test=200, hidden=(32, 32), epochs=5, n_attack=50,
                             dtype="float32")}


@pytest.fixture(scope="module")
def results():
    """Each plotted experiment's smoke result (E11 shrunk), run once for the whole module."""
    return {"E8": smoke("E8"), "E9": smoke("E9"), "E11": smoke("E11", 0, **E11_TINY)}


def expected_axes(result, name) -> int:
    if (result.experiment, name) == ("E8", "curves"):  # a distance panel per c
        return len(result.config["init_scales"])
    if (result.experiment, name) == ("E9", "slices"):  # standard | adversarial at the first sliced point
        return 2
    if (result.experiment, name) == ("E9", "slices_more"):  # standard | adversarial, a row per other sliced point
        return 2 * (result.arrays["slice_logit_standard"].shape[0] - 1)
    return {("E8", "ratios"): 2, ("E9", "deepening"): 2, ("E11", "mislabeled"): 2}[(result.experiment, name)]


def _line(ax, label_start: str):
    (line,) = [ln for ln in ax.get_lines() if ln.get_label().startswith(label_start)]
    return line


def test_the_three_experiments_are_registered():
    assert list(FIGURES["E8"]) == ["curves", "ratios"]
    assert list(FIGURES["E9"]) == ["deepening", "slices", "slices_more"]
    assert list(FIGURES["E11"]) == ["mislabeled"]


@pytest.mark.parametrize("experiment, name", [(e, n) for e in PLOTTED for n in FIGURES[e]])
def test_every_figure_renders_with_its_axes(results, experiment, name):
    result = results[experiment]
    fig = plot(result, name)
    fig.canvas.draw()  # renders every artist; raises on bad data
    assert len(fig.axes) == expected_axes(result, name)
    for ax in fig.axes:
        assert ax.has_data()
        assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title()
    assert experiment in fig.get_suptitle()


# --- the figures draw the result's own numbers ----------------------------------------------------


def test_e8_curves_are_the_measured_curves(results):
    r = results["E8"]
    fig = plot(r, "curves")
    cs = [float(c) for c in r.config["init_scales"]]
    e = r.arrays["epochs"]
    ax_r, ax_on = plot(r, "ratios").axes
    for ax, c in zip(fig.axes, cs):
        assert ax.get_xscale() == "symlog"  # epoch 0 (init) has a place on a log-like axis
        for space in training_curves.SPACES:
            line = _line(ax, space)
            np.testing.assert_array_equal(line.get_xdata(), e)
            np.testing.assert_array_equal(line.get_ydata(), r.arrays[f"{space}_c{c:g}"])
        np.testing.assert_array_equal(r.arrays[f"d_off_c{c:g}"], r.metrics[f"c{c:g}"]["d_off"])
        np.testing.assert_array_equal(_line(ax_r, f"c = {c:g}").get_ydata(), r.arrays[f"d_off_over_d_on_c{c:g}"])
        np.testing.assert_array_equal(_line(ax_on, f"c = {c:g}").get_ydata(), r.arrays[f"on_grad_c{c:g}"])
    base = _line(ax_r, training_curves.RATIO_BASELINE_LABEL)
    assert base.get_ydata()[0] == pytest.approx(r.metrics["baseline_d_off_over_d_on"])
    assert base.get_linestyle() == "--"
    k, n = r.config["recipe"]["k"], r.config["recipe"]["n"]
    assert base.get_ydata()[0] == pytest.approx(np.sqrt(k / (n - k)))
    base = _line(ax_on, "random direction √(k/n)")
    assert base.get_ydata()[0] == pytest.approx(np.sqrt(k / n))


def test_e9_bars_are_the_medians_and_the_dots_every_measured_point(results):
    r = results["E9"]
    ax_b, ax_d = plot(r, "deepening").axes
    for j, model in enumerate(adversarial.MODELS):
        heights = [p.get_height() for p in ax_b.containers[j]]
        np.testing.assert_allclose(heights, [r.metrics[model][s] for s in adversarial.SPACES])
    texts = [t.get_text() for t in ax_b.texts]
    for s in adversarial.SPACES:  # AT / standard written on each group
        assert any(f"× {r.metrics[f'ratio_{s}']:.2f}" in t for t in texts)
    measured = r.arrays["measured"].astype(bool)
    dots = [np.ma.getdata(c.get_offsets())[:, 1] for c in ax_d.collections if len(c.get_offsets())]
    assert len(dots) == len(adversarial.MODELS) * len(adversarial.SPACES)
    for i, (model, s) in enumerate((m, s) for m in adversarial.MODELS for s in adversarial.SPACES):
        np.testing.assert_array_equal(dots[i], r.arrays[f"{s}_{model}"][measured])
        assert np.median(dots[i]) == pytest.approx(r.metrics[model][s])


def test_e9_slices_show_every_sliced_point_once_with_its_distances(results):
    r = results["E9"]
    axes = [ax for name in ("slices", "slices_more") for ax in plot(r, name).axes]
    S = r.arrays["slice_logit_standard"].shape[0]
    assert len(axes) == 2 * S
    for s in range(S):
        standard, adversarial_ax = axes[2 * s], axes[2 * s + 1]
        assert standard.get_title().startswith(f"point {s} ") and adversarial_ax.get_title().startswith(f"point {s}:")
        texts = [t.get_text() for t in standard.texts]
        assert f"d_on = {r.arrays['slice_d_on_standard'][s]:.2f}" in texts
        assert f"d_off = {r.arrays['slice_d_off_standard'][s]:.2f}" in texts
        assert f"d_on = {r.arrays['slice_d_on_adversarial'][s]:.2f}" in adversarial_ax.get_title()


def test_e11_bars_chance_and_control_are_the_metrics(results):
    r = results["E11"]
    ax_a, ax_o = plot(r, "mislabeled").axes
    variants = adversarial.variants(r)
    for j, f in enumerate(adversarial.eps_factors(r)):
        tags = [adversarial.tag(t, s, f) for t, s in variants]
        assert set(tags) <= set(r.metrics["tags"])
        np.testing.assert_allclose([p.get_height() for p in ax_a.containers[j]],
                                   [r.metrics[tg]["N2_test_accuracy"] for tg in tags])
        np.testing.assert_allclose([p.get_height() for p in ax_o.containers[j]],
                                   [r.metrics[tg]["oracle_agrees_with_t"] for tg in tags])
    for ax in (ax_a, ax_o):
        chance = _line(ax, "chance 1/C")
        assert chance.get_ydata()[0] == pytest.approx(r.metrics["chance"]) and chance.get_linestyle() == "--"
    control = _line(ax_a, "control")
    assert control.get_ydata()[0] == pytest.approx(r.metrics["control_rand_labels_no_delta"]["N2_test_accuracy"])


def test_e11_without_the_control_draws_no_control_line(results):
    import dataclasses

    r = results["E11"]
    metrics = {k: v for k, v in r.metrics.items() if k != adversarial.CONTROL_KEY}
    ax_a, _ = plot(dataclasses.replace(r, metrics=metrics), "mislabeled").axes
    assert not [ln for ln in ax_a.get_lines() if ln.get_label().startswith("control")]


# --- saving, no training ----------------------------------------------------------------------------


def test_save_figures_writes_named_pngs(results, tmp_path):
    check_save_figures(results, PLOTTED, tmp_path)


def test_plotting_never_trains_or_attacks(results, tmp_path, monkeypatch):
    check_never_trains_or_attacks(results, PLOTTED, tmp_path, monkeypatch)
