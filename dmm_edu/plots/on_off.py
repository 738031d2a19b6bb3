"""E5 figures: free, on- and off-manifold minimal attacks per init scale c.

d_free, d_on, d_off are DeepFool's minimal L2 distances anywhere, inside the tangent space and
inside the normal space (`d_free_c{c}` …, compared at the points `success_all_c{c}` where all
three succeeded, as the metrics are). The DMM predicts d_off ≈ d_free ≪ d_on. For a locally linear
classifier d_on / d_free ≈ 1 / on(∇f), so a boundary that knew nothing of the manifold would give
√(n/k). Book page: "On- and off-manifold perturbations".
"""

from __future__ import annotations

import numpy as np

from dmm_edu.plots import style

SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": "d_free (anywhere)", "d_on": "d_on (in the tangent space)",
                "d_off": "d_off (in the normal space)"}


def scales(result) -> list[float]:
    return [float(c) for c in result.config["init_scales"]]


def distances_at(result, c: float) -> dict[str, np.ndarray]:
    """d_free, d_on, d_off at the points where all three attacks succeeded: each (M,)."""
    both = result.arrays[f"success_all_c{c:g}"].astype(bool)  # (N,)
    return {s: result.arrays[f"{s}_c{c:g}"][both] for s in SPACES}


def distances(result):
    """Grouped bars of the median d_free, d_on, d_off per c, and d_on / d_free against √(n/k)."""
    cs = scales(result)
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    fig, axes = style.new_figure(1, 2, width=11, height=4.4)
    ax_d, ax_r = axes[0]
    x = np.arange(len(cs))  # (C,)
    width = 0.26
    meds = {c: {s: float(np.median(v)) if v.size else np.nan for s, v in distances_at(result, c).items()} for c in cs}
    for j, s in enumerate(SPACES):
        heights = [meds[c][s] for c in cs]
        bars = ax_d.bar(x + (j - 1) * width, heights, width, color=style.colour(j), edgecolor="black",
                        linewidth=0.6, label=SPACE_LABELS[s])
        ax_d.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax_d.set_xticks(x, [style.c_label(c) for c in cs])
    ax_d.set_xlabel("init scale c of the network")
    ax_d.set_ylabel("minimal L2 distance to the boundary (median)")
    ax_d.set_title("the shortest way across, in three spaces")
    ax_d.legend(fontsize=8, loc="upper right")
    ax_d.set_ylim(0, 1.25 * np.nanmax([max(m.values()) for m in meds.values()]))

    ratio = [meds[c]["d_on"] / meds[c]["d_free"] for c in cs]  # median d_on / median d_free (the metric)
    bars = ax_r.bar(x, ratio, 0.5, color=style.colour(1), edgecolor="black", linewidth=0.6,
                    label="d_on / d_free (ratio of medians)")
    ax_r.bar_label(bars, fmt="%.2f", fontsize=8, padding=1)
    style.baseline_hline(ax_r, float(np.sqrt(n / k)), label=f"{style.BASELINE_LABEL_INVERSE} = {np.sqrt(n / k):.2f}")
    ax_r.axhline(1.0, color="0.3", linewidth=0.8, label="1: the on-manifold attack is as short as the free one")
    ax_r.set_xticks(x, [style.c_label(c) for c in cs])
    ax_r.set_xlabel("init scale c of the network")
    ax_r.set_ylabel("d_on / d_free")
    ax_r.set_ylim(0, 1.25 * max(np.sqrt(n / k), np.nanmax(ratio)))
    ax_r.set_title("how much longer the on-manifold way is")
    ax_r.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"E5 · free, on- and off-manifold minimal attacks (n = {n}, k = {k})")
    return fig


FIGURES = {"distances": distances}
