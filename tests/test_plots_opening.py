"""The book's first adversarial example (chapter 1 opens with it): E6 picks a typical digit, attacks it
inside the pixel box and records the flip; the figure `E6-opening` draws exactly what was recorded."""

import re
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]

from smoke_runs import smoke  # noqa: E402

from dmm_edu.attacks import deepfool  # noqa: E402
from dmm_edu.experiments import e06_on_off_images as e06  # noqa: E402
from dmm_edu.plots import FIGURES, plot, style  # noqa: E402
from dmm_edu.torch_nn import predict  # noqa: E402

CHAPTER = Path(__file__).resolve().parent.parent / "docs" / "chapters" / "adversarial-examples.md"


@pytest.fixture(scope="module")
def result():
    return smoke("E6", 0)


# ---------------------------------------------------------------- what the experiment records
@pytest.mark.parametrize("max_abs, want", [(0.16, 5.0), (0.3, 2.0), (0.05, 20.0), (0.1, 10.0), (1.0, 1.0),
                                           (3.0, 0.2), (0.0, 1.0)])
def test_amplification_is_the_largest_round_factor_that_keeps_delta_in_range(max_abs, want):
    assert e06.amplification(max_abs) == pytest.approx(want)


def test_amplification_never_pushes_past_the_pixel_range_and_the_next_step_would():
    for max_abs in np.geomspace(1e-3, 5.0, 57):
        a = e06.amplification(float(max_abs))
        assert a * max_abs <= 1.0 + 1e-12
        bigger = [m * 10.0 ** e for e in range(-4, 4) for m in (1, 2, 5) if m * 10.0 ** e > a * (1 + 1e-9)]
        assert min(bigger) * max_abs > 1.0  # the next 1-2-5 step would overflow


def test_opening_example_flips_a_median_rho_digit_inside_the_box():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3)).double()
    x = torch.rand(9, 1, 4, 4, dtype=torch.float64)  # (M, C, H, W) in the box
    y = predict(model, x)  # (M,) every point "correctly classified"
    free = deepfool(model, x, y)
    metrics, arrays = e06.opening_example(model, x, y, free, e06.CONFIGS["smoke"])
    i = metrics["index"]
    rho = (free.norm / x.flatten(1).norm(dim=1)).numpy()  # (M,) every free attack succeeds on a linear model
    assert abs(rho[i] - np.median(rho)) == pytest.approx(np.min(np.abs(rho - np.median(rho))))
    x_adv = arrays["opening_x"] + arrays["opening_delta"]  # (C, H, W)
    assert x_adv.min() >= -1e-6 and x_adv.max() <= 1 + 1e-6  # a real image: inside the box
    assert metrics["label"] == int(y[i]) and metrics["adv_label"] != metrics["label"]
    assert int(predict(model, torch.from_numpy(x_adv[None]).double())[0]) == metrics["adv_label"]
    np.testing.assert_allclose(arrays["opening_x"], x[i].numpy(), rtol=1e-6)
    assert metrics["delta_norm"] == pytest.approx(np.linalg.norm(arrays["opening_delta"]), rel=1e-5)
    assert metrics["rho"] == pytest.approx(metrics["delta_norm"] / metrics["x_norm"])
    assert metrics["p_adv_label"] >= metrics["p_label_at_adv"]  # the new class wins at x + δ
    assert metrics["amplification"] == e06.amplification(metrics["delta_max_abs"])


def test_the_e6_result_keeps_a_flipped_digit_inside_the_box(result):
    m, a = result.metrics["opening"], result.arrays
    assert m["adv_label"] != m["label"] == int(a["labels"][m["index"]])
    x_adv = a["opening_x"] + a["opening_delta"]
    assert x_adv.min() >= -1e-6 and x_adv.max() <= 1 + 1e-6
    assert m["delta_max_abs"] == pytest.approx(float(np.abs(a["opening_delta"]).max()), rel=1e-5)


# ---------------------------------------------------------------- the figure
def test_opening_is_registered_after_the_headline_figure():
    names = list(FIGURES["E6"])
    assert "opening" in names and names[0] != "opening"  # plot(result) still draws the grid


def test_the_figure_draws_the_recorded_digit_delta_and_flip(result):
    m, a = result.metrics["opening"], result.arrays
    fig = plot(result, "opening")
    fig.canvas.draw()
    ax_x, ax_d, ax_adv = fig.axes[:3]
    np.testing.assert_allclose(ax_x.get_images()[0].get_array(), a["opening_x"][0])
    np.testing.assert_allclose(ax_adv.get_images()[0].get_array(), a["opening_x"][0] + a["opening_delta"][0],
                               rtol=1e-6)  # drawn as it is: no clipping
    shown = ax_d.get_images()[0]
    np.testing.assert_allclose(shown.get_array(), m["amplification"] * a["opening_delta"][0], rtol=1e-6)
    assert shown.get_clim() == (-1.0, 1.0)  # amplified δ on the pixel range: the factor is the colour bar's scale
    assert f"×{m['amplification']:g}" in ax_d.get_title()
    assert f"says {m['label']}" in ax_x.get_title() and f"says {m['adv_label']}" in ax_adv.get_title()
    title = fig.get_suptitle()
    assert f"{m['delta_norm']:.2f}" in title and f"{m['x_norm']:.1f}" in title
    width, _ = fig.get_size_inches()
    assert width <= style.COLUMN_WIDTH_IN and min(style.text_sizes(fig)) >= style.MIN_FONT_PT


def test_the_figure_follows_a_changed_result(result):
    """Negative control: a result with another flip and factor gives another figure (nothing is hard-wired)."""
    import copy

    other = copy.deepcopy(result)
    other.metrics["opening"].update(label=1, adv_label=7, amplification=50.0)
    fig = plot(other, "opening")
    assert "says 1" in fig.axes[0].get_title() and "says 7" in fig.axes[2].get_title()
    assert "×50" in fig.axes[1].get_title()


# ---------------------------------------------------------------- the chapter opens with it
def test_chapter_one_opens_with_the_figure_and_quotes_its_numbers():
    text = CHAPTER.read_text(encoding="utf-8")
    first_section = text.index("\n## ")
    assert 0 <= text.find("figures/generated/E6-opening.png") < first_section
    quoted = set(re.findall(r'claim\("(E6\.opening\.[a-z_]+)"\)', text[:first_section]))
    assert {"E6.opening.label", "E6.opening.adv_label", "E6.opening.delta_norm", "E6.opening.x_norm",
            "E6.opening.amplification"} <= quoted
