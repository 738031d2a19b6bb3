"""Figures are drawn from saved results only: they render, draw the result's own numbers, save, and never train."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from dmm_edu import palette  # noqa: E402
from dmm_edu.plots import FIGURES, figure_names, plot, save_figures  # noqa: E402
from dmm_edu.plots import baseline, toys  # noqa: E402
from dmm_edu.results import save_result  # noqa: E402
from plot_checks import check_never_trains_or_attacks, check_save_figures  # noqa: E402
from smoke_runs import smoke  # noqa: E402

PLOTTED = ("E1", "E2", "E3", "E4", "E5")


@pytest.fixture(scope="module")
def results():
    """Each plotted experiment's smoke result, run once for the whole module."""
    return {e: smoke(e) for e in PLOTTED}


def _data_axes(fig):
    """The axes that draw data: not colorbars, nor the switched-off spare slots of a grid (a legend or nothing)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]


def expected_axes(result, name) -> int:
    """How many axes (colorbars included) each figure has for this result."""
    if result.experiment == "E1" and name in ("snapshots", "contrasts", "line_toy"):
        cols = len(toys.snapshot_fractions(result.arrays["fractions"]))
        if name == "line_toy":  # two panels a row, the unused slot switched off
            return 2 * -(-cols // 2)
        boards = [r for w, r, _ in toys.groups(result) if w == "board" and (r == "B") == (name == "snapshots")]
        return len(boards) * 3 * -(-cols // 3) + 1  # three snapshots a row per recipe, and the colorbar
    if result.experiment == "E3":
        return len(result.metrics["dims"])
    if result.experiment == "E5" and name.startswith("slices"):  # two panels a row; a spare slot holds the legend
        counts = [a.shape[0] for key, a in result.arrays.items() if key.startswith("slice_logit_")]
        panels = len(counts) if name == "slices" else sum(counts) - len(counts)
        return 2 * -(-panels // 2)
    return {("E1", "cling"): 2, ("E1", "margins"): 1, ("E2", "tilting"): 2, ("E2", "sgd"): 2,
            ("E4", "gradients"): 1, ("E5", "distances"): 2}[(result.experiment, name)]


def test_every_experiment_with_a_module_is_registered_or_known():
    assert set(PLOTTED) <= set(FIGURES)
    assert figure_names("E1") == ["snapshots", "contrasts", "line_toy", "cling", "margins"]
    assert figure_names("E5") == ["distances", "slices", "slices_more"]


@pytest.mark.parametrize("experiment, name", [(e, n) for e in PLOTTED for n in FIGURES[e]])
def test_every_figure_renders_with_its_axes(results, experiment, name):
    result = results[experiment]
    fig = plot(result, name)
    fig.canvas.draw()  # renders every artist; raises on bad data
    assert len(fig.axes) == expected_axes(result, name)
    for ax in _data_axes(fig):
        assert ax.has_data()
        assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title()


def test_plot_accepts_a_saved_folder_and_defaults_to_the_first_figure(results, tmp_path):
    save_result(results["E2"], tmp_path / "e2")
    fig = plot(str(tmp_path / "e2"))
    assert "tilting" in fig.get_suptitle()


# --- the figures draw the result's own arrays ---------------------------------------------------


SNAPSHOT_FIGURES = {"snapshots": lambda w, rc: w == "board" and rc == "B",
                    "contrasts": lambda w, rc: w == "board" and rc != "B", "line_toy": lambda w, rc: w == "line"}


def _snapshot_axes(r) -> dict:
    """{(world, recipe): its snapshot panels in fraction order}, from the three E1 snapshot figures."""
    cols = len(toys.snapshot_fractions(r.arrays["fractions"]))
    out = {}
    for name, shown in SNAPSHOT_FIGURES.items():
        axes = _data_axes(plot(r, name))
        drawn = [(w, rc) for w, rc, _ in toys.groups(r) if shown(w, rc)]
        assert len(axes) == len(drawn) * cols
        out.update({g: axes[i * cols:(i + 1) * cols] for i, g in enumerate(drawn)})
    return out


def test_e1_snapshots_draw_every_group_once(results):
    r = results["E1"]
    assert sorted(_snapshot_axes(r)) == sorted((w, rc) for w, rc, _ in toys.groups(r))


def test_e1_snapshots_draw_the_height_frames(results):
    r = results["E1"]
    cols = toys.snapshot_fractions(r.arrays["fractions"])
    panels = _snapshot_axes(r)
    for world, recipe, _ in toys.groups(r):
        frames = r.arrays[f"{world}_{recipe}_s0_frames"]
        for col, j in enumerate(cols):
            ax = panels[world, recipe][col]
            if world == "board":
                drawn = ax.get_images()[0].get_array()  # masked (res, res): h transposed so x runs across
                np.testing.assert_array_equal(np.ma.filled(drawn, np.nan), frames[j].T)
            else:
                (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "boundary height h(x)"]
                np.testing.assert_array_equal(line.get_ydata(), frames[j])
                np.testing.assert_allclose(line.get_xdata()[[0, -1]], [0.05, 1.05])


def test_e1_snapshots_draw_the_saved_training_points(results):
    r = results["E1"]
    panels = _snapshot_axes(r)
    for world, recipe, _ in toys.groups(r):
        t, y = r.arrays[f"{world}_t"], r.arrays[f"{world}_y"]  # (N, k), (N,)
        for ax in panels[world, recipe]:
            for label in np.unique(y):
                (dots,) = [c for c in ax.collections if c.get_label() == f"label {label}"]
                sel = y == label  # (N,)
                want = t[sel] if world == "board" else np.c_[t[sel, 0], np.zeros(sel.sum())]  # line: on the line
                np.testing.assert_array_equal(np.ma.getdata(dots.get_offsets()), want)
                np.testing.assert_allclose(dots.get_facecolor()[0][:3], palette.hex_to_rgb(palette.class_colour(label)))


def test_e1_saves_what_the_pictures_draw(results):
    """E1 saves the training points, labels, the manifold origin and the grid axis; they agree with each other."""
    r = results["E1"]
    for world in ("board", "line"):
        x, y, t, o = (r.arrays[f"{world}_{k}"] for k in ("x", "y", "t", "origin"))  # (N, n), (N,), (N, k), (n,)
        axis = r.arrays[f"{world}_grid_axis"]  # (res,)
        assert x.shape[0] == y.shape[0] == t.shape[0] and o.shape == (x.shape[1],)
        assert set(np.unique(y)) == {0, 1}
        np.testing.assert_allclose(axis[[0, -1]], [t.min(), t.max()])  # the grid spans the training points
        U = np.eye(x.shape[1])[:, :t.shape[1]]  # both toys: the manifold runs along the first k coordinates
        np.testing.assert_allclose(x, o + t @ U.T)  # x = o + U t: the points lie on the manifold, height 0
    np.testing.assert_allclose(r.arrays["line_origin"], [0.0, 0.5])  # the paper's line y = 0.5
    for world, recipe, n_seeds in toys.groups(r):
        tag = f"{world}_{recipe}"
        steps, med = r.arrays[f"{tag}_early_steps"], r.arrays[f"{tag}_early_cling_median"]
        runs = [r.arrays[f"{tag}_s{s}_early_cling"] for s in range(n_seeds)]
        assert len(steps) == len(med) == min(len(v) for v in runs)
        np.testing.assert_array_equal(med, np.median(np.stack([v[:len(med)] for v in runs]), axis=0))


def test_e1_cling_and_margins_draw_the_seeds(results):
    r = results["E1"]
    ax, ax_early = plot(r, "cling").axes[:2]
    ydata = [np.asarray(ln.get_ydata()) for ln in ax.get_lines()]
    early = [np.asarray(ln.get_ydata()) for ln in ax_early.get_lines()]
    for world, recipe, n_seeds in toys.groups(r):
        for s in range(n_seeds):
            assert any(np.array_equal(y, r.arrays[f"{world}_{recipe}_s{s}_cling"]) for y in ydata)
        assert any(np.array_equal(y, r.metrics[f"{world}_{recipe}"]["cling_median"]) for y in ydata)
        assert any(np.array_equal(y, r.arrays[f"{world}_{recipe}_early_cling_median"]) for y in early)
    ax = plot(r, "margins").axes[0]
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    want = [(i, n) for w, rc, _ in toys.groups(r) for i, n in zip(r.metrics[f"{w}_{rc}"]["in_margin_T_per_seed"],
                                                                   r.metrics[f"{w}_{rc}"]["normal_margin_T_per_seed"])]
    np.testing.assert_allclose(points, want)


def test_e1_figures_refuse_a_result_without_the_saved_points(results):
    import dataclasses

    r = results["E1"]
    old = dataclasses.replace(r, arrays={k: v for k, v in r.arrays.items() if k != "board_t"})
    for name in ("snapshots", "contrasts"):
        with pytest.raises(ValueError, match="board_t.*re-run E1"):
            plot(old, name)
    no_contrast = dataclasses.replace(r, metrics={k: v for k, v in r.metrics.items()
                                                  if not (k.startswith("board_") and k != "board_B")})
    with pytest.raises(ValueError, match="no chessboard contrast"):
        plot(no_contrast, "contrasts")


def test_e2_draws_the_measured_margins(results):
    r = results["E2"]
    ax_m, ax_on = plot(r, "tilting").axes
    for n in r.config["dims"]:
        (line,) = [ln for ln in ax_m.get_lines() if ln.get_label().startswith(f"n = {n}:")]
        np.testing.assert_array_equal(line.get_xdata(), r.arrays["tilts"])
        np.testing.assert_array_equal(line.get_ydata(), r.arrays[f"margin_n{n}"])
        (line,) = [ln for ln in ax_on.get_lines() if ln.get_label().startswith(f"n = {n}:")]
        np.testing.assert_array_equal(line.get_ydata(), r.arrays[f"on_n{n}"])


def test_e3_histograms_and_baseline(results):
    r = results["E3"]
    fig = plot(r, "random")
    for ax, (n, k) in zip(fig.axes, r.metrics["dims"]):
        on_random = r.arrays[f"on_random_n{n}_k{k}"]
        bins = baseline.histogram_bins(on_random, r.arrays[f"on_grad_untrained_n{n}_k{k}"])
        density, _ = np.histogram(on_random, bins=bins, density=True)
        np.testing.assert_allclose([p.get_height() for p in ax.containers[0]], density)
        (base,) = [ln for ln in ax.get_lines() if ln.get_label() == "random direction √(k/n)"]
        assert base.get_xdata()[0] == pytest.approx(np.sqrt(k / n))
        assert base.get_linestyle() == "--"


def test_e4_boxes_sit_on_the_gradient_medians(results):
    r = results["E4"]
    ax = plot(r, "gradients").axes[0]
    for i, c in enumerate(r.config["init_scales"]):
        on = r.arrays[f"on_grad_c{c:g}"]
        dots = ax.collections[i].get_offsets()[:, 1]
        np.testing.assert_array_equal(dots, on[np.isfinite(on)])
    recipe = r.config["recipe"]
    (base,) = [ln for ln in ax.get_lines() if ln.get_label() == "random direction √(k/n)"]
    assert base.get_ydata()[0] == pytest.approx(np.sqrt(recipe["k"] / recipe["n"]))


def test_e5_bars_are_the_quoted_medians(results):
    r = results["E5"]
    ax_d, ax_r = plot(r, "distances").axes
    for j, space in enumerate(("d_free", "d_on", "d_off")):
        heights = [p.get_height() for p in ax_d.containers[j]]
        np.testing.assert_allclose(heights, [r.metrics[f"c{c:g}"][space] for c in r.config["init_scales"]])
    np.testing.assert_allclose([p.get_height() for p in ax_r.containers[0]],
                               [r.metrics[f"c{c:g}"]["d_on_over_d_free"] for c in r.config["init_scales"]])
    (base,) = [ln for ln in ax_r.get_lines() if ln.get_label().startswith("random direction √(n/k)")]
    assert base.get_ydata()[0] == pytest.approx(r.metrics[f"c{r.config['init_scales'][0]:g}"]["baseline_d_on_over_d_free"])


def test_e5_slices_show_every_sliced_point_once(results):
    r = results["E5"]
    titles = [ax.get_title() for name in ("slices", "slices_more") for ax in _data_axes(plot(r, name))]
    want = [f"c = {c:g} · test point {int(i)} " for c in r.config["init_scales"] for i in r.arrays[f"slice_index_c{c:g}"]]
    assert sorted(t.split("(")[0] for t in titles) == sorted(want)


# --- saving, no training, errors, light import ----------------------------------------------------


def test_save_figures_writes_named_pngs(results, tmp_path):
    check_save_figures(results, PLOTTED, tmp_path)
    (svg,) = save_figures(results["E4"], tmp_path / "svg", fmt="svg")
    assert svg.name == "E4-gradients.svg" and b"<svg" in svg.read_bytes()[:500]


def test_plotting_never_trains_or_attacks(results, tmp_path, monkeypatch):
    check_never_trains_or_attacks(results, PLOTTED, tmp_path, monkeypatch)


def test_unknown_figure_name_is_refused_with_the_choices(results):
    with pytest.raises(ValueError, match=r"name='nope'.*snapshots.*cling.*margins"):
        plot(results["E1"], "nope")
    with pytest.raises(ValueError, match=r"fmt='jpg'"):
        save_figures(results["E1"], "/nonexistent", fmt="jpg")


def test_an_experiment_without_figures_is_refused(results, tmp_path):
    import dataclasses

    other = dataclasses.replace(results["E2"], experiment="E13")
    with pytest.raises(ValueError, match=r"experiment='E13' has no figures.*E1"):
        plot(other)
    with pytest.raises(ValueError, match=r"experiment='E13'"):
        save_figures(other, tmp_path)
    assert not any(tmp_path.iterdir())
    with pytest.raises(TypeError, match="result must be"):
        plot(42)


def test_import_dmm_edu_does_not_import_matplotlib():
    code = "import sys, dmm_edu, dmm_edu.results; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = "import sys, dmm_edu.plots; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the figures never touch pyplot's global state
