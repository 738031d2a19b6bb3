"""E8 figures: clinging and dimpling over training: "curves" the three distances per init scale c,
"ratios" d_off / d_on and on(∇ℓ) for every c.

At each measured epoch (0 = the network at init) the result holds the median minimal DeepFool
distances d_free, d_on, d_off at correctly classified test points (`d_free_c{c}` …, each (E,)),
their ratio d_off / d_on and the median on(∇ℓ). A boundary with a random orientation gives
d_off / d_on ≈ √(k/(n−k)) (metrics "baseline_d_off_over_d_on") and on(∇) ≈ √(k/n); every run starts
there. The DMM regime (c = 2.5) keeps d_off < d_on while d_off grows slowly (the dimples deepen);
the contrast (c = 0.5) ends with d_off > d_on, a boundary across the manifold.
Book page: "Dimpling in high dimension".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": "d_free (anywhere)", "d_on": "d_on (in the tangent space)",
                "d_off": "d_off (in the normal space)"}
SPACE_MARKERS = {"d_free": "o", "d_on": "s", "d_off": "^"}
SCALE_COLOURS = palette.SCALES  # per init scale c, largest first
SCALE_LINESTYLES = ("-", "-.", ":", "--")  # with the colour: one per init scale c in the ratio and on(∇) panels
RATIO_BASELINE_LABEL = "random boundary √(k/(n−k))"


def scales(result) -> list[float]:
    return [float(c) for c in result.config["init_scales"]]


def epochs(result) -> np.ndarray:
    """The measured epochs: (E,) int, 0 = at init."""
    return np.asarray(result.arrays["epochs"])


def curve(result, name: str, c: float) -> np.ndarray:
    """One measured curve, e.g. curve(result, "d_off", 2.5): (E,)."""
    return np.asarray(result.arrays[f"{name}_c{c:g}"])


def labelled_epochs(e: np.ndarray, most: int = 8) -> np.ndarray:
    """The epochs that get a tick label (and an accuracy number): all of them when there are at most
    `most`, else init, the 1-2-5 sequence (1, 2, 5, 10, 20, 50 …) and the last epoch."""
    if len(e) <= most:
        return e
    nice = {0} | {m * 10**p for p in range(7) for m in (1, 2, 5)} | {int(e[-1])}
    return np.array([v for v in e if int(v) in nice])


def _epoch_axis(ax, e: np.ndarray) -> None:
    """Symlog x: linear on [0, 1] so that epoch 0 (init) has a place, logarithmic after; a grid line per epoch."""
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
    shown = labelled_epochs(e)
    ax.set_xticks(shown, ["init" if v == 0 else str(int(v)) for v in shown])
    ax.set_xticks([v for v in e if v not in shown], minor=True)
    ax.set_xlim(-0.15, max(float(e.max()), 1.0) * 1.25)
    ax.set_xlabel("epochs of training (log scale after 1)")
    ax.grid(axis="x", which="both", color=palette.GRID, linewidth=0.8, zorder=0)


def _accuracy_row(ax, e: np.ndarray, acc: np.ndarray) -> None:
    """The clean test accuracy at the labelled epochs as a row of small numbers along the top of the panel."""
    ax.text(0.5, 0.985, "clean test accuracy after each epoch", transform=ax.transAxes, ha="center", va="top",
            fontsize=9, color=palette.ANNOTATION)
    shown = set(labelled_epochs(e).tolist())
    for v, a in zip(e, acc):
        if v in shown:
            ax.text(v, 0.925, f"{a:.2f}", transform=ax.get_xaxis_transform(), ha="center", va="top",
                    fontsize=9, color=palette.ANNOTATION)


def curves(result):
    """d_free, d_on, d_off over epochs, one panel per init scale c, one above the other (column-wide)."""
    cs = scales(result)
    e = epochs(result)
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    fig, axes = style.new_figure(len(cs), 1, width=style.COLUMN_WIDTH_IN, height=3.7 * len(cs) + 0.9)
    for ax, c in zip(axes[:, 0], cs):
        for s in SPACES:
            ax.plot(e, curve(result, s, c), marker=SPACE_MARKERS[s], color=palette.SPACES[s], linewidth=1.8,
                    markersize=5, label=SPACE_LABELS[s])
        _epoch_axis(ax, e)
        top = max(float(np.nanmax(curve(result, s, c))) for s in SPACES)
        ax.set_ylim(0, 1.3 * top)  # headroom for the accuracy row
        _accuracy_row(ax, e, curve(result, "test_accuracy", c))
        ax.set_ylabel("minimal L2 distance\n(median)")
        ax.set_title(f"{style.c_label(c)}: the three shortest ways across", fontsize=11)
    fig.legend(handles=axes[0, 0].get_legend_handles_labels()[0], loc="outside lower center", ncols=2,
               fontsize=9)  # the same three colours in every panel
    fig.suptitle(f"E8 · distances over training (n = {n}, k = {k})", fontsize=11)
    return fig


def ratios(result):
    """d_off / d_on (log scale, against the random-boundary value and 1) and on(∇ℓ) (against √(k/n))
    over epochs, one curve per init scale c; one panel above the other (column-wide)."""
    cs = scales(result)
    e = epochs(result)
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    ratio_base = float(result.metrics["baseline_d_off_over_d_on"])  # √(k/(n−k))
    on_base = float(result.metrics["baseline_on"])  # √(k/n)
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=8.2)
    ax_r, ax_on = axes[:, 0]
    by_size = sorted(cs, reverse=True)  # the largest c (the DMM regime) is always black and solid
    for c in cs:
        i = by_size.index(c) % len(SCALE_COLOURS)
        look = {"color": SCALE_COLOURS[i], "linestyle": SCALE_LINESTYLES[i], "marker": "o", "linewidth": 1.8,
                "markersize": 5, "label": style.c_label(c)}
        ax_r.plot(e, curve(result, "d_off_over_d_on", c), **look)
        ax_on.plot(e, curve(result, "on_grad", c), **look)
    style.baseline_hline(ax_r, ratio_base, label=f"{RATIO_BASELINE_LABEL} = {ratio_base:.2f}")
    ax_r.axhline(1.0, **style.REFERENCE_STYLE, label="1: off and on equally far")
    _epoch_axis(ax_r, e)
    ax_r.set_yscale("log")  # the ratio spans the baseline (≈ 0.2) to well above 1
    lo, hi = ax_r.get_ylim()
    hi = max(hi, 1.6)  # room above the line at 1 for the legend
    ax_r.set_ylim(lo, hi)
    ticks = [t for t in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 2, 3, 5, 10, 20) if lo <= t <= hi]
    ax_r.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax_r.set_yticks([], minor=True)
    ax_r.set_ylabel("d_off / d_on\n(ratio of medians)")
    ax_r.set_title("below 1: the off-manifold way is the shorter", fontsize=11)
    ax_r.legend(fontsize=9, loc="upper left")

    style.baseline_hline(ax_on, on_base, label=f"{style.BASELINE_LABEL} = {on_base:.2f}")
    _epoch_axis(ax_on, e)
    ax_on.set_ylim(0, 1)
    ax_on.set_ylabel("on(∇ℓ) (median)")
    ax_on.set_title("how on-manifold the loss gradient is", fontsize=11)
    ax_on.legend(fontsize=9, loc="upper left")
    fig.suptitle(f"E8 · d_off / d_on and on(∇ℓ) over training (n = {n}, k = {k})", fontsize=11)
    return fig


FIGURES = {"curves": curves, "ratios": ratios}
