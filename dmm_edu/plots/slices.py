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

ON_COLOUR, OFF_COLOUR = palette.ON, palette.OFF  # d_on orange, d_off bluish green (as in E5-distances and the scenes)
MANIFOLD_STYLE = {"color": palette.MANIFOLD, "linestyle": "--", "linewidth": 1.2, "zorder": 1}
AXIS_LABEL_U = "a: along the manifold, u = δ_on/‖δ_on‖ (L2)"
AXIS_LABEL_V = "b: along the normal, v = δ_off/‖δ_off‖ (L2)"


def class_colour(label: int) -> str:
    """The tint of class `label` in the slice panels (the scenes use the same), as a hex string."""
    return palette.class_colour(label)


def arrow(ax, direction: str, length: float, colour: str, text: str) -> None:
    """An arrow from the point (0, 0) along +u ("u") or +v ("v"), `length` long, with `text` at its tip."""
    if not np.isfinite(length):
        return
    tip = (length, 0.0) if direction == "u" else (0.0, length)
    ax.annotate("", xy=tip, xytext=(0.0, 0.0), zorder=4,
                arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 2.2, "shrinkA": 0, "shrinkB": 0})
    ax.annotate(text, xy=tip, xytext=(4, -12) if direction == "u" else (6, 2), textcoords="offset points",
                color=colour, fontsize=8, fontweight="bold", ha="left", zorder=5)


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
    ax.set_xlabel(AXIS_LABEL_U, fontsize=8)
    ax.set_ylabel(AXIS_LABEL_V, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.locator_params(nbins=5)
    if title:
        ax.set_title(title, fontsize=9)


def legend_handles(ghost: bool = False) -> list:
    """Proxy artists for a figure legend: the boundary, the manifold, the class region, the arrows."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Line2D([], [], color=palette.BOUNDARY, linewidth=1.8, label="boundary m_y = 0 in this plane"),
               Line2D([], [], label="the manifold through x (the u axis)", **MANIFOLD_STYLE),
               Patch(facecolor=palette.NEUTRAL, alpha=0.4, label="where the network still says y (tint = class y)"),
               Line2D([], [], color=ON_COLOUR, linewidth=2.2, label="on-manifold way (along u)"),
               Line2D([], [], color=OFF_COLOUR, linewidth=2.2, label="off-manifold way (along v)")]
    if ghost:
        handles.append(Line2D([], [], color=palette.GHOST, linewidth=1.0, linestyle="dashed",
                              label="the standard network's boundary, for comparison"))
    return handles
