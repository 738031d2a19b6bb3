"""E5 figures: free, on- and off-manifold minimal attacks per init scale c.

d_free, d_on, d_off are DeepFool's minimal L2 distances anywhere, inside the tangent space and
inside the normal space: the bars are the medians E5 saved in `metrics[f"c{c}"]`, over the points
where all three succeeded. The DMM predicts d_off ≈ d_free ≪ d_on. For a locally linear
classifier d_on / d_free ≈ 1 / on(∇f), so a boundary that knew nothing of the manifold would give
√(n/k). "slices" draws, per c, the saved 2-D slices through a few measured points: the boundary
in the plane of the on- and off-manifold perturbations (see dmm_edu.plots.slices): "slices" the
first sliced point at every c, "slices_more" the other sliced points.
Book page: "On- vs off-manifold perturbations".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import slices as slice_panels
from dmm_edu.plots import style

SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": "d_free (anywhere)", "d_on": "d_on (in the tangent space)",
                "d_off": "d_off (in the normal space)"}


def scales(result) -> list[float]:
    return [float(c) for c in result.config["init_scales"]]


def distances(result):
    """Grouped bars of the median d_free, d_on, d_off per c, and d_on / d_free against √(n/k).

    Every bar is a number E5 saved in its metrics (`metrics[f"c{c}"]`): the medians over the points
    where all three attacks succeeded, their ratio, and √(n/k).
    """
    cs = scales(result)
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=8.2)  # one above the other: column-wide
    ax_d, ax_r = axes[:, 0]
    x = np.arange(len(cs))  # (C,)
    width = 0.26
    meds = {c: {s: float(result.metrics[f"c{c:g}"][s]) for s in SPACES} for c in cs}  # the quoted medians
    for j, s in enumerate(SPACES):
        heights = [meds[c][s] for c in cs]
        bars = ax_d.bar(x + (j - 1) * width, heights, width, color=palette.SPACES[s], edgecolor=palette.INK,
                        linewidth=0.6, label=SPACE_LABELS[s])
        ax_d.bar_label(bars, fmt="%.2f", fontsize=9, padding=1)
    ax_d.set_xticks(x, [style.c_label(c) for c in cs])
    ax_d.set_xlabel("init scale c of the network")
    ax_d.set_ylabel("minimal L2 distance\nto the boundary (median)")
    ax_d.set_title("the shortest way across, in three spaces", fontsize=11)
    ax_d.legend(fontsize=9, loc="upper right")
    ax_d.set_ylim(0, 1.35 * np.nanmax([max(m.values()) for m in meds.values()]))

    ratio = [float(result.metrics[f"c{c:g}"]["d_on_over_d_free"]) for c in cs]  # median d_on / median d_free
    root = float(result.metrics[f"c{cs[0]:g}"]["baseline_d_on_over_d_free"])  # √(n/k): one world for every c
    bars = ax_r.bar(x, ratio, 0.5, color=palette.ON, edgecolor=palette.INK, linewidth=0.6,
                    label="d_on / d_free (ratio of medians)")
    ax_r.bar_label(bars, fmt="%.2f", fontsize=9, padding=1)
    style.baseline_hline(ax_r, root, label=f"{style.BASELINE_LABEL_INVERSE} = {root:.2f}")
    ax_r.axhline(1.0, **style.REFERENCE_STYLE, label="1: on-manifold as short as free")
    ax_r.set_xticks(x, [style.c_label(c) for c in cs])
    ax_r.set_xlabel("init scale c of the network")
    ax_r.set_ylabel("d_on / d_free")
    ax_r.set_ylim(0, 1.5 * max(root, np.nanmax(ratio)))  # headroom: the legend stays above the baseline
    ax_r.set_title("how much longer the on-manifold way is", fontsize=11)
    ax_r.legend(fontsize=9, loc="upper left")
    fig.suptitle(f"E5 · free, on- and off-manifold minimal attacks (n = {n}, k = {k})", fontsize=11)
    return fig


def sliced_scales(result) -> list[float]:
    """The init scales c with saved slices (results made before the slices were added have none)."""
    return [c for c in scales(result) if f"slice_logit_c{c:g}" in result.arrays]


def _sliced(result) -> tuple[list[float], int]:
    """The sliced init scales and the most points sliced at one of them; ValueError if there are none."""
    cs = sliced_scales(result)
    if not cs:
        raise ValueError("this E5 result has no slices (slice_logit_c*): it was made before they were saved; "
                         "run E5 again")
    S = max(result.arrays[f"slice_logit_c{c:g}"].shape[0] for c in cs)
    if S == 0:
        raise ValueError("this E5 result sliced no points: no test point had all three attacks succeed")
    return cs, S


def _slice(ax, result, c: float, s: int, title: str) -> None:
    """Slice s at init scale c: the boundary in the (u, v) plane, arrows d_on and d_off."""
    get = {k: result.arrays[f"slice_{k}_c{c:g}"][s] for k in ("logit", "axis_u", "axis_v", "d_on", "d_off", "label")}
    d_on, d_off = float(get["d_on"]), float(get["d_off"])
    slice_panels.slice_panel(ax, get["axis_u"], get["axis_v"], get["logit"], int(get["label"]),
                             title=f"{title}\nd_off / d_on = {d_off / d_on:.2f}")
    slice_panels.arrow(ax, "u", d_on, slice_panels.ON_COLOUR, f"d_on = {d_on:.2f}")
    slice_panels.arrow(ax, "v", d_off, slice_panels.OFF_COLOUR, f"d_off = {d_off:.2f}")


def _point_name(result, c: float, s: int) -> str:
    """'test point 7 (class 0)': the sliced point's index in the attack set, and its label."""
    index = result.arrays.get(f"slice_index_c{c:g}")
    name = f"test point {int(index[s])}" if index is not None else f"point {s}"
    return f"{name} (class {int(result.arrays[f'slice_label_c{c:g}'][s])})"


def slices(result):
    """The first sliced point at every init scale c, two panels a row: the boundary in the plane of the
    unit on- (u) and off-manifold (v) DeepFool perturbations through the point, with d_on and d_off."""
    cs, _ = _sliced(result)
    cs = [c for c in cs if result.arrays[f"slice_logit_c{c:g}"].shape[0] > 0]
    fig, axes, spare = slice_panels.grid(len(cs))
    for ax, c in zip(axes, cs):
        _slice(ax, result, c, 0, f"{style.c_label(c)} · {_point_name(result, c, 0)}")
    slice_panels.add_legend(fig, slice_panels.legend_handles(), spare)
    fig.suptitle("E5 · the boundary in the plane of δ_on and δ_off", fontsize=11)
    return fig


def slices_more(result):
    """The other sliced points (all but the first), a block of rows per init scale c, two panels a row."""
    cs, S = _sliced(result)
    if S < 2:
        raise ValueError("this E5 result sliced one point per init scale: `slices` shows it; there are no more")
    panels = [(c, s) for c in cs for s in range(1, result.arrays[f"slice_logit_c{c:g}"].shape[0])]
    fig, axes, spare = slice_panels.grid(len(panels))
    for ax, (c, s) in zip(axes, panels):
        _slice(ax, result, c, s, f"{style.c_label(c)} · {_point_name(result, c, s)}")
    slice_panels.add_legend(fig, slice_panels.legend_handles(), spare)
    fig.suptitle("E5 · more points: the boundary in the plane of δ_on and δ_off", fontsize=11)
    return fig


FIGURES = {"distances": distances, "slices": slices, "slices_more": slices_more}
