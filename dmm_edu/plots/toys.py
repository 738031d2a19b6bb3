"""E1 figures: the toy boundary over training — snapshots of its height, cling, and margins at T.

Drawn from an E1 result only. Arrays are named `{world}_{recipe}_s{i}_{field}` (world "board" or
"line", i the seed index); the per-recipe summaries sit in `metrics[f"{world}_{recipe}"]`. A height
frame h is measured on a `resolution`-point grid per manifold axis over the box the training
points span: [0, 1]² for the chessboard, [0.05, 1.05] for the line toy; NaN = no crossing within
±s_max. Book page: "Clinging and dimpling".
"""

from __future__ import annotations

import numpy as np

from dmm_edu.data.toys import chessboard, line_toy
from dmm_edu.plots import style

SNAPSHOT_FRACTIONS = (0.0, 0.05, 0.25, 0.5, 1.0)  #: fractions of T shown, plus the late one (> 1) if run


def groups(result) -> list[tuple[str, str, int]]:
    """(world, recipe, n_seeds) for every trained group in the result: chessboard recipes, then the line toy."""
    out = []
    for tag, m in result.metrics.items():
        if isinstance(m, dict) and "cling_median" in m:
            world, recipe = tag.split("_", 1)
            out.append((world, recipe, int(m["n_seeds"])))
    return sorted(out, key=lambda g: (g[0] != "board", g[0]))  # stable: keeps the recipe order


def snapshot_fractions(fractions) -> list[int]:
    """Indices into `fractions` of the snapshots shown: SNAPSHOT_FRACTIONS and the latest fraction > 1."""
    fractions = np.asarray(fractions, dtype=float)  # (F,)
    idx = [int(np.argmin(np.abs(fractions - f))) for f in SNAPSHOT_FRACTIONS if np.any(np.isclose(fractions, f))]
    if fractions.max() > 1.0:
        idx.append(int(np.argmax(fractions)))
    return sorted(set(idx)) or list(range(len(fractions)))


def _world(world: str, config: dict):
    return line_toy() if world == "line" else chessboard(int(config["board"]))


def _grid_axis(world_obj, resolution: int) -> np.ndarray:
    """The manifold coordinates of the height grid along one axis: (resolution,)."""
    t = world_obj.coords(world_obj.x)  # (N, k)
    return np.linspace(float(t.min()), float(t.max()), resolution)


def _array(result, world, recipe, seed, field):
    key = f"{world}_{recipe}_s{seed}_{field}"
    if key not in result.arrays:
        raise ValueError(f"E1 result lacks the array {key!r}; re-run E1 with the current code")
    return result.arrays[key]


def snapshots(result):
    """Height of the boundary over the manifold at several fractions of T, seed 0 of each group.

    Chessboard rows: an image of h(x, y) over [0, 1]² (diverging, white = on the board; hatched =
    no crossing within ±s_max) with the training points (filled = label 1, hollow = label 0). Line
    toy row: the curve h(x) with the five points on the line.
    """
    fractions = np.asarray(result.arrays["fractions"], dtype=float)  # (F,)
    cols = snapshot_fractions(fractions)
    gs = groups(result)
    s_max = float(result.config["s_max"])
    fig, axes = style.new_figure(len(gs), len(cols), width=2.5 * len(cols) + 1.6, height=2.5 * len(gs) + 0.8)
    image = None
    board_axes = []
    for r, (world, recipe, _) in enumerate(gs):
        w = _world(world, result.config)
        frames = _array(result, world, recipe, 0, "frames")  # (F, res, res) or (F, res)
        steps = _array(result, world, recipe, 0, "steps")  # (F,)
        axis = _grid_axis(w, frames.shape[-1])  # (res,)
        dx = axis[1] - axis[0]
        xy = w.coords(w.x)  # (N, k)
        for c, j in enumerate(cols):
            ax = axes[r, c]
            h = frames[j]
            if world == "board":
                box = (axis[0] - dx / 2, axis[-1] + dx / 2)
                ax.add_patch(_missing_patch(box, box))
                image = ax.imshow(np.ma.masked_invalid(h.T), origin="lower", extent=box + box,  # h[i, j]: x_i, y_j
                                  cmap=style.DIVERGING_CMAP, vmin=-s_max, vmax=s_max, interpolation="nearest")
                for label, face in style.LABEL_FACES.items():
                    sel = w.y == label
                    ax.scatter(xy[sel, 0], xy[sel, 1], s=22, c=face, edgecolors="black", linewidths=0.8, zorder=3)
                ax.set_xlim(*box)
                ax.set_ylim(*box)
                ax.set_aspect("equal")
                ax.set_xticks([0, 1])
                ax.set_yticks([0, 1])
                board_axes.append(ax)
            else:
                for xm in axis[np.isnan(h)]:
                    ax.axvspan(xm - dx / 2, xm + dx / 2, facecolor="none", edgecolor="0.75",
                               hatch=style.MISSING_HATCH, linewidth=0)
                ax.axhline(0.0, color="0.3", linewidth=0.8)
                ax.plot(axis, h, color=style.colour(0), linewidth=2, marker=".", label="boundary height h(x)")
                for label, face in style.LABEL_FACES.items():
                    sel = w.y == label
                    ax.scatter(xy[sel, 0], np.zeros(sel.sum()), s=30, c=face, edgecolors="black", zorder=3)
                ax.set_ylim(-1.05 * s_max, 1.05 * s_max)
                ax.set_xlabel("position x along the line")
            ax.set_title(f"{_fraction_label(fractions[j])} (step {int(steps[j])})", fontsize=9)
            if c == 0:
                ax.set_ylabel(f"{style.recipe_label(world, recipe)}\n" + ("y" if world == "board" else "height h"),
                              fontsize=9)
            else:
                ax.tick_params(labelleft=world != "board")
    if image is not None:
        fig.colorbar(image, ax=board_axes, shrink=0.8,
                     label=f"boundary height h above the manifold (hatched: none within ±{s_max:g})")
    fig.suptitle("E1 · the boundary over the manifold during training (seed 0; T: every margin > 0.3)\n"
                 "● label 1   ○ label 0   hatched: no boundary crossing within ±s_max", fontsize=11)
    return fig


def _fraction_label(f: float) -> str:
    return "init" if f == 0 else "T" if f == 1 else f"{f:g}·T"


def _missing_patch(xlim, ylim):
    from matplotlib.patches import Rectangle

    return Rectangle((xlim[0], ylim[0]), xlim[1] - xlim[0], ylim[1] - ylim[0], facecolor="0.92",
                     edgecolor="0.6", hatch=style.MISSING_HATCH, linewidth=0, zorder=0)


def cling(result):
    """Cling (mean |h|, 0 = the boundary lies on the manifold) vs fraction of T, and vs early step.

    Thin lines: every seed; bold: the median the book quotes (`metrics[...]["cling_median"]`, over
    the seeds that reached T for recipe B). Contrasts are on the paired recipe-B clock.
    """
    fractions = np.asarray(result.arrays["fractions"], dtype=float)  # (F,)
    s_max = float(result.config["s_max"])
    fig, axes = style.new_figure(1, 2, width=11, height=4.2)
    ax, ax_early = axes[0]
    for i, (world, recipe, n_seeds) in enumerate(groups(result)):
        col = style.colour(i)
        for s in range(n_seeds):
            ax.plot(fractions, _array(result, world, recipe, s, "cling"), color=col, linewidth=0.8, alpha=0.45)
        ax.plot(fractions, result.metrics[f"{world}_{recipe}"]["cling_median"], color=col, linewidth=2.6,
                marker="o", markersize=4, label=style.recipe_label(world, recipe))
        early = [(_array(result, world, recipe, s, "early_steps"), _array(result, world, recipe, s, "early_cling"))
                 for s in range(n_seeds)]
        for steps, values in early:
            ax_early.plot(steps, values, color=col, linewidth=0.8, alpha=0.45)
        n = min(len(v) for _, v in early)
        if n:
            ax_early.plot(early[0][0][:n], np.median(np.stack([v[:n] for _, v in early]), axis=0), color=col,
                          linewidth=2.6, marker="o", markersize=4, label=style.recipe_label(world, recipe))
    ax.axvline(1.0, color="0.3", linewidth=0.8, linestyle=":")
    ax.text(1.0, 1.02 * s_max, " T", va="bottom", fontsize=9, color="0.3")
    ax.set_xlabel("training time as a fraction of T (recipe B's T for the same seed)")
    ax.set_ylabel(f"cling = mean |h| over the grid (none found = {s_max:g})")
    ax.set_title("cling over training (thin: seeds, bold: median)")
    ax.set_ylim(0, 1.1 * s_max)
    ax_early.set_xscale("symlog", linthresh=1.0)
    ax_early.set_xlabel("training step (log scale; 0 = init)")
    ax_early.set_ylabel("cling = mean |h|")
    ax_early.set_title("the first steps")
    ax_early.set_ylim(0, 1.1 * s_max)
    fig.legend(handles=ax.get_legend_handles_labels()[0], loc="outside lower center", ncols=4, fontsize=9)
    fig.suptitle("E1 · clinging: does the boundary move onto the data manifold?")
    return fig


def margins(result):
    """Per-seed median normal margin (dimple depth) vs in-manifold margin at T, with y = x.

    Negative = the point is on the wrong side at T; both are capped at s_max where no crossing
    was found within ±s_max.
    """
    s_max = float(result.config["s_max"])
    fig, axes = style.new_figure(1, 1, width=5.6, height=5.0)
    ax = axes[0, 0]
    markers = {"board": "o", "line": "s"}
    for i, (world, recipe, n_seeds) in enumerate(groups(result)):
        seeds = [s for s in range(n_seeds) if f"{world}_{recipe}_s{s}_normal_margin_T" in result.arrays]
        if not seeds:
            continue
        normal = [float(np.median(_array(result, world, recipe, s, "normal_margin_T"))) for s in seeds]
        inside = [float(np.median(_array(result, world, recipe, s, "in_margin_T"))) for s in seeds]
        ax.scatter(inside, normal, s=55, color=style.colour(i), marker=markers.get(world, "D"), edgecolors="black",
                   linewidths=0.6, label=style.recipe_label(world, recipe), zorder=3)
    drawn = np.concatenate([np.ravel(p.get_offsets()) for p in ax.collections] or [np.ones(1)])
    if np.all(drawn > 0):  # every point on its right side: log axes show the ratio normal / in-manifold
        lo, hi = float(drawn.min()) / 1.6, float(drawn.max()) * 1.6
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        lo = min(-0.1 * s_max, float(drawn.min()) - 0.1 * s_max)
        hi = max(0.5 * s_max, float(drawn.max()) + 0.1 * s_max)
        ax.axhline(0, color="0.7", linewidth=0.6)
        ax.axvline(0, color="0.7", linewidth=0.6)
    ax.plot([lo, hi], [lo, hi], color="0.3", linewidth=1, linestyle="-.", label="y = x (normal = in-manifold)")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("in-manifold margin (median over points)")
    ax.set_ylabel("normal margin = dimple depth (median over points)")
    note = "log axes" if np.all(drawn > 0) else "< 0: wrong side"
    ax.set_title(f"E1 · margins at T, one marker per seed\n({note}; capped at s_max = {s_max:g})", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return fig


FIGURES = {"snapshots": snapshots, "cling": cling, "margins": margins}
