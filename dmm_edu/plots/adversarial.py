"""E9 and E11 figures: what adversarial points do to a network trained on them.

E9: the same initial network trained on clean points ("standard") and Madry-style on PGD-L2 points
("adversarial"); the minimal DeepFool distances d_free, d_on, d_off at the test points both classify
correctly (`d_{s}_{model}`, (M,) each; `measured`: where all six attacks succeeded, as the metrics'
medians use). The DMM predicts that d_off grows a lot and d_on barely: the dimples deepen.
"slices": both networks' boundaries in the same 2-D plane through the first sliced point (the
standard network's on- and off-manifold directions), side by side (see dmm_edu.plots.slices);
"slices_more": the same for the other sliced points.
Book page: "Adversarial training deepens dimples".
E11: a fresh network N2 trained only on N1's targeted adversarial points relabelled as the target ỹ
(`{targets}_{space}_eps{factor}` metrics): its clean test accuracy against chance 1/C and against
the control (the random labels alone, no δ), and how often the oracle agrees with ỹ.
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
    group), and below them every measured point as a box with its dots (one above the other: column-wide)."""
    n, k = int(result.config["recipe"]["n"]), int(result.config["recipe"]["k"])
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=9.0)
    ax_b, ax_d = axes[:, 0]
    x = np.arange(len(SPACES))  # (3,) one group per space

    for j, m in enumerate(MODELS):
        heights = [result.metrics[m][s] for s in SPACES]  # the medians the book quotes
        bars = ax_b.bar(x + _offset(j), heights, BAR_WIDTH, color=MODEL_COLOURS[m], edgecolor=palette.INK,
                        linewidth=0.6, label=MODEL_LABELS[m])
        ax_b.bar_label(bars, fmt="%.2f", fontsize=9, padding=1)
    top = max(result.metrics[m][s] for m in MODELS for s in SPACES)
    for i, s in enumerate(SPACES):
        group_top = max(result.metrics[m][s] for m in MODELS)
        ax_b.text(i, group_top + 0.1 * top, f"AT / standard\n× {result.metrics[f'ratio_{s}']:.2f}",
                  ha="center", va="bottom", fontsize=9, fontweight="bold")
    ax_b.set_xticks(x, [SPACE_LABELS[s] for s in SPACES])
    ax_b.set_ylabel("minimal L2 distance\n(median)")
    ax_b.set_ylim(0, 1.5 * top)
    ax_b.set_title(f"medians at the {result.metrics['n_measured']} points both classify correctly", fontsize=11)
    ax_b.legend(fontsize=9, loc="upper left")

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
    ax_d.set_ylabel("minimal L2 distance\n(each point)")
    ax_d.set_title("every measured point: box = quartiles, line = median", fontsize=11)
    ax_d.legend(fontsize=9, loc="upper left")
    fig.suptitle(f"E9 · standard vs adversarial training (eps = {result.metrics['eps']:g}, n = {n}, k = {k})",
                 fontsize=11)
    return fig


def _slice_pair(ax_s, ax_a, arr, s: int) -> None:
    """Sliced point s: the standard network (arrows d_on, d_off: its DeepFool perturbations lie in the
    plane) and the adversarially trained one in the same plane (arrows to where the +u and +v rays
    meet its boundary; its own DeepFool d_on, d_off in its title; a ray with no crossing is written)."""
    a, b, y = arr["slice_axis_u"][s], arr["slice_axis_v"][s], int(arr["slice_label"][s])
    std_on, std_off = float(arr["slice_d_on_standard"][s]), float(arr["slice_d_off_standard"][s])
    at_u, at_v = float(arr["slice_cross_u_adversarial"][s]), float(arr["slice_cross_v_adversarial"][s])
    at_on, at_off = float(arr["slice_d_on_adversarial"][s]), float(arr["slice_d_off_adversarial"][s])
    slice_panels.slice_panel(ax_s, a, b, arr["slice_logit_standard"][s], y,
                             title=f"point {s} (class {y})\n{MODEL_LABELS['standard']}")
    slice_panels.arrow(ax_s, "u", std_on, slice_panels.ON_COLOUR, f"d_on = {std_on:.2f}")
    slice_panels.arrow(ax_s, "v", std_off, slice_panels.OFF_COLOUR, f"d_off = {std_off:.2f}")
    slice_panels.slice_panel(ax_a, a, b, arr["slice_logit_adversarial"][s], y, ghost=arr["slice_logit_standard"][s],
                             title=f"point {s}: adversarial (PGD-L2)\n"
                                   f"DeepFool d_on = {at_on:.2f}, d_off = {at_off:.2f}")
    slice_panels.arrow(ax_a, "u", at_u, slice_panels.ON_COLOUR, f"{at_u:.2f}")
    slice_panels.arrow(ax_a, "v", at_v, slice_panels.OFF_COLOUR, f"{at_v:.2f}")
    reach = f"{float(arr['slice_reach'][s]):.2f}" if "slice_reach" in arr else f"{b[-1]:.2f}"
    missing = [f"along {d}: none within {reach}" for d, hit in (("u", at_u), ("v", at_v)) if not np.isfinite(hit)]
    if missing:
        ax_a.text(0.03, 0.03, "\n".join(missing), transform=ax_a.transAxes, fontsize=slice_panels.FONT_PT,
                  va="bottom", bbox={"facecolor": palette.PAPER, "alpha": 0.8, "linewidth": 0})


def _slice_rows(result, points: list[int], title: str):
    arr = result.arrays
    fig, axes, _ = slice_panels.grid(2 * len(points), extra_in=1.4)
    for i, s in enumerate(points):
        _slice_pair(axes[2 * i], axes[2 * i + 1], arr, s)
    fig.legend(handles=slice_panels.legend_handles(ghost=True), loc="outside lower center", ncols=2,
               fontsize=slice_panels.FONT_PT)
    fig.suptitle(title, fontsize=11)
    return fig


def _sliced_points(result) -> int:
    if "slice_logit_standard" not in result.arrays:
        raise ValueError("this E9 result has no slices (slice_logit_*): it was made before they were saved; "
                         "run E9 again")
    return int(result.arrays["slice_logit_standard"].shape[0])


def slices(result):
    """The first sliced point: standard | adversarially trained, in the same plane (the standard network's
    u, v), the standard boundary dashed on the right for comparison."""
    if _sliced_points(result) == 0:
        raise ValueError("this E9 result sliced no points")
    return _slice_rows(result, [0], f"E9 · one plane, two networks (eps = {result.metrics['eps']:g})")


def slices_more(result):
    """The other sliced points, a row each: standard | adversarially trained, in the same plane."""
    S = _sliced_points(result)
    if S < 2:
        raise ValueError("this E9 result sliced at most one point: `slices` shows it; there are no more")
    return _slice_rows(result, list(range(1, S)),
                       f"E9 · more points: one plane, two networks (eps = {result.metrics['eps']:g})")


# --- E11 -------------------------------------------------------------------------------------------

TARGET_NAMES = {"rand": "D_rand: ỹ uniform", "det": "D_det: ỹ = y + 1"}
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
        ax.bar_label(bars, fmt="%.2f", fontsize=9, padding=2)
        containers.append(bars)
    ax.set_xticks(x, [f"{TARGET_NAMES.get(t, t)}\n{ATTACK_SPACE_NAMES.get(s, s)}" for t, s in vs], fontsize=9)
    ax.set_xlim(-0.6, len(vs) - 0.4)
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    return containers


def mislabeled(result):
    """N2's clean test accuracy per variant and eps (chance and the label-only control as lines), and
    below it the fraction of N2's training points whose oracle class is the new label ỹ."""
    chance = float(result.metrics["chance"])  # 1 / C
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=9.4)
    ax_a, ax_o = axes[:, 0]

    _variant_bars(ax_a, result, "N2_test_accuracy")
    style.baseline_hline(ax_a, chance, label=f"chance 1/C = {chance:.2f}")
    if CONTROL_KEY in result.metrics:
        control = result.metrics[CONTROL_KEY]["N2_test_accuracy"]
        ax_a.axhline(control, color=style.colour(7), linestyle=":", linewidth=1.8, zorder=1,
                     label=f"control: D_rand labels, no δ = {control:.2f}")
    ax_a.set_ylabel("N2's clean test accuracy\n(true labels)")
    ax_a.set_title("what N2 learned from (x + δ, ỹ) alone", fontsize=11)
    ax_a.legend(fontsize=9, loc="upper right", ncols=2)

    _variant_bars(ax_o, result, "oracle_agrees_with_t")
    style.baseline_hline(ax_o, chance, label=f"chance 1/C = {chance:.2f}")
    fs = eps_factors(result)
    width = 0.8 / len(fs)
    t_eq_y = [[result.metrics[tag(t, s, f)]["t_equals_y"] for t, s in variants(result)] for f in fs]  # (F, V)
    xs = [i + (j - (len(fs) - 1) / 2) * width for j in range(len(fs)) for i in range(len(variants(result)))]
    ax_o.plot(xs, np.ravel(t_eq_y), linestyle="none", marker="_", markersize=22, markeredgewidth=2.2,
              color=palette.INK, zorder=4, label="ỹ = y already (before any δ)")
    ax_o.set_ylabel("oracle class of x + δ = ỹ\n(fraction of N2's training set)")
    ax_o.set_title("how often the new label is in fact right", fontsize=11)
    ax_o.legend(fontsize=9, loc="upper left", ncols=2)
    n1 = result.metrics["N1"]
    fig.suptitle(f"E11 · N2 trained on N1's mislabeled adversarial points\n"
                 f"(N1 test accuracy {n1['test_accuracy']:.2f}, median d_off(N1) = {n1['d_off_median']:.2f})",
                 fontsize=11)
    return fig


E9_FIGURES = {"deepening": deepening, "slices": slices, "slices_more": slices_more}
E11_FIGURES = {"mislabeled": mislabeled}
