"""Every book figure is legible in the book's column: at most `COLUMN_WIDTH_IN` wide, no text under
`MIN_FONT_PT`, so its smallest text renders at least as large as a caption at the column's width
(the rendered check, in Chromium at desktop and phone width, is tests/test_site_figures.py)."""

import pytest

pytest.importorskip("matplotlib")

from dmm_edu.plots import FIGURES, plot, style  # noqa: E402
from smoke_runs import smoke  # noqa: E402

CASES = [(e, n) for e in FIGURES for n in FIGURES[e]]


@pytest.mark.parametrize("experiment, name", CASES)
def test_every_figure_fits_the_column_with_caption_sized_text(experiment, name):
    fig = plot(smoke(experiment), name)
    fig.canvas.draw()
    width, _ = fig.get_size_inches()
    sizes = style.text_sizes(fig)
    assert sizes, "a figure with no text explains nothing"
    assert width <= style.COLUMN_WIDTH_IN + 1e-9, f"{experiment}-{name} is {width:.2f} in wide"
    assert min(sizes) >= style.MIN_FONT_PT, f"{experiment}-{name} has {min(sizes)} pt text"
    assert style.legible_width_px(width, min(sizes)) <= style.COLUMN_WIDTH_IN * 72 * style.CAPTION_PX / style.MIN_FONT_PT + 1e-6


def test_negative_control_small_text_and_wide_figures_are_caught():
    fig, axes = style.new_figure(1, 3)  # three default panels: wider than the column
    axes[0, 0].plot([0, 1], [0, 1])
    axes[0, 0].set_xlabel("x", fontsize=7)
    axes[0, 1].axis("off")
    axes[0, 1].set_title("a title on a switched-off axis still shows", fontsize=8)
    fig.canvas.draw()
    assert fig.get_size_inches()[0] > style.COLUMN_WIDTH_IN
    assert min(style.text_sizes(fig)) == 7
    assert 8 in style.text_sizes(fig)


def test_hidden_and_empty_text_is_not_counted():
    fig, axes = style.new_figure(1, 1, width=4, height=3)
    axes[0, 0].axis("off")  # its tick labels are not drawn
    axes[0, 0].set_xticks([0, 1], ["a", "b"], fontsize=5)
    axes[0, 0].set_title("shown", fontsize=11)
    axes[0, 0].text(0.5, 0.5, "", fontsize=4)
    fig.canvas.draw()
    assert style.text_sizes(fig) == [11]


def test_legible_width_follows_the_rule():
    assert style.legible_width_px(6.6, 9.0) == pytest.approx(6.6 * 72 * 12.8 / 9.0)
    assert style.legible_width_px(6.6, 9.0) <= 688  # fits the desktop column without scrolling
