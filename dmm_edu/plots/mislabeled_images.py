"""E10 and E12 figures: what a fresh network learns from wrong labels on real images.

E10: N2 trained only on N1's targeted adversarial images x + δ labelled with the target t (D_det:
t = y + 1, D_rand: t uniform), its clean test accuracy per eps beside chance, N1 and the attack's
success rate; our numbers beside Ilyas et al.'s CIFAR-10 ones; and a few images x, δ, x + δ with y and t.
E12: Wallace's control, N2 trained on an early N1's wrong labels of unmodified images, beside the
control with uniform wrong labels, E10's D_rand / D_det and Wallace's published numbers.
Book page: "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

import numpy as np

from dmm_edu import palette
from dmm_edu.plots import style

RULE_NAMES = {"det": "D_det: t = (y + 1) mod C", "rand": "D_rand: t uniform over all C"}
PUBLISHED_COLOUR = palette.PUBLISHED


def tag(rule: str, eps: float) -> str:
    """The metrics key of one N2 (as in dmm_edu.experiments.e10_mislabeled_images)."""
    return f"{rule}_eps{eps:g}"


def _chance_and_n1(ax, chance: float, n1: float | None, n1_label: str = "N1 (trained on the true labels)"):
    style.baseline_hline(ax, chance, label=f"chance 1/C = {chance:.2f}")
    if n1 is not None:
        ax.axhline(n1, color=style.colour(7), linestyle=":", linewidth=1.6, zorder=1, label=f"{n1_label} = {n1:.2f}")


def _unit_axis(ax) -> None:
    ax.set_ylim(0, 1.18)
    ax.set_yticks(np.linspace(0, 1, 6))


# --- E10 -------------------------------------------------------------------------------------------

def accuracy(result):
    """N2's clean test accuracy per rule and eps (attack success as markers), and ours beside Ilyas et al."""
    m, cfg = result.metrics, result.config
    rules, eps = [str(r) for r in cfg["rules"]], [float(e) for e in cfg["eps"]]
    fig, axes = style.new_figure(1, 2, width=13, height=5.2)
    ax, ax_p = axes[0]

    x = np.arange(len(rules))  # (R,) one group per rule
    width = 0.8 / len(eps)
    for j, e in enumerate(eps):
        pos = x + (j - (len(eps) - 1) / 2) * width
        bars = ax.bar(pos, [m[tag(r, e)]["N2_test_accuracy"] for r in rules], width, color=style.colour(j + 1),
                      edgecolor=palette.INK, linewidth=0.6, label=f"N2, eps = {e:g}")
        ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
        ax.plot(pos, [m[tag(r, e)]["attack_success"] for r in rules], linestyle="none", marker="_", markersize=20,
                markeredgewidth=2.2, color=palette.INK, zorder=4,
                label="attack success N1(x + δ) = t" if j == 0 else None)
    _chance_and_n1(ax, m["chance"], m["N1"]["test_accuracy"])
    ax.set_xticks(x, [RULE_NAMES.get(r, r) for r in rules], fontsize=9)
    ax.set_xlim(-0.6, len(rules) - 0.4)
    _unit_axis(ax)
    ax.set_ylabel("accuracy on the clean test set (true labels)")
    ax.set_title(f"N2 trained only on (x + δ, t): {m['n_train']} images, {cfg['pgd_steps']} PGD steps", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", ncols=2)

    large = max(eps)
    rows = [("original", "N1 (clean)", m["N1"]["test_accuracy"])]
    rows += [(f"d_{r}", f"D_{r}", m[tag(r, large)]["N2_test_accuracy"]) for r in ("rand", "det") if r in rules]
    published = m["published"]["ilyas_cifar10"]
    xp = np.arange(len(rows))  # (P,)
    ours = ax_p.bar(xp - 0.2, [v for _, _, v in rows], 0.4, color=style.colour(0), edgecolor=palette.INK, linewidth=0.6,
                    label=f"ours: {m['dataset']}, {cfg['model']}, eps = {large:g}")
    theirs = ax_p.bar(xp + 0.2, [published[k] for k, _, _ in rows], 0.4, color=PUBLISHED_COLOUR, edgecolor=palette.INK,
                      linewidth=0.6, hatch="//", label=f"Ilyas et al. 2019: CIFAR-10, ResNet, {published['attack']}")
    for bars in (ours, theirs):
        ax_p.bar_label(bars, fmt="%.3f", fontsize=8, padding=2)
    style.baseline_hline(ax_p, m["chance"], label=f"chance 1/C = {m['chance']:.2f}")
    ax_p.set_xticks(xp, [name for _, name, _ in rows])
    _unit_axis(ax_p)
    ax_p.set_ylabel("clean test accuracy")
    ax_p.set_title("beside the published numbers (a different data set, model and budget)", fontsize=10)
    ax_p.legend(fontsize=8, loc="upper right")
    fig.suptitle("E10 · a network trained only on mislabeled adversarial examples still classifies clean images")
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
    """For the first training images: x (label y), and per rule δ and x + δ (label t) at the largest eps."""
    a, cfg = result.arrays, result.config
    rules = [str(r) for r in cfg["rules"]]
    x, y = a["ex_x"], a["ex_y"]  # (E, C, H, W), (E,)
    E = len(x)
    fig, axes = style.new_figure(E, 1 + 2 * len(rules), width=1.9 * (1 + 2 * len(rules)) + 0.5, height=1.9 * E + 0.8)
    for i in range(E):
        _show(axes[i, 0], x[i])
        axes[i, 0].set_xlabel(f"y = {y[i]}", fontsize=8)
        for j, r in enumerate(rules):
            x_adv, t = a[f"ex_x_adv_{r}"][i], a[f"ex_t_{r}"][i]
            delta = x_adv - x[i]  # (C, H, W)
            _show(axes[i, 1 + 2 * j], delta, signed=True)
            axes[i, 1 + 2 * j].set_xlabel(f"‖δ‖₂ = {np.linalg.norm(delta):.2f}", fontsize=8)
            _show(axes[i, 2 + 2 * j], x_adv)
            axes[i, 2 + 2 * j].set_xlabel(f"label t = {t}" + (" (= y)" if t == y[i] else ""), fontsize=8)
    axes[0, 0].set_title("x", fontsize=9)
    for j, r in enumerate(rules):
        axes[0, 1 + 2 * j].set_title(f"δ ({r})", fontsize=9)
        axes[0, 2 + 2 * j].set_title(f"x + δ ({r})", fontsize=9)
    fig.suptitle(f"E10 · N2's training images at eps = {max(float(e) for e in cfg['eps']):g}: "
                 "they look like x, their labels say t")
    return fig


# --- E12 -------------------------------------------------------------------------------------------

def wallace(result):
    """N2 on N1_early's wrong labels beside the control, E10's sets and Wallace's numbers; the wrong labels' classes."""
    m = result.metrics
    fig, axes = style.new_figure(1, 2, width=13, height=5.2)
    ax, ax_c = axes[0]

    names = ["N1_early\n(true labels)", "N2 on N1_early's\nwrong labels"]
    ours = [m["N1_early"]["test_accuracy"], m["N2"]["test_accuracy"]]
    theirs = [m["published"]["wallace_N1"]["test_accuracy"], m["published"]["wallace_cifar10"]]
    if "control_uniform_wrong_labels" in m:
        names.append("control: uniform\nlabels ≠ y")
        ours.append(m["control_uniform_wrong_labels"]["N2_test_accuracy"])
        theirs.append(np.nan)
    adv = m.get("adversarial", {})
    for k in adv.get("tags", []):
        rule, eps = k.split("_eps")
        names.append(f"E10's D_{rule},\neps = {eps}")
        ours.append(adv[k]["N2_test_accuracy"])
        theirs.append(np.nan)
    x = np.arange(len(names))  # (B,)
    bars = ax.bar(x - 0.2, ours, 0.4, color=style.colour(0), edgecolor=palette.INK, linewidth=0.6,
                  label=f"ours: {m['dataset']}, {result.config['model']}")
    ax.bar_label(bars, fmt="%.3f", fontsize=8, padding=2)
    has = ~np.isnan(np.asarray(theirs))
    pub = ax.bar(x[has] + 0.2, np.asarray(theirs)[has], 0.4, color=PUBLISHED_COLOUR, edgecolor=palette.INK,
                 linewidth=0.6,
                 hatch="//", label="Wallace 2019: CIFAR-10, ResNet-18")
    ax.bar_label(pub, fmt="%.3f", fontsize=8, padding=2)
    _chance_and_n1(ax, m["chance"], None)
    ax.axhline(2 * m["chance"], color=palette.INK, linestyle="-.", linewidth=1.0, zorder=1,
               label=f"the check: 2 × chance = {2 * m['chance']:.2f}")
    ax.set_xticks(x, names, fontsize=8)
    _unit_axis(ax)
    ax.set_ylabel("accuracy on the clean test set (true labels)")
    ax.set_title(f"N2 saw {m['n_wrong']} unperturbed images, every label wrong "
                 f"(N2 agrees with N1_early on {m['N2']['agrees_with_N1_early_test']:.0%} of the test set)", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")

    counts = np.asarray(result.arrays["label_counts_wrong"])  # (C,)
    ax_c.bar(np.arange(len(counts)), counts, color=style.colour(1), edgecolor=palette.INK, linewidth=0.6)
    ax_c.set_xticks(np.arange(len(counts)))
    ax_c.set_xlabel("wrong label ŷ = N1_early(x) given to N2")
    ax_c.set_ylabel("training images of N2")
    ax_c.set_title("the wrong labels are N1_early's function, not noise", fontsize=10)
    e = m["N1_early"]
    fig.suptitle(f"E12 · Wallace's control: N1_early stopped after {e['batches']} batches "
                 f"(train accuracy {e['train_accuracy']:.2f}); no perturbation at all")
    return fig


E10_FIGURES = {"accuracy": accuracy, "examples": examples}
E12_FIGURES = {"wallace": wallace}
