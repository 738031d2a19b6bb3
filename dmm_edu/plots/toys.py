"""E1 figures: the toy boundary over training — snapshots of its height, cling, and margins at τ.

Drawn from an E1 result only: nothing here builds a world, a grid or a network. Arrays are named
`{world}_{recipe}_s{i}_{field}` (world "board" or "line", i the seed index); the per-recipe
summaries sit in `metrics[f"{world}_{recipe}"]`. Per world the result also holds the training
points' manifold coordinates `{world}_t` (N, k) and labels `{world}_y` (N,), and the height grid's
axis `{world}_grid_axis` (res,): a height frame h is measured on that grid per manifold axis, over
the box the training points span ([0, 1]² for the chessboard, [0.05, 1.05] for the line toy);
NaN = no crossing within ±s_max. Book page: "Clinging and dimpling on a toy".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

SNAPSHOT_FRACTIONS = (0.0, 0.05, 0.25, 0.5, 1.0)  #: fractions of τ shown, plus the late one (> 1) if run


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


def _saved(result, key: str) -> np.ndarray:
    if key not in result.arrays:
        raise ValueError(f"E1 result lacks the array {key!r}; re-run E1 with the current code")
    return result.arrays[key]


def _array(result, world, recipe, seed, field):
    return _saved(result, f"{world}_{recipe}_s{seed}_{field}")


def training_points(result, world: str) -> tuple[np.ndarray, np.ndarray]:
    """The training points of `world` as the result saved them: manifold coordinates t (N, k), labels y (N,)."""
    return _saved(result, f"{world}_t"), _saved(result, f"{world}_y")


def grid_axis(result, world: str) -> np.ndarray:
    """The manifold coordinates of the height grid along one axis, as measured: (res,)."""
    return _saved(result, f"{world}_grid_axis")


def _points(ax, u: np.ndarray, v: np.ndarray, y: np.ndarray, size: float) -> None:
    """The training points at (u, v) (N,) each, coloured by their labels y (N,) (palette.CLASSES, as in the scenes)."""
    for label in np.unique(y):
        sel = y == label  # (N,)
        ax.scatter(u[sel], v[sel], s=size, c=palette.class_colour(label), edgecolors=palette.INK,
                   linewidths=0.8, zorder=3, label=f"label {int(label)}")


SNAPSHOT_COLUMNS = 3  #: chessboard snapshots per row: small square images with 0/1 ticks read at a third of 6.6 in
LINE_COLUMNS = 2  #: line-toy panels per row: each has its own axes and labels


def _group(result, world: str, recipes) -> list[tuple[str, str, int]]:
    """The trained groups of `world` whose recipe is in `recipes`, in the result's order."""
    return [g for g in groups(result) if g[0] == world and g[1] in recipes]


def _missing_handle(label: str):
    from matplotlib.patches import Patch

    return Patch(facecolor=palette.MISSING, edgecolor=palette.MISSING_EDGE, hatch=style.MISSING_HATCH, label=label)


def _board_snapshots(result, recipes: list[str]):
    """Chessboard height images of seed 0 at the snapshot fractions, SNAPSHOT_COLUMNS a row, one block
    of rows per recipe (the recipe named on the left of its rows)."""
    fractions = np.asarray(result.arrays["fractions"], dtype=float)  # (F,)
    cols = snapshot_fractions(fractions)
    s_max = float(result.config["s_max"])
    per_recipe = -(-len(cols) // SNAPSHOT_COLUMNS)  # rows per recipe
    nrows = per_recipe * len(recipes)
    fig, axes = style.new_figure(nrows, SNAPSHOT_COLUMNS, width=style.COLUMN_WIDTH_IN, height=2.25 * nrows + 1.3)
    axis = grid_axis(result, "board")  # (res,)
    dx = axis[1] - axis[0]
    box = (axis[0] - dx / 2, axis[-1] + dx / 2)
    t, y = training_points(result, "board")  # (N, k), (N,)
    image = None
    for b, recipe in enumerate(recipes):
        frames = _array(result, "board", recipe, 0, "frames")  # (F, res, res)
        steps = _array(result, "board", recipe, 0, "steps")  # (F,)
        for i in range(per_recipe * SNAPSHOT_COLUMNS):
            ax = axes[b * per_recipe + i // SNAPSHOT_COLUMNS, i % SNAPSHOT_COLUMNS]
            if i >= len(cols):
                ax.set_axis_off()
                continue
            j = cols[i]
            ax.add_patch(_missing_patch(box, box))
            image = ax.imshow(np.ma.masked_invalid(frames[j].T), origin="lower", extent=box + box,  # h[i, j]: x_i, y_j
                              cmap=style.DIVERGING_CMAP, vmin=-s_max, vmax=s_max, interpolation="nearest")
            _points(ax, t[:, 0], t[:, 1], y, size=14)
            ax.set_xlim(*box)
            ax.set_ylim(*box)
            ax.set_aspect("equal")
            ax.set_xticks([0, 1])
            ax.set_yticks([0, 1])
            ax.set_title(f"{_fraction_label(fractions[j])} (step {int(steps[j])})", fontsize=9)
            if b == len(recipes) - 1 and i + SNAPSHOT_COLUMNS >= len(cols):
                ax.set_xlabel("x", fontsize=9, labelpad=-4)
            if i % SNAPSHOT_COLUMNS == 0:
                ax.set_ylabel(f"{style.RECIPE_NAMES.get(recipe, recipe)}\ny", fontsize=9)
            else:
                ax.tick_params(labelleft=False)
    bar = fig.colorbar(image, ax=axes.ravel().tolist(), location="bottom", shrink=0.7, aspect=35,
                       label="boundary height h above the board")
    bar.set_ticks(np.linspace(-s_max, s_max, 5))
    handles = [h for h in axes[0, 0].get_legend_handles_labels()[0]]
    fig.legend(handles=handles + [_missing_handle(f"no crossing within ±{s_max:g}")], loc="outside lower center",
               ncols=3, fontsize=9)
    return fig


def snapshots(result):
    """The default recipe on the chessboard: the boundary's height h(x, y) over the board at several
    fractions of τ, seed 0 (diverging, white = on the board; hatched = no crossing within ±s_max),
    with the training points coloured by label. The contrasts are `contrasts`, the line toy `line_toy`."""
    if not _group(result, "board", ("B",)):
        raise ValueError("this E1 result has no chessboard run with the default recipe (board_B)")
    fig = _board_snapshots(result, ["B"])
    fig.suptitle("chessboard, default init, seed 0", fontsize=11)
    return fig


def contrasts(result):
    """The same pictures as `snapshots` for the contrasting chessboard recipes (small init, weight
    decay: whichever the result ran), on the default recipe's clock (same seed, same steps)."""
    recipes = [recipe for world, recipe, _ in groups(result) if world == "board" and recipe != "B"]
    if not recipes:
        raise ValueError("this E1 result has no chessboard contrast (small init, weight decay) to draw")
    fig = _board_snapshots(result, recipes)
    fig.suptitle("chessboard contrasts, seed 0 (the default recipe's τ)", fontsize=11)
    return fig


def line_toy(result):
    """The paper's 2-D line toy, default recipe, seed 0: the boundary's height h(x) above the line at the
    snapshot fractions of τ (hatched: no crossing within ±s_max), the five points on the line."""
    if not _group(result, "line", ("B",)):
        raise ValueError("this E1 result has no line-toy run (line_B)")
    fractions = np.asarray(result.arrays["fractions"], dtype=float)  # (F,)
    cols = snapshot_fractions(fractions)
    s_max = float(result.config["s_max"])
    nrows = -(-len(cols) // LINE_COLUMNS)
    fig, axes = style.new_figure(nrows, LINE_COLUMNS, width=style.COLUMN_WIDTH_IN, height=2.2 * nrows + 1.0,
                                 sharex=True, sharey=True)
    frames = _array(result, "line", "B", 0, "frames")  # (F, res)
    steps = _array(result, "line", "B", 0, "steps")  # (F,)
    axis = grid_axis(result, "line")  # (res,)
    dx = axis[1] - axis[0]
    t, y = training_points(result, "line")  # (N, 1), (N,)
    for i, ax in enumerate(axes.ravel()):
        if i >= len(cols):
            ax.set_axis_off()
            continue
        j = cols[i]
        h = frames[j]
        for xm in axis[np.isnan(h)]:
            ax.axvspan(xm - dx / 2, xm + dx / 2, facecolor="none", edgecolor=palette.MISSING_EDGE,
                       hatch=style.MISSING_HATCH, linewidth=0)
        ax.axhline(0.0, color=palette.MANIFOLD, linestyle="--", linewidth=1.0, label="the line the data lie on")
        ax.plot(axis, h, color=palette.BOUNDARY, linewidth=2, marker=".", label="boundary height h(x)")
        _points(ax, t[:, 0], np.zeros(len(y)), y, size=30)
        ax.set_ylim(-1.05 * s_max, 1.05 * s_max)
        ax.set_title(f"{_fraction_label(fractions[j])} (step {int(steps[j])})", fontsize=10)
        if i // LINE_COLUMNS == nrows - 1 or i + LINE_COLUMNS >= len(cols):
            ax.set_xlabel("position x along the line")
            ax.tick_params(labelbottom=True)
        if i % LINE_COLUMNS == 0:
            ax.set_ylabel("height h")
    handles = axes[0, 0].get_legend_handles_labels()[0]
    fig.legend(handles=handles + [_missing_handle(f"no crossing within ±{s_max:g}")], loc="outside lower center",
               ncols=3, fontsize=9)
    fig.suptitle("line toy, default init, seed 0", fontsize=11)
    return fig


def _fraction_label(f: float) -> str:
    return "init" if f == 0 else "τ" if f == 1 else f"{f:g}·τ"


def _missing_patch(xlim, ylim):
    from matplotlib.patches import Rectangle

    return Rectangle((xlim[0], ylim[0]), xlim[1] - xlim[0], ylim[1] - ylim[0], facecolor=palette.MISSING,
                     edgecolor=palette.MISSING_EDGE, hatch=style.MISSING_HATCH, linewidth=0, zorder=0)


def cling(result):
    """Cling (mean |h|, 0 = the boundary lies on the manifold) vs fraction of τ (top) and vs early step
    (bottom), one above the other so that each is the column's width.

    Thin lines: every seed; bold: the median the book quotes (`metrics[...]["cling_median"]`, over
    the seeds that reached τ for the default recipe). Contrasts are on the paired default-recipe clock.
    Dashed (top): the cap's part of that cling, s_max times the median share of the grid with no
    crossing within ±s_max (`["cling_missing_median"]`, same seeds): each such point counts as s_max,
    so where the dashed line runs close under the bold one the cling is mostly the cap, not a height.
    """
    fractions = np.asarray(result.arrays["fractions"], dtype=float)  # (F,)
    s_max = float(result.config["s_max"])
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=8.0)
    ax, ax_early = axes[:, 0]
    for i, (world, recipe, n_seeds) in enumerate(groups(result)):
        col = style.colour(i)
        for s in range(n_seeds):
            ax.plot(fractions, _array(result, world, recipe, s, "cling"), color=col, linewidth=0.8, alpha=0.45)
        ax.plot(fractions, result.metrics[f"{world}_{recipe}"]["cling_median"], color=col, linewidth=2.6,
                marker="o", markersize=4, label=style.recipe_label(world, recipe))
        ax.plot(fractions, s_max * _missing_median(result, f"{world}_{recipe}"), color=col, linewidth=1.6,
                linestyle="--")
        for s in range(n_seeds):
            steps, values = (_array(result, world, recipe, s, k) for k in ("early_steps", "early_cling"))  # (E_s,) each
            ax_early.plot(steps, values, color=col, linewidth=0.8, alpha=0.45)
        steps = _saved(result, f"{world}_{recipe}_early_steps")  # (n_early,) the early steps every seed reached
        if len(steps):
            ax_early.plot(steps, _saved(result, f"{world}_{recipe}_early_cling_median"), color=col, linewidth=2.6,
                          marker="o", markersize=4, label=style.recipe_label(world, recipe))
    ax.axvline(1.0, linestyle=":", **style.REFERENCE_STYLE)
    ax.text(1.0, 1.02 * s_max, " τ", va="bottom", fontsize=10, color=palette.REFERENCE)
    ax.set_xlabel("fraction of τ (the default recipe's τ, same seed)")
    ax.set_ylabel(f"cling = mean |h|\n(none found = {s_max:g})")
    ax.set_title("over training (thin: seeds, bold: median)", fontsize=11)
    ax.set_ylim(0, 1.1 * s_max)
    ax_early.set_xscale("symlog", linthresh=1.0)
    ax_early.set_xlabel("training step (log scale; 0 = init)")
    ax_early.set_ylabel("cling = mean |h|")
    ax_early.set_title("the first steps", fontsize=11)
    ax_early.set_ylim(0, 1.1 * s_max)
    fig.legend(handles=ax.get_legend_handles_labels()[0] + _cap_handles(s_max), loc="outside lower center",
               ncols=2, fontsize=9)
    fig.suptitle("E1 · clinging: does the boundary move onto the manifold?", fontsize=11)
    return fig


def _missing_median(result, tag: str) -> np.ndarray:
    """The median share of the grid with no crossing within ±s_max, per fraction of τ: (F,)."""
    if "cling_missing_median" not in result.metrics[tag]:
        raise ValueError(f"E1 result lacks {tag}.cling_missing_median; re-run E1 with the current code")
    return np.asarray(result.metrics[tag]["cling_missing_median"], dtype=float)


def _cap_handles(s_max: float) -> list:
    """Legend keys for the two line styles of the cling panel: the median cling and the cap's part of it."""
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=palette.INK, linewidth=2.6, marker="o", markersize=4, label="median cling"),
            Line2D([], [], color=palette.INK, linewidth=1.6, linestyle="--",
                   label=f"top, its cap part: share with no crossing within ±{s_max:g}"
                         + ("" if s_max == 1 else f", × {s_max:g}"))]


def margins(result):
    """Per-seed median normal margin (dimple depth) vs in-manifold margin at τ, with y = x.

    The per-seed medians the book's summary uses (`metrics[...]["normal_margin_T_per_seed"]`,
    `["in_margin_T_per_seed"]`: the seeds that reached τ for the default recipe, every seed for a contrast).
    Negative = the point is on the wrong side at τ; both are capped at s_max where no crossing
    was found within ±s_max.
    """
    s_max = float(result.config["s_max"])
    fig, axes = style.new_figure(1, 1, width=5.6, height=5.4)
    ax = axes[0, 0]
    markers = {"board": "o", "line": "s"}
    for i, (world, recipe, _) in enumerate(groups(result)):
        m = result.metrics[f"{world}_{recipe}"]
        normal, inside = m.get("normal_margin_T_per_seed", []), m.get("in_margin_T_per_seed", [])
        if not normal:
            continue
        ax.scatter(inside, normal, s=55, color=style.colour(i), marker=markers.get(world, "D"),
                   edgecolors=palette.INK, linewidths=0.6, label=style.recipe_label(world, recipe), zorder=3)
    drawn = np.concatenate([np.ravel(p.get_offsets()) for p in ax.collections] or [np.ones(1)])
    if np.all(drawn > 0):  # every point on its right side: log axes show the ratio normal / in-manifold
        lo, hi = float(drawn.min()) / 1.6, float(drawn.max()) * 1.6
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        lo = min(-0.1 * s_max, float(drawn.min()) - 0.1 * s_max)
        hi = max(0.5 * s_max, float(drawn.max()) + 0.1 * s_max)
        ax.axhline(0, color=palette.ZERO_LINE, linewidth=0.6)
        ax.axvline(0, color=palette.ZERO_LINE, linewidth=0.6)
    ax.plot([lo, hi], [lo, hi], color=palette.REFERENCE, linewidth=1, linestyle="-.",
            label="y = x (normal = in-manifold)")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("in-manifold margin (median over points)")
    ax.set_ylabel("normal margin = dimple depth (median over points)")
    note = "log axes" if np.all(drawn > 0) else "< 0: wrong side"
    ax.set_title(f"E1 · margins at τ, one marker per seed\n({note}; capped at s_max = {s_max:g})", fontsize=10)
    ax.legend(fontsize=9, loc="lower right")
    return fig


FIGURES = {"snapshots": snapshots, "contrasts": contrasts, "line_toy": line_toy, "cling": cling, "margins": margins}
