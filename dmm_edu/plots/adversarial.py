"""E9 and E11 figures: what adversarial points do to a network trained on them.

E9: the same initial network trained on clean points ("standard") and Madry-style on PGD-L2 points
("adversarial"); the minimal DeepFool distances d_free, d_on, d_off at the test points both classify
correctly (`d_{s}_{model}`, (M,) each; `measured`: where all six attacks succeeded, as the metrics'
medians use). The DMM predicts that d_off grows a lot and d_on barely: the dimples deepen.
"slices": both networks' boundaries in the same 2-D plane through a few measured points (the
standard network's on- and off-manifold directions), side by side (see dmm_edu.plots.slices).
Book page: "Adversarial training deepens dimples".
E11: a fresh network N2 trained only on N1's targeted adversarial points relabelled as the target t
(`{targets}_{space}_eps{factor}` metrics): its clean test accuracy against chance 1/C and against
the control (the random labels alone, no δ), and how often the oracle agrees with t.
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import slices as slice_panels
from dmm_edu.plots import style

# --- E9 --------------------------------------------------------------------------------------------

SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": "d_free\n(anywhere)", "d_on": "d_on\n(in the tangent space)",
                "d_off": "d_off\n(in the normal space)"}
MODELS = ("standard", "adversarial")
MODEL_LABELS = {"standard": "standard training", "adversarial": "adversarial training (PGD-L2)"}
MODEL_COLOURS = palette.MODELS
BAR_WIDTH = 0.36


def measured_distances(result) -> dict[str, dict[str, np.ndarray]]:
    """distances[model][space]: the per-point distances (M',) at the points where every attack succeeded."""
    both = result.arrays["measured"].astype(bool)  # (M,)
    return {m: {s: np.asarray(result.arrays[f"{s}_{m}"])[both] for s in SPACES} for m in MODELS}


def _offset(j: int) -> float:
    return (j - 0.5) * BAR_WIDTH  # standard left of the group centre, adversarial right


def deepening(result):
    """Medians of d_free, d_on, d_off for both networks as grouped bars (AT / standard written on each
    group), and beside them every measured point as a box with its dots."""
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    fig, axes = style.new_figure(1, 2, width=12, height=5.0)
    ax_b, ax_d = axes[0]
    x = np.arange(len(SPACES))  # (3,) one group per space

    for j, m in enumerate(MODELS):
        heights = [result.metrics[m][s] for s in SPACES]  # the medians the book quotes
        bars = ax_b.bar(x + _offset(j), heights, BAR_WIDTH, color=MODEL_COLOURS[m], edgecolor=palette.INK,
                        linewidth=0.6, label=MODEL_LABELS[m])
        ax_b.bar_label(bars, fmt="%.2f", fontsize=8, padding=1)
    top = max(result.metrics[m][s] for m in MODELS for s in SPACES)
    for i, s in enumerate(SPACES):
        group_top = max(result.metrics[m][s] for m in MODELS)
        ax_b.text(i, group_top + 0.1 * top, f"AT / standard\n× {result.metrics[f'ratio_{s}']:.2f}",
                  ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax_b.set_xticks(x, [SPACE_LABELS[s] for s in SPACES])
    ax_b.set_ylabel("minimal L2 distance to the boundary (median)")
    ax_b.set_ylim(0, 1.45 * top)
    ax_b.set_title(f"medians at the {result.metrics['n_measured']} points both classify correctly", fontsize=10)
    ax_b.legend(fontsize=8, loc="upper left")

    dist = measured_distances(result)
    jitter = np.random.default_rng(0)  # only spreads the dots sideways; fixed so the figure is reproducible
    for j, m in enumerate(MODELS):
        pos = x + _offset(j)
        data = [dist[m][s] for s in SPACES]
        for p, d in zip(pos, data):
            ax_d.scatter(p + jitter.uniform(-0.1, 0.1, d.size), d, s=7, color=MODEL_COLOURS[m], alpha=0.4,
                         linewidths=0, zorder=2)
        ax_d.boxplot(data, positions=pos, widths=0.8 * BAR_WIDTH, showfliers=False, zorder=3,
                     medianprops={"color": palette.INK, "linewidth": 2}, boxprops={"linewidth": 1.2})
    for m in MODELS:  # legend proxies: a dot of each colour
        ax_d.scatter([], [], s=20, color=MODEL_COLOURS[m], label=MODEL_LABELS[m])
    ax_d.set_xticks(x, [SPACE_LABELS[s] for s in SPACES])
    ax_d.set_xlim(-0.6, len(SPACES) - 0.4)
    ax_d.set_ylim(bottom=0)
    ax_d.set_ylabel("minimal L2 distance to the boundary (each point)")
    ax_d.set_title("every measured point: box = quartiles, line = median", fontsize=10)
    ax_d.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"E9 · adversarial training (eps = {result.metrics['eps']:g}) deepens the dimples: "
                 f"d_off grows, d_on barely moves (n = {n}, k = {k})")
    return fig


def _way(d: float, reach: str) -> str:
    return f"{d:.2f}" if np.isfinite(d) else f"none within {reach}"


def slices(result):
    """Rows: the sliced points; columns: standard | adversarially trained, in the same plane (the standard
    network's u, v). Standard: arrows d_on, d_off (its DeepFool perturbations lie in the plane); AT: arrows
    to where the +u and +v rays meet its boundary, its own DeepFool d_on, d_off written beside."""
    if "slice_logit_standard" not in result.arrays:
        raise ValueError("this E9 result has no slices (slice_logit_*): it was made before they were saved; "
                         "run E9 again")
    arr = result.arrays
    S = arr["slice_logit_standard"].shape[0]
    fig, axes = style.new_figure(S, 2, width=9.0, height=3.9 * S + 1.3)
    for s in range(S):
        a, b, y = arr["slice_axis_u"][s], arr["slice_axis_v"][s], int(arr["slice_label"][s])
        std_on, std_off = float(arr["slice_d_on_standard"][s]), float(arr["slice_d_off_standard"][s])
        at_u, at_v = float(arr["slice_cross_u_adversarial"][s]), float(arr["slice_cross_v_adversarial"][s])
        at_on, at_off = float(arr["slice_d_on_adversarial"][s]), float(arr["slice_d_off_adversarial"][s])
        ax_s, ax_a = axes[s]
        slice_panels.slice_panel(ax_s, a, b, arr["slice_logit_standard"][s], y,
                                 title=f"point {s} (class {y}) · {MODEL_LABELS['standard']}")
        slice_panels.arrow(ax_s, "u", std_on, slice_panels.ON_COLOUR, f"d_on = {std_on:.2f}")
        slice_panels.arrow(ax_s, "v", std_off, slice_panels.OFF_COLOUR, f"d_off = {std_off:.2f}")
        slice_panels.slice_panel(ax_a, a, b, arr["slice_logit_adversarial"][s], y,
                                 ghost=arr["slice_logit_standard"][s],
                                 title=f"point {s} · {MODEL_LABELS['adversarial']}")
        slice_panels.arrow(ax_a, "u", at_u, slice_panels.ON_COLOUR, f"{at_u:.2f}")
        slice_panels.arrow(ax_a, "v", at_v, slice_panels.OFF_COLOUR, f"{at_v:.2f}")
        reach = f"{float(arr['slice_reach'][s]):.2f}" if "slice_reach" in arr else f"{b[-1]:.2f}"
        ax_a.text(0.02, 0.02, f"along u: {_way(at_u, reach)}, along v: {_way(at_v, reach)}\n"
                  f"its own DeepFool: d_on = {at_on:.2f}, d_off = {at_off:.2f}", transform=ax_a.transAxes,
                  fontsize=7, va="bottom", bbox={"facecolor": palette.PAPER, "alpha": 0.8, "linewidth": 0})
    fig.legend(handles=slice_panels.legend_handles(ghost=True), loc="outside lower center", ncols=2, fontsize=8)
    fig.suptitle(f"E9 · the same initial network, trained clean and adversarially (eps = {result.metrics['eps']:g}): "
                 "its boundary in one plane\n(u: the manifold, v: its normal, both from the standard network's "
                 "minimal perturbations)", fontsize=10)
    return fig


# --- E11 -------------------------------------------------------------------------------------------

TARGET_NAMES = {"rand": "D_rand: t uniform", "det": "D_det: t = y + 1"}
ATTACK_SPACE_NAMES = {"off": "δ in the normal space", "free": "δ anywhere"}
CONTROL_KEY = "control_rand_labels_no_delta"


def variants(result) -> list[tuple[str, str]]:
    """The (targets, space) pairs in the order they ran."""
    return [(str(t), str(s)) for t, s in result.config["variants"]]


def eps_factors(result) -> list[float]:
    """eps as multiples of N1's median d_off."""
    return [float(f) for f in result.config["eps_over_d_off"]]


def tag(targets: str, space: str, factor: float) -> str:
    """The metrics key of one N2, e.g. "rand_off_eps2"."""
    return f"{targets}_{space}_eps{factor:g}"


def _variant_bars(ax, result, key: str):
    """One group per variant, one bar per eps (colour), height metrics[tag][key]; the bar containers."""
    vs, fs = variants(result), eps_factors(result)
    x = np.arange(len(vs))  # (V,)
    width = 0.8 / len(fs)
    d_off = result.metrics["N1"]["d_off_median"]
    containers = []
    for j, f in enumerate(fs):
        heights = [result.metrics[tag(t, s, f)][key] for t, s in vs]
        bars = ax.bar(x + (j - (len(fs) - 1) / 2) * width, heights, width, color=style.colour(j + 1),
                      edgecolor=palette.INK, linewidth=0.6, label=f"eps = {f:g} · d_off(N1) = {f * d_off:.2f}")
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=3)
        containers.append(bars)
    ax.set_xticks(x, [f"{TARGET_NAMES.get(t, t)}\n{ATTACK_SPACE_NAMES.get(s, s)}" for t, s in vs], fontsize=9)
    ax.set_xlim(-0.6, len(vs) - 0.4)
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    return containers


def mislabeled(result):
    """N2's clean test accuracy per variant and eps (chance and the label-only control as lines), and
    the fraction of N2's training points whose oracle class is the new label t."""
    chance = float(result.metrics["chance"])  # 1 / C
    fig, axes = style.new_figure(1, 2, width=12.5, height=5.0)
    ax_a, ax_o = axes[0]

    _variant_bars(ax_a, result, "N2_test_accuracy")
    style.baseline_hline(ax_a, chance, label=f"chance 1/C = {chance:.2f}")
    if CONTROL_KEY in result.metrics:
        control = result.metrics[CONTROL_KEY]["N2_test_accuracy"]
        ax_a.axhline(control, color=style.colour(7), linestyle=":", linewidth=1.8, zorder=1,
                     label=f"control: D_rand labels, no δ = {control:.2f}")
    ax_a.set_ylabel("N2's accuracy on the clean test set (true labels)")
    ax_a.set_title("what N2 learned from (x + δ, t) alone", fontsize=10)
    ax_a.legend(fontsize=8, loc="upper right", ncols=2)

    _variant_bars(ax_o, result, "oracle_agrees_with_t")
    style.baseline_hline(ax_o, chance, label=f"chance 1/C = {chance:.2f}")
    fs = eps_factors(result)
    width = 0.8 / len(fs)
    t_eq_y = [[result.metrics[tag(t, s, f)]["t_equals_y"] for t, s in variants(result)] for f in fs]  # (F, V)
    xs = [i + (j - (len(fs) - 1) / 2) * width for j in range(len(fs)) for i in range(len(variants(result)))]
    ax_o.plot(xs, np.ravel(t_eq_y), linestyle="none", marker="_", markersize=22, markeredgewidth=2.2,
              color=palette.INK, zorder=4, label="t = y already (before any δ)")
    ax_o.set_ylabel("oracle class of x + δ = t (fraction of N2's training set)")
    ax_o.set_title("how often the new label is in fact right", fontsize=10)
    ax_o.legend(fontsize=8, loc="upper left", ncols=2)
    n1 = result.metrics["N1"]
    fig.suptitle(f"E11 · training N2 on mislabeled adversarial examples of N1 "
                 f"(N1 test acc {n1['test_accuracy']:.2f}, median d_off(N1) = {n1['d_off_median']:.2f})")
    return fig


E9_FIGURES = {"deepening": deepening, "slices": slices}
E11_FIGURES = {"mislabeled": mislabeled}
