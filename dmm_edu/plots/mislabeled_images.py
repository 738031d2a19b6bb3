"""E10 and E12 figures: what a fresh network learns from wrong labels on real images.

E10: N2 trained only on N1's targeted adversarial images x + δ labelled with the target ỹ (D_det:
ỹ = y + 1, D_rand: ỹ uniform), its clean test accuracy per ε beside chance, N1 and the attack's
success rate; our numbers beside Ilyas et al.'s CIFAR-10 ones; and a few images x, δ, x + δ with y and ỹ.
E12: Wallace's control, N2 trained on an early N1's wrong labels of unmodified images, beside the
control with uniform wrong labels, E10's D_rand / D_det (E10's own numbers, which E12's result carries:
`dmm_edu.experiments.e12_wallace_control.adversarial_comparison`) and Wallace's published numbers.
Panels are stacked, legends sit under their panel, and no text is under `style.MIN_FONT_PT`, so each
figure fits the book's column (`style.COLUMN_WIDTH_IN`). Book page: "Training on mislabeled adversarial
examples".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

FONT = style.MIN_FONT_PT  # the smallest text: bar values, per-image labels, legends
PANEL_HEIGHT_IN = 3.6  # one stacked panel, its legend below it included
RULE_NAMES = {"det": r"$D_{\mathrm{det}}$: $\tilde{y}$ = (y + 1) mod C",
              "rand": r"$D_{\mathrm{rand}}$: $\tilde{y}$ uniform over all C"}
SET_NAMES = {"det": r"$D_{\mathrm{det}}$", "rand": r"$D_{\mathrm{rand}}$"}
NEW_LABEL = r"$\tilde{y}$"
PUBLISHED_COLOUR = palette.PUBLISHED


def _legend_below(ax, ncols: int = 2, drop: float = 0.14) -> None:
    """The panel's legend under its x axis (constrained layout makes room), where it hides no bar: the bars'
    entries first, then the lines'."""
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: not hasattr(handles[i], "patches"))  # bar containers first
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=FONT, loc="upper center",
              bbox_to_anchor=(0.5, -drop), ncols=ncols, frameon=False)


def tag(rule: str, eps: float) -> str:
    """The metrics key of one N2 (as in dmm_edu.experiments.e10_mislabeled_images)."""
    return f"{rule}_eps{eps:g}"


def _chance_and_n1(ax, chance: float, n1: float | None, n1_label: str = "N1 (trained on the true labels)"):
    style.baseline_hline(ax, chance, label=f"chance 1/C = {chance:.2f}")
    if n1 is not None:  # N1's accuracy: what the clean labels teach
        ax.axhline(n1, color=style.colour(7), linestyle=":", linewidth=1.6, zorder=1, label=f"{n1_label} = {n1:.2f}")


def _unit_axis(ax) -> None:
    ax.set_ylim(0, 1.18)
    ax.set_yticks(np.linspace(0, 1, 6))


# --- E10 -------------------------------------------------------------------------------------------

def accuracy(result):
    """Two stacked panels: N2's clean test accuracy per rule and ε (attack success as markers), and ours
    beside Ilyas et al."""
    m, cfg = result.metrics, result.config
    rules, eps = [str(r) for r in cfg["rules"]], [float(e) for e in cfg["eps"]]
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=2 * PANEL_HEIGHT_IN + 0.9)
    ax, ax_p = axes[:, 0]

    x = np.arange(len(rules))  # (R,) one group per rule
    width = 0.8 / len(eps)
    for j, e in enumerate(eps):
        pos = x + (j - (len(eps) - 1) / 2) * width
        bars = ax.bar(pos, [m[tag(r, e)]["N2_test_accuracy"] for r in rules], width, color=style.colour(j + 1),
                      edgecolor=palette.INK, linewidth=0.6, label=f"N2, ε = {e:g}")
        ax.bar_label(bars, fmt="%.2f", fontsize=FONT, padding=2)
        ax.plot(pos, [m[tag(r, e)]["attack_success"] for r in rules], linestyle="none", marker="_",
                markersize=min(20.0, 72 * width * 2.4), markeredgewidth=2.2, color=palette.INK, zorder=4,
                label=f"attack success N1(x + δ) = {NEW_LABEL}" if j == 0 else None)
    _chance_and_n1(ax, m["chance"], m["N1"]["test_accuracy"])
    ax.set_xticks(x, [RULE_NAMES.get(r, r) for r in rules], fontsize=FONT + 1)
    ax.set_xlim(-0.6, len(rules) - 0.4)
    _unit_axis(ax)
    ax.set_ylabel("clean test accuracy (true labels)")
    ax.set_title(f"N2 trained only on (x + δ, {NEW_LABEL}): {m['n_train']} images, {cfg['pgd_steps']} PGD steps",
                 fontsize=FONT + 1)
    _legend_below(ax, ncols=2)

    large = max(eps)
    rows = [("original", "N1 (clean)", m["N1"]["test_accuracy"])]
    rows += [(f"d_{r}", SET_NAMES[r], m[tag(r, large)]["N2_test_accuracy"]) for r in ("rand", "det") if r in rules]
    published = m["published"]["ilyas_cifar10"]
    xp = np.arange(len(rows))  # (P,)
    ours = ax_p.bar(xp - 0.2, [v for _, _, v in rows], 0.4, color=style.colour(0), edgecolor=palette.INK, linewidth=0.6,
                    label=f"ours: {m['dataset']}, {cfg['model']}, ε = {large:g}")
    theirs = ax_p.bar(xp + 0.2, [published[k] for k, _, _ in rows], 0.4, color=PUBLISHED_COLOUR, edgecolor=palette.INK,
                      linewidth=0.6, hatch="//", label=f"Ilyas et al. 2019: CIFAR-10, ResNet,\n{published['attack']}")
    for bars in (ours, theirs):
        ax_p.bar_label(bars, fmt="%.3f", fontsize=FONT, padding=2)
    style.baseline_hline(ax_p, m["chance"], label=f"chance 1/C = {m['chance']:.2f}")
    ax_p.set_xticks(xp, [name for _, name, _ in rows], fontsize=FONT + 1)
    _unit_axis(ax_p)
    ax_p.set_ylabel("clean test accuracy")
    ax_p.set_title("beside the published numbers (other data, model and budget)", fontsize=FONT + 1)
    _legend_below(ax_p, ncols=2)
    fig.suptitle("E10 · N2 learns from mislabeled adversarial examples only", fontsize=FONT + 2)
    return fig


def _show(ax, img: np.ndarray, signed: bool = False) -> None:
    """img (C, H, W): grey (C = 1) or colour (C = 3); signed images on a symmetric diverging scale."""
    if signed:
        d = img.mean(axis=0)  # (H, W) channel mean of δ
        v = float(np.abs(d).max()) or 1.0
        ax.imshow(d, cmap=style.DIVERGING_CMAP, vmin=-v, vmax=v)
    elif img.shape[0] == 1:
        ax.imshow(img[0], cmap=style.IMAGE_CMAP, vmin=0, vmax=1)
    else:
        ax.imshow(np.clip(img.transpose(1, 2, 0), 0, 1))  # (H, W, 3)
    ax.set_xticks([])
    ax.set_yticks([])


def examples(result):
    """For the first training images: x (label y), and per rule δ and x + δ (label ỹ) at the largest ε."""
    a, cfg = result.arrays, result.config
    rules = [str(r) for r in cfg["rules"]]
    x, y = a["ex_x"], a["ex_y"]  # (E, C, H, W), (E,)
    E, ncols = len(x), 1 + 2 * len(rules)
    cell = (style.COLUMN_WIDTH_IN - 0.3) / ncols  # inches per image: the columns fill the book's column
    fig, axes = style.new_figure(E, ncols, width=cell * ncols + 0.3, height=1.25 * cell * E + 0.6)
    for i in range(E):
        _show(axes[i, 0], x[i])
        axes[i, 0].set_xlabel(f"y = {y[i]}", fontsize=FONT)
        for j, r in enumerate(rules):
            x_adv, t = a[f"ex_x_adv_{r}"][i], a[f"ex_t_{r}"][i]
            delta = x_adv - x[i]  # (C, H, W)
            _show(axes[i, 1 + 2 * j], delta, signed=True)
            axes[i, 1 + 2 * j].set_xlabel(f"‖δ‖₂ = {np.linalg.norm(delta):.2f}", fontsize=FONT)
            _show(axes[i, 2 + 2 * j], x_adv)
            axes[i, 2 + 2 * j].set_xlabel(f"{NEW_LABEL} = {t}" + (" (= y)" if t == y[i] else ""), fontsize=FONT)
    axes[0, 0].set_title("x", fontsize=FONT + 1)
    for j, r in enumerate(rules):
        axes[0, 1 + 2 * j].set_title(f"δ, {SET_NAMES.get(r, r)}", fontsize=FONT + 1)
        axes[0, 2 + 2 * j].set_title(f"x + δ, {SET_NAMES.get(r, r)}", fontsize=FONT + 1)
    fig.suptitle(f"E10 · N2's training images at ε = {max(float(e) for e in cfg['eps']):g}", fontsize=FONT + 2)
    return fig


# --- E12 -------------------------------------------------------------------------------------------

def wallace(result):
    """Two stacked panels: N2 on N1_early's wrong labels beside the control, E10's sets and Wallace's numbers;
    the classes of the wrong labels."""
    m = result.metrics
    fig, axes = style.new_figure(2, 1, width=style.COLUMN_WIDTH_IN, height=2 * PANEL_HEIGHT_IN + 0.6,
                                 height_ratios=(1.45, 1.0))
    ax, ax_c = axes[:, 0]

    names = ["N1_early\n(true labels)", "N2 on\nN1_early's\nwrong labels"]
    ours = [m["N1_early"]["test_accuracy"], m["N2"]["test_accuracy"]]
    theirs = [m["published"]["wallace_N1"]["test_accuracy"], m["published"]["wallace_cifar10"]]
    if "control_uniform_wrong_labels" in m:
        names.append("control:\nuniform\nlabels ≠ y")
        ours.append(m["control_uniform_wrong_labels"]["N2_test_accuracy"])
        theirs.append(np.nan)
    adv = m.get("adversarial", {})
    for k in adv.get("tags", []):  # E10's own numbers (E12 runs E10's run for the same config and seed)
        rule, eps = k.split("_eps")
        names.append(f"E10's\n{SET_NAMES.get(rule, rule)},\nε = {eps}")
        ours.append(adv[k]["N2_test_accuracy"])
        theirs.append(np.nan)
    x = np.arange(len(names))  # (B,)
    bars = ax.bar(x - 0.2, ours, 0.4, color=style.colour(0), edgecolor=palette.INK, linewidth=0.6,
                  label=f"ours: {m['dataset']}, {result.config['model']}")
    ax.bar_label(bars, fmt="%.3f", fontsize=FONT, padding=2)
    has = ~np.isnan(np.asarray(theirs))
    pub = ax.bar(x[has] + 0.2, np.asarray(theirs)[has], 0.4, color=PUBLISHED_COLOUR, edgecolor=palette.INK,
                 linewidth=0.6, hatch="//", label="Wallace 2019: CIFAR-10, ResNet-18")
    ax.bar_label(pub, fmt="%.3f", fontsize=FONT, padding=2)
    _chance_and_n1(ax, m["chance"], None)
    ax.axhline(2 * m["chance"], color=palette.INK, linestyle="-.", linewidth=1.0, zorder=1,
               label=f"the check: 2 × chance = {2 * m['chance']:.2f}")
    ax.set_xticks(x, names, fontsize=FONT)
    ax.set_xlim(-0.6, len(names) - 0.4)  # room for the outer groups' names
    _unit_axis(ax)
    ax.set_ylabel("clean test accuracy (true labels)")
    ax.set_title(f"N2 saw {m['n_wrong']} unperturbed images, every label wrong;\nit agrees with N1_early on "
                 f"{m['N2']['agrees_with_N1_early_test']:.0%} of the test set", fontsize=FONT + 1)
    _legend_below(ax, ncols=2, drop=0.24)  # under the three-line group names

    counts = np.asarray(result.arrays["label_counts_wrong"])  # (C,)
    ax_c.bar(np.arange(len(counts)), counts, color=style.colour(1), edgecolor=palette.INK, linewidth=0.6)
    ax_c.set_xticks(np.arange(len(counts)))
    ax_c.set_xlabel(f"wrong label {NEW_LABEL} = N1_early(x) given to N2")
    ax_c.set_ylabel("training images of N2")
    ax_c.set_title("the wrong labels are N1_early's function, not noise", fontsize=FONT + 1)
    e = m["N1_early"]
    fig.suptitle(f"E12 · Wallace's control: N1_early stopped after {e['batches']} batches\n"
                 f"(train accuracy {e['train_accuracy']:.2f}); no perturbation at all", fontsize=FONT + 1)
    return fig


E10_FIGURES = {"accuracy": accuracy, "examples": examples}
E12_FIGURES = {"wallace": wallace}
