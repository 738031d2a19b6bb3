"""E8i and E9i figures: clinging over training and adversarial training, on real images.

E8i: at each measured epoch (0 = init) the medians of d_free, d_on, d_off over the fixed test images
the network classifies correctly (arrays `d_free`, `d_on`, `d_off`, each (E,)), their ratios against
the random-subspace baseline √(n/k) and the random k-frame control, d_off / d_on against 1 and
the clinging line CLING_RATIO, and on(d_free) against √(k/n). Book page: "Dimpling in high dimension"
(the real-image section).
E9i: standard versus PGD-L2 adversarial training from one init: the medians of d_free, d_on, d_off
with the AT / standard ratios, and the clean and robust accuracies (the accuracy cost).
Book page: "Adversarial training deepens dimples" (the real-image section).
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style
from dmm_edu.plots.training_curves import labelled_epochs

SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": "d_free (anywhere)", "d_on": "d_on (in the PCA tangent space)",
                "d_off": "d_off (in its normal space)"}
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
    """Three panels over epochs: the three distances (with test accuracy and the number of correct points),
    the ratios to d_free against √(n/k) and the random frame, and d_off / d_on with on(d_free)."""
    a, m = result.arrays, result.metrics
    e = np.asarray(a["epochs"])  # (E,)
    n, k = int(m["n"]), int(m["k"])
    fig, axes = style.new_figure(1, 3, width=16.5, height=5.0)
    ax_d, ax_r, ax_c = axes[0]

    for s in SPACES:
        ax_d.plot(e, a[s], marker=SPACE_MARKERS[s], color=palette.SPACES[s], linewidth=1.8, markersize=5,
                  label=SPACE_LABELS[s])
    top = float(np.nanmax([np.nanmax(a[s]) for s in SPACES]))
    ax_d.set_ylim(0, 1.25 * top)
    for v, acc, c in zip(e, a["test_accuracy"], a["n_correct"]):
        if v in set(labelled_epochs(e).tolist()):
            ax_d.text(v, 0.97, f"{acc:.2f}\n{int(c)} pts", transform=ax_d.get_xaxis_transform(), ha="center",
                      va="top", fontsize=7, color=palette.ANNOTATION)
    _epoch_axis(ax_d, e)
    ax_d.set_ylabel("minimal L2 distance to the boundary (median)")
    ax_d.set_title(f"test accuracy and correct points of {m['n_fixed_points']} fixed images on top", fontsize=9)
    ax_d.legend(fontsize=8, loc="center right")

    ax_r.plot(e, a["d_on_over_d_free"], marker="s", color=palette.ON, linewidth=1.8, label="d_on / d_free (PCA)")
    ax_r.plot(e, a["d_off_over_d_free"], marker="^", color=palette.OFF, linewidth=1.8, label="d_off / d_free (PCA)")
    ax_r.plot(e, a["random_frame_d_on_over_d_free"], marker="s", color=style.colour(7), linestyle=":", linewidth=1.5,
              label="d_on / d_free (random k-frame)")
    style.baseline_hline(ax_r, float(m["baseline_d_on_over_d_free"]),
                         label=f"random subspace √(n/k) = {m['baseline_d_on_over_d_free']:.2f}")
    ax_r.axhline(1.0, **style.REFERENCE_STYLE)
    _epoch_axis(ax_r, e)
    ax_r.set_yscale("log")
    ax_r.set_ylabel("ratio of medians")
    ax_r.set_title("the DMM predicts d_off / d_free ≈ 1 ≪ d_on / d_free", fontsize=10)
    ax_r.legend(fontsize=8, loc="best")

    ax_c.plot(e, a["d_off_over_d_on"], marker="o", color=palette.INK, linewidth=1.8, label="d_off / d_on")
    ax_c.plot(e, a["on_delta"], marker="D", color=style.colour(3), linewidth=1.5,
              label="on(d_free) = ‖P_T d‖ / ‖d‖ (median)")
    ax_c.axhline(1.0, **style.REFERENCE_STYLE, label="1: off and on equally far")
    ax_c.axhline(CLING_RATIO, color=style.colour(5), linestyle="-.", linewidth=1.0,
                 label=f"{CLING_RATIO:g}: E8's clinging line")
    style.baseline_hline(ax_c, float(m["baseline_on"]),
                         label=f"{style.BASELINE_LABEL} = {m['baseline_on']:.2f}")
    _epoch_axis(ax_c, e)
    ax_c.set_ylim(0, max(1.7, 1.1 * float(np.nanmax(a["d_off_over_d_on"]))))
    ax_c.set_title("below 1: the boundary is closer along the normal", fontsize=10)
    ax_c.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"E8i · the boundary over training on {m['dataset']} (n = {n}, PCA tangent k = {k})")
    return fig


MODELS = ("standard", "adversarial")
MODEL_LABELS = {"standard": "standard training", "adversarial": "adversarial training (PGD-L2)"}
MODEL_COLOURS = palette.MODELS
BAR_WIDTH = 0.36


def deepening(result):
    """Grouped bars of the medians d_free, d_on, d_off (AT / standard over each group), and the clean and
    robust accuracies of both networks."""
    m = result.metrics
    fig, axes = style.new_figure(1, 2, width=12.5, height=5.0)
    ax_b, ax_a = axes[0]
    x = np.arange(len(SPACES))  # (3,) one group per space
    for j, model in enumerate(MODELS):
        bars = ax_b.bar(x + (j - 0.5) * BAR_WIDTH, [m[model][s] for s in SPACES], BAR_WIDTH,
                        color=MODEL_COLOURS[model], edgecolor=palette.INK, linewidth=0.6, label=MODEL_LABELS[model])
        ax_b.bar_label(bars, fmt="%.2f", fontsize=8, padding=1)
    top = max(m[model][s] for model in MODELS for s in SPACES)
    for i, s in enumerate(SPACES):
        ax_b.text(i, max(m[model][s] for model in MODELS) + 0.1 * top,
                  f"AT / standard\n× {m[f'ratio_{s}']:.2f}", ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax_b.set_xticks(x, [SPACE_LABELS[s].replace(" (", "\n(") for s in SPACES])
    ax_b.set_ylim(0, 1.5 * top)
    ax_b.set_ylabel("minimal L2 distance to the boundary (median)")
    ax_b.set_title(f"medians at the {m['n_measured']} test images both classify correctly", fontsize=10)
    ax_b.legend(fontsize=8, loc="upper left")

    kinds = ("test_accuracy", "robust_accuracy")
    xa = np.arange(len(kinds))  # (2,)
    for j, model in enumerate(MODELS):
        bars = ax_a.bar(xa + (j - 0.5) * BAR_WIDTH, [m[model][key] for key in kinds], BAR_WIDTH,
                        color=MODEL_COLOURS[model], edgecolor=palette.INK, linewidth=0.6, label=MODEL_LABELS[model])
        ax_a.bar_label(bars, fmt="%.3f", fontsize=8, padding=1)
    ax_a.set_xticks(xa, ["clean test accuracy", f"robust accuracy\n(PGD-L2, eps = {m['eps']:.2f})"])
    ax_a.set_ylim(0, 1.15)
    ax_a.set_title(f"the accuracy cost: {m['accuracy_cost']:+.3f} clean", fontsize=10)
    ax_a.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"E9i · adversarial training on {m['dataset']} (eps = {m['eps']:.2f}): "
                 f"d_off × {m['ratio_d_off']:.2f}, d_on × {m['ratio_d_on']:.2f}")
    return fig


E8I_FIGURES = {"cling": cling}
E9I_FIGURES = {"deepening": deepening}
