"""E6 and E7 figures: minimal perturbations of real images split into their on- and off-manifold parts.

`grid`: one row per attacked image, columns x, δ_free (DeepFool's minimal perturbation), x + P_T δ
(its tangent part added), x + P_N δ (its normal part added), δ_on and δ_off (the minimal perturbations
restricted to the tangent and the normal space), each with its norm under it and, where the result saved
it, the class the network gives x + δ for each of the three attacks ("→ 3" under δ_free, δ_on and δ_off;
the row says the true class). Perturbations are drawn
on a diverging scale shared along each row (white = 0), so their sizes compare; images with a part
added are clipped to [0, 1] for display only. `norms`: three stacked panels, the medians d_free,
d_on, d_off per tangent estimate, the ratios d_on/d_free and d_off/d_free against √(n/k) (what a
random k-dimensional subspace gives), and on(δ_free) against √(k/n). E7 adds `ladder`: PGD success
rates against ε per space. Every figure fits the book's column (`style.COLUMN_WIDTH_IN`) with no
text under `style.MIN_FONT_PT`: panels are stacked, not set side by side. Arrays: `{tangent}_ex_*`,
`{tangent}_on_delta`, metrics `{tangent}` (see the experiments). Book pages: "Why perturbations are tiny and look like noise" and
"On- vs off-manifold perturbations" (the real-image section).
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

FONT = style.MIN_FONT_PT  # the smallest text: per-image norms, bar values, tick labels, legends
COLUMNS = (("ex_x", "x"), ("ex_d_free", r"$\delta_{\mathrm{free}}$"), ("ex_d_tangent", r"x + $P_T\delta$"),
           ("ex_d_normal", r"x + $P_N\delta$"), ("ex_d_on", r"$\delta_{\mathrm{on}}$ (in T)"),
           ("ex_d_off", r"$\delta_{\mathrm{off}}$ (in N)"))
ADDED = ("ex_d_tangent", "ex_d_normal")  # shown as x + part, clipped to the image box
SPACES = ("d_free", "d_on", "d_off")
SPACE_LABELS = {"d_free": r"$d_{\mathrm{free}}$ (anywhere)", "d_on": r"$d_{\mathrm{on}}$ (tangent space)",
                "d_off": r"$d_{\mathrm{off}}$ (normal space)"}
RATIO_LABELS = {"d_on_over_d_free": r"$d_{\mathrm{on}}/d_{\mathrm{free}}$",
                "d_off_over_d_free": r"$d_{\mathrm{off}}/d_{\mathrm{free}}$"}
ON_FREE = r"on($\delta_{\mathrm{free}}$)"
TANGENT_LABELS = {"pca": "global PCA", "local_pca": "local PCA", "random_frame": "random k-frame (control)",
                  "ae": "autoencoder J_dec (DeepFool)", "pgd": "autoencoder J_dec (PGD)"}
GRID_CELL_IN = 1.0  # one image of the grid, inches: six columns fill the column
PRED_LINE_IN = 0.17  # the extra height per row of a second label line ("→ 3") at the smallest font
ATTACKS = {"ex_d_free": "free", "ex_d_on": "on", "ex_d_off": "off"}  # the columns that are attacks: their x + δ
PANEL_HEIGHT_IN = 3.1  # one stacked panel of `norms`


def _as_image(a: np.ndarray) -> np.ndarray:
    """(C, H, W) -> what imshow takes: (H, W) for one channel, (H, W, 3) for colour."""
    return a[0] if a.shape[0] == 1 else np.transpose(a, (1, 2, 0))


def _show_signed(ax, d: np.ndarray, vmax: float):
    """A perturbation (C, H, W) on the diverging scale [-vmax, vmax]; colour images by channel mean."""
    ax.imshow(d.mean(axis=0), cmap=style.DIVERGING_CMAP, vmin=-vmax, vmax=vmax, interpolation="nearest")


def image_grid(result, tangent: str):
    """Rows: attacked images; columns: x, δ_free, x + P_T δ, x + P_N δ, δ_on, δ_off (tangent = metrics key),
    each part with its L2 norm under it, and under each attack the class predicted at x + δ when the
    result saved it (`{tangent}_ex_pred_free`, `_on`, `_off`; results from before it draw without)."""
    a = {key: result.arrays[f"{tangent}_{key}"] for key, _ in COLUMNS}  # each (E, C, H, W)
    labels = result.arrays["labels"][result.arrays[f"{tangent}_ex_index"]]  # (E,)
    pred = {key: result.arrays[f"{tangent}_ex_pred_{s}"] for key, s in ATTACKS.items()
            if f"{tangent}_ex_pred_{s}" in result.arrays}  # each (E,) int, or empty
    E = len(a["ex_x"])
    row_in = 1.3 * GRID_CELL_IN + (PRED_LINE_IN if pred else 0.0)
    fig, axes = style.new_figure(max(E, 1), len(COLUMNS), width=GRID_CELL_IN * len(COLUMNS) + 0.5,
                                 height=row_in * max(E, 1) + 0.7)
    for i in range(E):
        vmax = max(float(np.abs(a[key][i]).max()) for key, _ in COLUMNS[1:]) or 1.0  # one scale per row
        for j, (key, title) in enumerate(COLUMNS):
            ax = axes[i, j]
            if key == "ex_x" or key in ADDED:
                img = a["ex_x"][i] + (a[key][i] if key in ADDED else 0.0)  # (C, H, W)
                ax.imshow(_as_image(np.clip(img, 0.0, 1.0)), cmap=style.IMAGE_CMAP, vmin=0.0, vmax=1.0,
                          interpolation="nearest")
            else:
                _show_signed(ax, a[key][i], vmax)
            if key != "ex_x":
                under = f"‖·‖ = {np.linalg.norm(a[key][i]):.2f}"
                if key in pred:  # the class the network gives x + δ
                    under += f"\n→ {int(pred[key][i])}"
                ax.set_xlabel(under, fontsize=FONT, labelpad=1)
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=FONT + 1)
        axes[i, 0].set_ylabel(f"label {int(labels[i])}", fontsize=FONT)
    m = result.metrics[tangent]
    fig.suptitle(f"{result.experiment} · {TANGENT_LABELS.get(tangent, tangent)}, k = {m['k']}: {ON_FREE} "
                 f"{m['on_delta']:.2f}, random √(k/n) {m['baseline_on']:.2f}", fontsize=FONT + 1)
    return fig


def _tangent_names(tangents: tuple[str, ...]) -> list[str]:
    return [TANGENT_LABELS.get(t, t).replace(" (", "\n(") for t in tangents]


def norms(result, tangents: tuple[str, ...]):
    """Three stacked panels: median distances per tangent; d_on/d_free and d_off/d_free against √(n/k);
    on(δ_free) against √(k/n)."""
    metrics = {t: result.metrics[t] for t in tangents}
    fig, axes = style.new_figure(3, 1, width=style.COLUMN_WIDTH_IN, height=3 * PANEL_HEIGHT_IN + 0.4)
    ax_d, ax_r, ax_on = axes[:, 0]
    x = np.arange(len(tangents))  # (T,)
    names = _tangent_names(tangents)
    width = 0.26
    for j, s in enumerate(SPACES):
        bars = ax_d.bar(x + (j - 1) * width, [metrics[t][s] for t in tangents], width, color=palette.SPACES[s],
                        edgecolor=palette.INK, linewidth=0.6, label=SPACE_LABELS[s])
        ax_d.bar_label(bars, fmt="%.2f", fontsize=FONT, padding=1)
    ax_d.set_xticks(x, names, fontsize=FONT)
    ax_d.set_ylabel("median minimal L2 distance")
    ax_d.set_title("the shortest way across, in three spaces", fontsize=FONT + 1)
    ax_d.legend(fontsize=FONT, loc="upper left", ncols=1)
    ax_d.set_ylim(0, 1.55 * max(max(metrics[t][s] for s in SPACES) for t in tangents))

    for j, key in enumerate(("d_on_over_d_free", "d_off_over_d_free")):
        bars = ax_r.bar(x + (j - 0.5) * 0.36, [metrics[t][key] for t in tangents], 0.36,
                        color=(palette.ON, palette.OFF)[j], edgecolor=palette.INK, linewidth=0.6,
                        label=RATIO_LABELS[key])
        ax_r.bar_label(bars, fmt="%.2f", fontsize=FONT, padding=1)
    root = float(result.metrics["baseline_d_on_over_d_free"])  # √(n/k), as the experiment saved it
    style.baseline_hline(ax_r, root, label=f"{style.BASELINE_LABEL_INVERSE} = {root:.2f}")
    ax_r.axhline(1.0, **style.REFERENCE_STYLE, label="1: as short as the free attack")
    ax_r.set_xticks(x, names, fontsize=FONT)
    ax_r.set_ylabel("ratio of medians")
    ax_r.set_ylim(0, 1.5 * max(root, max(metrics[t]["d_on_over_d_free"] for t in tangents)))
    ax_r.set_title("how much longer the restricted ways are", fontsize=FONT + 1)
    ax_r.legend(fontsize=FONT, loc="upper left", ncols=2)

    on = [result.arrays[f"{t}_on_delta"] for t in tangents]
    on = [v[np.isfinite(v)] for v in on]
    ax_on.boxplot(on, positions=x, widths=0.5, showfliers=False)
    for i, v in enumerate(on):
        ax_on.plot(np.full(v.size, x[i]) + np.linspace(-0.15, 0.15, v.size), v, ".", color=style.colour(i),
                   markersize=3, alpha=0.6, label=f"{ON_FREE}, {TANGENT_LABELS.get(tangents[i], tangents[i])}")
    on_base = float(result.metrics["baseline_on"])  # √(k/n)
    style.baseline_hline(ax_on, on_base, label=f"{style.BASELINE_LABEL} = {on_base:.2f}")
    ax_on.set_xticks(x, names, fontsize=FONT)
    ax_on.set_ylim(0, 1.05)
    ax_on.set_ylabel(ON_FREE)
    ax_on.legend(handles=[ax_on.get_lines()[-1]], fontsize=FONT, loc="upper right")  # the baseline
    ax_on.set_title(r"how much of $\delta_{\mathrm{free}}$ lies along T: on(v) = ‖P_T v‖ / ‖v‖", fontsize=FONT + 1)
    fig.suptitle(f"{result.experiment} · {result.metrics['dataset']}: n = {int(result.metrics['n'])}, "
                 f"k = {int(result.metrics['k'])}; clean test accuracy {result.metrics['clean_test_accuracy']:.3f}",
                 fontsize=FONT + 1)
    return fig


def ladder(result):
    """E7: PGD-L2 success rate against ε in each space (free, tangent, normal)."""
    lad = result.metrics["pgd_ladder"]
    fig, axes = style.new_figure(1, 1, width=5.5, height=4.2)
    ax = axes[0, 0]
    for space in ("free", "on", "off"):
        ax.plot(lad["eps"], lad[f"success_{space}"], "o-", color=palette.SPACES[f"d_{space}"],
                label=SPACE_LABELS[f"d_{space}"].replace("d_", r"\delta_"))
    ax.set_xscale("log")
    ax.set_xticks(lad["eps"], [f"{e:g}" for e in lad["eps"]])  # the budgets measured, as numbers
    ax.set_xticks([], minor=True)
    ax.set_xlabel("ε (L2 budget of PGD)")
    ax.set_ylabel("success rate")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=FONT, loc="upper left")
    ax.set_title(f"E7 · PGD-L2 in each space, k = {result.metrics['k']}", fontsize=FONT + 2)
    return fig


E6_FIGURES = {"grid": lambda r: image_grid(r, "pca"), "grid_local": lambda r: image_grid(r, "local_pca"),
              "norms": lambda r: norms(r, ("pca", "local_pca", "random_frame"))}
E7_FIGURES = {"grid": lambda r: image_grid(r, "ae"), "norms": lambda r: norms(r, ("ae", "pgd", "random_frame")),
              "ladder": ladder}
