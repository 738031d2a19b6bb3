"""One panel of a 2-D slice of the decision function: the boundary, the point, the manifold, two arrows.

The experiments save, per point x, the margin m_y on the grid x + a·u + b·v (u: the unit
on-manifold DeepFool perturbation, so the u axis is the manifold through x; v: the unit
off-manifold one, along the normal). `slice_panel` draws one such slice: the region where the
network still says y (tinted), its edge m_y = 0 (the boundary, black), the manifold (dashed), the
point, and arrows along u and v. The E5 and E9 figures ("slices") are grids of these panels.
Book pages: "On- vs off-manifold perturbations", "Adversarial training deepens dimples".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

ON_COLOUR, OFF_COLOUR = palette.ON, palette.OFF  # d_on orange, d_off bluish green (as in E5-distances and the scenes)
MANIFOLD_STYLE = {"color": palette.MANIFOLD, "linestyle": "--", "linewidth": 1.2, "zorder": 1}
AXIS_LABEL_U = "a: along u (the manifold)"  # u = δ_on/‖δ_on‖: the figures' captions say so
AXIS_LABEL_V = "b: along v (the normal)"  # v = δ_off/‖δ_off‖
FONT_PT = 9  #: the slices' labels, ticks and arrow numbers: the book's smallest legible size


def class_colour(label: int) -> str:
    """The tint of class `label` in the slice panels (the scenes use the same), as a hex string."""
    return palette.class_colour(label)


def arrow(ax, direction: str, length: float, colour: str, text: str) -> None:
    """An arrow from the point (0, 0) along +u ("u") or +v ("v"), `length` long, with `text` beside it
    (under a u arrow from the point on, right of a v arrow's middle): inside the panel, whatever the length."""
    if not np.isfinite(length):
        return
    tip = (length, 0.0) if direction == "u" else (0.0, length)
    ax.annotate("", xy=tip, xytext=(0.0, 0.0), zorder=4,
                arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 2.2, "shrinkA": 0, "shrinkB": 0})
    at = (0.0, 0.0) if direction == "u" else (0.0, length / 2)  # under the u arrow from the point; beside v's middle
    ax.annotate(text, xy=at, xytext=(3, -9) if direction == "u" else (6, 0), textcoords="offset points",
                color=colour, fontsize=FONT_PT, fontweight="bold", zorder=5,
                ha="left", va="top" if direction == "u" else "center",
                bbox={"facecolor": palette.PAPER, "alpha": 0.75, "linewidth": 0, "pad": 1})


def slice_panel(ax, a: np.ndarray, b: np.ndarray, logit: np.ndarray, label: int, *, ghost: np.ndarray | None = None,
                title: str = "") -> None:
    """Draw one slice. a: (R_u,), b: (R_v,), logit: (R_v, R_u) the margin m_y (rows along b); label: y.

    ghost: another margin on the same grid (R_v, R_u), drawn as a thin dashed boundary for comparison.
    """
    colour = class_colour(label)
    if np.any(logit > 0):
        ax.contourf(a, b, logit, levels=[0.0, np.inf], colors=[colour], alpha=0.22, zorder=0)
    if np.nanmin(logit) < 0 < np.nanmax(logit):
        ax.contour(a, b, logit, levels=[0.0], colors=palette.BOUNDARY, linewidths=1.8, zorder=2)
    if ghost is not None and np.nanmin(ghost) < 0 < np.nanmax(ghost):
        ax.contour(a, b, ghost, levels=[0.0], colors=palette.GHOST, linewidths=1.0, linestyles="dashed", zorder=2)
    ax.axhline(0.0, **MANIFOLD_STYLE)
    ax.scatter([0.0], [0.0], s=60, color=colour, edgecolors=palette.INK, linewidths=1.0, zorder=6)
    ax.set_xlim(a[0], a[-1])
    ax.set_ylim(b[0], b[-1])
    ax.set_aspect("equal")
    ax.set_xlabel(AXIS_LABEL_U, fontsize=FONT_PT)
    ax.set_ylabel(AXIS_LABEL_V, fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT)
    ax.locator_params(nbins=4)
    if title:
        ax.set_title(title, fontsize=FONT_PT + 1)


def legend_handles(ghost: bool = False) -> list:
    """Proxy artists for a figure legend: the boundary, the manifold, the class region, the arrows."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=palette.BOUNDARY, linewidth=1.8, label="boundary (m_y = 0)"),
               Line2D([], [], label="manifold through x (u axis)", **MANIFOLD_STYLE),
               Patch(facecolor=palette.NEUTRAL, alpha=0.4, label="still says y (tint: class y)"),
               Line2D([], [], color=ON_COLOUR, linewidth=2.2, label="on-manifold way (along u)"),
               Line2D([], [], color=OFF_COLOUR, linewidth=2.2, label="off-manifold way (along v)")]
    if ghost:
        handles.append(Line2D([], [], color=palette.GHOST, linewidth=1.0, linestyle="dashed",
                              label="standard network's boundary"))
    return handles


def grid(n_panels: int, *, panel_in: float = 3.1, extra_in: float = 0.9):
    """A column-wide figure for `n_panels` slices, two a row (square panels keep their labels legible at
    the book's column width); the axes in reading order, and the unused ones (an odd count leaves one)."""
    nrows = max(1, -(-n_panels // 2))
    fig, axes = style.new_figure(nrows, 2, width=style.COLUMN_WIDTH_IN, height=panel_in * nrows + extra_in)
    flat = list(axes.ravel())
    return fig, flat[:n_panels], flat[n_panels:]


def add_legend(fig, handles: list, spare: list) -> None:
    """The figure's legend: in a spare slot of the grid when there is one (its axes switched off), else below."""
    for ax in spare:
        ax.set_axis_off()
    if spare:
        spare[0].legend(handles=handles, loc="center", fontsize=FONT_PT, frameon=False)
    else:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=FONT_PT)
