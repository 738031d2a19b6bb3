"""E8i and E9i figures: clinging over training and adversarial training, on real images.

E8i: at each measured epoch (0 = init) the medians of d_free, d_on, d_off over the fixed test images
the network classifies correctly (arrays `d_free`, `d_on`, `d_off`, each (E,)), their ratios against
the random-subspace baseline √(n/k) and the random k-frame control, d_off / d_on against 1 and
the clinging line CLING_RATIO, and on(δ_free) against √(k/n), in three stacked panels. Book page:
"Dimpling in high dimension" (the real-image section).
E9i: standard versus PGD-L2 adversarial training from one init: the medians of d_free, d_on, d_off
with the AT / standard ratios, and the clean and robust accuracies (the accuracy cost), one above the
other. Both fit the book's column (`style.COLUMN_WIDTH_IN`) with no text under `style.MIN_FONT_PT`.
Book page: "Adversarial training deepens dimples" (the real-image section).
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FormatStrFormatter

from dmm_edu import palette
from dmm_edu.plots import style
from dmm_edu.plots.training_curves import labelled_epochs

FONT = style.MIN_FONT_PT  # the smallest text: annotations, tick labels, legends
PANEL_HEIGHT_IN = 3.4  # one stacked panel
SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": r"$d_{\mathrm{free}}$ (anywhere)", "d_on": r"$d_{\mathrm{on}}$ (PCA tangent space)",
                "d_off": r"$d_{\mathrm{off}}$ (its normal space)"}
D_ON_FREE, D_OFF_FREE = r"$d_{\mathrm{on}}/d_{\mathrm{free}}$", r"$d_{\mathrm{off}}/d_{\mathrm{free}}$"
D_OFF_ON = r"$d_{\mathrm{off}}/d_{\mathrm{on}}$"
D_ON, D_OFF = r"$d_{\mathrm{on}}$", r"$d_{\mathrm{off}}$"
ON_FREE = r"on($\delta_{\mathrm{free}}$)"
SPACE_MARKERS = {"d_free": "o", "d_on": "s", "d_off": "^"}
CLING_RATIO = 0.8  # E8's check: a clinging boundary keeps d_off / d_on below this at every trained epoch


def _epoch_axis(ax, e: np.ndarray) -> None:
    """Symlog x: linear on [0, 1] so that epoch 0 (init) has a place, logarithmic after."""
    ax.set_xscale("symlog", linthresh=1.0, linscale=0.6)
    shown = labelled_epochs(e)
    ax.set_xticks(shown, ["init" if v == 0 else str(int(v)) for v in shown])
    ax.set_xlim(-0.15, max(float(e.max()), 1.0) * 1.25)
    ax.set_xlabel("epochs of training (log scale after 1)")
    ax.grid(axis="x", which="both", color=palette.GRID, linewidth=0.8, zorder=0)


def cling(result):
    """Three stacked panels over epochs: the three distances (with test accuracy and the number of correct
    points), the ratios to d_free against √(n/k) and the random frame, and d_off / d_on with on(δ_free)."""
    a, m = result.arrays, result.metrics
    e = np.asarray(a["epochs"])  # (E,)
    fig, axes = style.new_figure(3, 1, width=style.COLUMN_WIDTH_IN, height=3 * PANEL_HEIGHT_IN + 0.4)
    ax_d, ax_r, ax_c = axes[:, 0]

    for s in SPACES:
        ax_d.plot(e, a[s], marker=SPACE_MARKERS[s], color=palette.SPACES[s], linewidth=1.8, markersize=5,
                  label=SPACE_LABELS[s])
    top = float(np.nanmax([np.nanmax(a[s]) for s in SPACES]))
    ax_d.set_ylim(0, 1.9 * top)  # room above the curves for the numbers and the legend
    for v, acc, c in zip(e, a["test_accuracy"], a["n_correct"]):
        if v in set(labelled_epochs(e).tolist()):
            ax_d.text(v, 0.97, f"{acc:.2f}\n{int(c)} pts", transform=ax_d.get_xaxis_transform(), ha="center",
                      va="top", fontsize=FONT, color=palette.ANNOTATION)
    _epoch_axis(ax_d, e)
    ax_d.set_ylabel("median minimal L2 distance")
    ax_d.set_title(f"on top: test accuracy, correct points of {m['n_fixed_points']} fixed images", fontsize=FONT + 1)
    ax_d.legend(fontsize=FONT, loc="upper center", bbox_to_anchor=(0.5, 0.8), ncols=3, handlelength=1.5,
                columnspacing=1.0)  # below the accuracies, above the curves

    ax_r.plot(e, a["d_on_over_d_free"], marker="s", color=palette.ON, linewidth=1.8, label=f"{D_ON_FREE} (PCA)")
    ax_r.plot(e, a["d_off_over_d_free"], marker="^", color=palette.OFF, linewidth=1.8, label=f"{D_OFF_FREE} (PCA)")
    ax_r.plot(e, a["random_frame_d_on_over_d_free"], marker="s", color=style.colour(7), linestyle=":", linewidth=1.5,
              label=f"{D_ON_FREE} (random k-frame)")
    style.baseline_hline(ax_r, float(m["baseline_d_on_over_d_free"]),
                         label=f"random subspace √(n/k) = {m['baseline_d_on_over_d_free']:.2f}")
    ax_r.axhline(1.0, **style.REFERENCE_STYLE)
    _epoch_axis(ax_r, e)
    ax_r.set_yscale("log")
    for axis in (ax_r.yaxis.set_major_formatter, ax_r.yaxis.set_minor_formatter):
        axis(FormatStrFormatter("%g"))  # 2, 3, 4, 6 rather than 2 × 10⁰
    ax_r.set_ylabel("ratio of medians")
    ax_r.set_title(f"the DMM predicts {D_OFF_FREE} ≈ 1 ≪ {D_ON_FREE}", fontsize=FONT + 1)
    ax_r.legend(fontsize=FONT, loc="center right")

    ax_c.plot(e, a["d_off_over_d_on"], marker="o", color=palette.INK, linewidth=1.8, label=D_OFF_ON)
    ax_c.plot(e, a["on_delta"], marker="D", color=style.colour(3), linewidth=1.5, label=f"{ON_FREE} (median)")
    ax_c.axhline(1.0, **style.REFERENCE_STYLE, label="1: off and on equally far")
    ax_c.axhline(CLING_RATIO, color=style.colour(5), linestyle="-.", linewidth=1.0,
                 label=f"{CLING_RATIO:g}: the clinging line")
    style.baseline_hline(ax_c, float(m["baseline_on"]),
                         label=f"{style.BASELINE_LABEL} = {m['baseline_on']:.2f}")
    _epoch_axis(ax_c, e)
    ax_c.set_ylim(0, max(2.2, 1.1 * float(np.nanmax(a["d_off_over_d_on"]))))
    ax_c.set_title("below 1: the boundary is closer along the normal", fontsize=FONT + 1)
    ax_c.legend(fontsize=FONT, loc="upper right", ncols=2)
    fig.suptitle(f"E8i · the boundary over training on {m['dataset']} (n = {int(m['n'])}, PCA tangent "
                 f"k = {int(m['k'])})", fontsize=FONT + 1)
    return fig


MODELS = ("standard", "adversarial")
MODEL_LABELS = {"standard": "standard training", "adversarial": "adversarial training (PGD-L2)"}
MODEL_COLOURS = palette.MODELS
BAR_WIDTH = 0.36


def deepening(result):
    """Two stacked panels: grouped bars of the medians d_free, d_on, d_off (AT / standard over each group),
    and the clean and robust accuracies of both networks."""
    m = result.metrics
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=2 * PANEL_HEIGHT_IN + 0.9)
    ax_b, ax_a = axes[:, 0]
    x = np.arange(len(SPACES))  # (3,) one group per space
    for j, model in enumerate(MODELS):
        bars = ax_b.bar(x + (j - 0.5) * BAR_WIDTH, [m[model][s] for s in SPACES], BAR_WIDTH,
                        color=MODEL_COLOURS[model], edgecolor=palette.INK, linewidth=0.6, label=MODEL_LABELS[model])
        ax_b.bar_label(bars, fmt="%.2f", fontsize=FONT, padding=1)
    top = max(m[model][s] for model in MODELS for s in SPACES)
    for i, s in enumerate(SPACES):
        ax_b.text(i, max(m[model][s] for model in MODELS) + 0.1 * top,
                  f"AT / standard\n× {m[f'ratio_{s}']:.2f}", ha="center", va="bottom", fontsize=FONT, fontweight="bold")
    ax_b.set_xticks(x, [SPACE_LABELS[s].replace(" (", "\n(") for s in SPACES])
    ax_b.set_ylim(0, 1.6 * top)
    ax_b.set_ylabel("median minimal L2 distance")
    ax_b.set_title(f"medians at the {m['n_measured']} test images both classify correctly", fontsize=FONT + 1)
    ax_b.legend(fontsize=FONT, loc="upper left")

    kinds = ("test_accuracy", "robust_accuracy")
    xa = np.arange(len(kinds))  # (2,)
    for j, model in enumerate(MODELS):
        bars = ax_a.bar(xa + (j - 0.5) * BAR_WIDTH, [m[model][key] for key in kinds], BAR_WIDTH,
                        color=MODEL_COLOURS[model], edgecolor=palette.INK, linewidth=0.6, label=MODEL_LABELS[model])
        ax_a.bar_label(bars, fmt="%.3f", fontsize=FONT, padding=1)
    ax_a.set_xticks(xa, ["clean test accuracy", f"robust accuracy\n(PGD-L2, ε = {m['eps']:.2f})"])
    ax_a.set_ylim(0, 1.3)
    cost = float(m["accuracy_cost"])  # standard − adversarial clean accuracy: > 0 is a drop
    change = f"drops by {cost:.3f}" if cost > 0 else f"rises by {-cost:.3f}" if cost < 0 else "is unchanged"
    ax_a.set_title(f"the accuracy cost: clean accuracy {change}", fontsize=FONT + 1)
    ax_a.legend(fontsize=FONT, loc="upper right")
    fig.suptitle(f"E9i · adversarial training on {m['dataset']} (ε = {m['eps']:.2f}): "
                 f"{D_OFF} × {m['ratio_d_off']:.2f}, {D_ON} × {m['ratio_d_on']:.2f}", fontsize=FONT + 1)
    return fig


E8I_FIGURES = {"cling": cling}
E9I_FIGURES = {"deepening": deepening}
