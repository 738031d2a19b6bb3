"""Shared look of the book's figures: the palette's colours, the random baseline, labels.

Every colour comes from `dmm_edu.palette` (the scenes use the same, so a quantity has one colour
in a figure and in a video). Every figure is a `matplotlib.figure.Figure` made here with its own
Agg canvas: no pyplot, no global rcParams, so figures can be drawn from threads and on machines
without a display. The random-direction baseline is drawn the same way in every figure: a dashed
grey line labelled "random direction √(k/n)" (or its reciprocal where the figure shows a
distance ratio).
"""

from __future__ import annotations

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError("dmm_edu.plots needs matplotlib; install it with `pip install dmm-edu[plots]`") from exc

from dmm_edu import palette

BASELINE_STYLE = {"color": palette.BASELINE, "linestyle": "--", "linewidth": 1.6, "zorder": 1}
BASELINE_LABEL = "random direction √(k/n)"
BASELINE_LABEL_INVERSE = "random direction √(n/k)"
# signed quantities: the palette's BELOW (blue) at -vmax, MID (near-white) at 0, ABOVE (vermillion) at +vmax
DIVERGING_CMAP = LinearSegmentedColormap.from_list(palette.DIVERGING_NAME, list(palette.DIVERGING))
IMAGE_CMAP = "gray"  # grey-scale images, 0 black to 1 white
MISSING_HATCH = "////"  # marks "no boundary crossing within ±s_max"
REFERENCE_STYLE = {"color": palette.REFERENCE, "linewidth": 0.8}  # lines at 1, y = x, T …

# Names the book uses for the recipes and quantities.
RECIPE_NAMES = {"B": "default init", "small_init": "small init (weights / 3)",
                "weight_decay": "weight decay 3e-4"}
WORLD_NAMES = {"board": "chessboard", "line": "line toy"}
ON_LABEL = "on(v) = ‖P_T v‖ / ‖v‖"

# Legibility. The book's column is about 688 CSS px wide on a desktop and its captions are 12.8 px:
# a figure at most COLUMN_WIDTH_IN wide whose smallest text is MIN_FONT_PT renders that text at least
# as large as a caption (9 pt × 688 / (6.6 in × 72) ≈ 13 px). Phones show a figure at its
# `legible_width_px` and scroll it sideways (docs/hooks/figures.py) instead of shrinking its text.
COLUMN_WIDTH_IN = 6.6  #: the widest a book figure may be, in inches
MIN_FONT_PT = 9.0  #: the smallest text a book figure may hold, in points
CAPTION_PX = 12.8  #: the rendered size of the book's caption text (mkdocs-material figcaption), CSS px


def legible_width_px(width_in: float, min_font_pt: float, caption_px: float = CAPTION_PX) -> float:
    """The narrowest rendered width (CSS px) at which a figure `width_in` inches wide shows its
    `min_font_pt` text at least `caption_px` tall (1 pt = 1/72 in)."""
    return width_in * 72.0 * caption_px / min_font_pt


def text_sizes(fig) -> list[float]:
    """The font sizes (pt) of every piece of text the figure draws: titles, labels, tick labels
    within the view, legends, annotations, colorbar labels. Empty or hidden text, and the axis
    labels and tick labels of an axis that is switched off, are left out."""
    from matplotlib.text import Text

    def shown(text) -> bool:
        return text.get_visible() and bool(text.get_text().strip())

    axis_texts, sizes = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis_texts.update(id(t) for t in axis.findobj(Text))
            if not (ax.get_visible() and ax.axison and axis.get_visible()):
                continue
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * max(1.0, abs(hi - lo))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if lo - slack <= tick.get_loc() <= hi + slack:
                    sizes += [t.get_fontsize() for t in (tick.label1, tick.label2) if shown(t)]
            sizes += [t.get_fontsize() for t in (axis.label, axis.offsetText) if shown(t)]
    for text in fig.findobj(Text):
        if id(text) not in axis_texts and shown(text) and (text.axes is None or text.axes.get_visible()):
            sizes.append(text.get_fontsize())
    return sizes


def colour(i: int) -> str:
    """The i-th colour of the palette's cycle (cycles): for series that have no role of their own."""
    return palette.CYCLE[i % len(palette.CYCLE)]


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float | None = None, height: float | None = None,
               squeeze: bool = False, **subplot_kw):
    """A Figure with its own Agg canvas and an (nrows, ncols) array of axes (never squeezed)."""
    width = width if width is not None else 4.2 * ncols + 0.6
    height = height if height is not None else 3.4 * nrows + 0.4
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # attach the non-interactive canvas explicitly
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **subplot_kw)
    return fig, axes


def baseline_hline(ax, value: float, label: str = BASELINE_LABEL):
    """The random baseline as a horizontal dashed grey line."""
    return ax.axhline(value, label=label, **BASELINE_STYLE)


def baseline_vline(ax, value: float, label: str = BASELINE_LABEL):
    """The random baseline as a vertical dashed grey line."""
    return ax.axvline(value, label=label, **BASELINE_STYLE)


def recipe_label(world: str, recipe: str) -> str:
    """'chessboard, recipe B (default init)' and the like."""
    return f"{WORLD_NAMES.get(world, world)}, {RECIPE_NAMES.get(recipe, recipe)}"


def c_label(c: float) -> str:
    """The init scale as the book writes it."""
    return f"c = {c:g}"
