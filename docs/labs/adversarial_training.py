# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lab: adversarial training deepens dimples
#
# This lab reruns the experiments behind the chapters "Dimpling in high dimension" (E8) and
# "Adversarial training deepens dimples" (E9). At the `smoke` size the world is a 5-dimensional
# subspace of $\mathbb{R}^{100}$ with small networks, seconds on a laptop. Everything it calls is in `dmm_edu`;
# download it as a notebook (the button at the top right) and open it in Jupyter, or as a script
# (the .py link under the title) and run it with python or open it in Jupyter with jupytext.
#
# The quantity to watch is $d_{\text{off}}/d_{\text{on}}$: the shortest label-flipping step along the
# normal space over the shortest one within the manifold. Below 1: the boundary is closer along the
# normal (the DMM's clinging). The random-direction baseline, what a randomly oriented boundary
# gives, is $\sqrt{k/(n-k)}$.
#
# Which size? Run as a script or a notebook, the lab uses the `smoke` size (seconds). The copy on the
# book's website was executed while the book was built, at the `book` size: the very runs the
# chapters quote (cached by the build). Set `PROFILE = "book"` to get those (CPU minutes the first
# time, cached after).

# %% [markdown]
# ## The attacks: FGSM and PGD
#
# Adversarial training trains on attacked points, so first the attacks themselves. The code below is
# not a copy: `show_source` reads it from the installed `dmm_edu` package, the very functions this lab
# then runs (the numpy implementations; `dmm_edu.attacks.fgsm` and `pgd` send a numpy network to them
# and a torch one to their torch twins, which take the same arguments).
#
# **FGSM** (Goodfellow et al. 2015) linearises the loss $\ell$ at $x$ and takes the best step of size
# $\varepsilon$: $\delta = \varepsilon\,\operatorname{sign}(\nabla_x \ell)$ in $L_\infty$, or
# $\delta = \varepsilon\,\nabla_x \ell / \lVert\nabla_x \ell\rVert_2$ in $L_2$; then $x + \delta$
# is clipped into the pixel box $[0, 1]$.

# %%
from dmm_edu.attacks._common import project_ball, steepest_direction
from dmm_edu.attacks.fgsm import fgsm  # the numpy FGSM
from dmm_edu.attacks.pgd import pgd  # the numpy PGD
from dmm_edu.source import show_source  # reads the code from the installed package

show_source(fgsm)

# %% [markdown]
# Its two helpers are the geometry of the norm: the steepest-ascent direction $u$ of unit norm, and
# the projection $\Pi_\varepsilon$ back onto the ball $\lVert\delta\rVert \le \varepsilon$ that PGD needs.

# %%
show_source(steepest_direction)

# %%
show_source(project_ball)

# %% [markdown]
# **PGD** (Madry et al. 2018) repeats a small FGSM step of size $\alpha$ and projects back onto the
# $\varepsilon$-ball after each one. This is the update of one step, the loop body of `pgd`
# (`restrict` is $P_S$, the identity for a free attack; it matters in the lab "On- and off-manifold
# perturbations"):

# %%
show_source(pgd, "pgd_step")

# %% [markdown]
# ### Run them on real digits
#
# A small network (784-64-10, a few seconds of training on 2,000 of the bundled MNIST digits), then
# FGSM and PGD in $L_\infty$ with the same budget $\varepsilon = 0.1$ on four test digits it
# classifies correctly. $\delta$ is drawn on its own colour scale (red +, blue −).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from dmm_edu.data.images import load_dataset
from dmm_edu.numpy_nn import MLP, Adam, accuracy, train

rng = np.random.default_rng(0)
digits = load_dataset("mnist-bundled", "train").subset(200, rng)  # 200 per class
X, y = digits.flat().astype(np.float64), digits.labels  # (2000, 784), (2000,)
test = load_dataset("mnist-bundled", "test")
X_test, y_test = test.flat().astype(np.float64), test.labels  # (batch, 784), (batch,)
net = MLP([784, 64, 10], rng=rng)
train(net, Adam(net.params, net.grads, lr=1e-3), X, y, epochs=10, batch_size=64, rng=rng)
print(f"clean test accuracy {accuracy(net, X_test, y_test):.3f}")

correct = np.flatnonzero(net.predict(X_test) == y_test)[:200]  # the first 200 correctly classified
x, y_x = X_test[correct], y_test[correct]  # (200, 784), (200,)
eps = 0.1
one = fgsm(net, x[:4], y_x[:4], eps, norm="linf", bounds=(0.0, 1.0))
many = pgd(net, x[:4], y_x[:4], eps, norm="linf", steps=20, bounds=(0.0, 1.0))


def show_attack(x, results, names, net):
    """Rows: each digit x; then δ and x + δ of each attack, titled with the network's class."""
    cols = 1 + 2 * len(results)
    fig, axes = plt.subplots(len(x), cols, figsize=(1.05 * cols, 1.2 * len(x)), squeeze=False)
    for i in range(len(x)):
        panels = [(x[i], f"x: {net.predict(x[i:i + 1])[0]}", "gray")]
        for r, name in zip(results, names):
            panels += [(r.delta[i], f"δ {name}", "RdBu_r"),
                       (r.x_adv[i], f"x+δ: {net.predict(r.x_adv[i:i + 1])[0]}", "gray")]
        for ax, (img, title, cmap) in zip(axes[i], panels):
            v = np.abs(img).max() if cmap == "RdBu_r" else 1.0
            ax.imshow(img.reshape(28, 28), cmap=cmap, vmin=-v if cmap == "RdBu_r" else 0, vmax=v)
            ax.set_title(title, fontsize=9, pad=2)
            ax.set_axis_off()
    fig.tight_layout(pad=0.3)
    plt.show()


show_attack(x[:4], [one, many], ["FGSM", "PGD"], net)
print("FGSM fooled", one.success.tolist())
print("PGD  fooled", many.success.tolist())

# %% [markdown]
# Each title is the network's class. FGSM's $\delta$ is $\pm\varepsilon$ on every pixel the box allows
# (where a pixel is already 0 or 1 it can move one way only); at this budget PGD's twenty steps end in
# much the same corners of the box. Over more digits, PGD fools at least as many with the same budget,
# because FGSM trusts a single linearisation of the loss:

# %%
print(" eps   FGSM fooled   PGD fooled   (of 200 correctly classified test digits, L_inf, box [0, 1])")
for eps in (0.05, 0.1, 0.15):
    f = fgsm(net, x, y_x, eps, norm="linf", bounds=(0.0, 1.0)).success.mean()
    p = pgd(net, x, y_x, eps, norm="linf", steps=20, bounds=(0.0, 1.0)).success.mean()
    print(f"{eps:5.2f}   {f:11.2f}   {p:10.2f}")

# %% [markdown]
# The experiments below use the same `pgd`: E9 trains on PGD-$L_2$ points, each mini-batch attacked
# by `pgd(model, xb, yb, eps, alpha=alpha, steps=steps, norm="l2", random_start=True, rng=rng)`
# (the chapter's box "The code" shows that training loop), and measures how often PGD at the training
# radius still fools each network.

# %%
from dmm_edu.book import lab_profile
from dmm_edu.experiments.base import run_cached

PROFILE = lab_profile()  # "smoke" when you run this file; the book's profile when the site is built
print(f"experiments at the {PROFILE!r} profile")

e8 = run_cached("E8", profile=PROFILE, seed=0)
m = e8.metrics
print(f"random-direction baseline sqrt(k/(n-k)) = {m['baseline_d_off_over_d_on']:.2f}")
for c in m["init_scales"]:
    row = m[f"c{c:g}"]
    print(f"\ninit scale c = {c}")
    for epoch, ratio, acc in zip(m["epochs"], row["d_off_over_d_on"], row["test_accuracy"]):
        print(f"  epoch {epoch:3d}   d_off/d_on {ratio:5.2f}   test accuracy {acc:.2f}")

# %% [markdown]
# ## The figure
#
# The same function draws the book's figure (from the `book` run on the website).

# %%
# %matplotlib inline
from dmm_edu.plots import plot

plot(e8, "curves")

# %% [markdown]
# ## Adversarial training
#
# E9 trains two copies of one initial network ($c = 2.5$) on the same batches, one on clean points
# and one on PGD-$L_2$ adversarial points, then measures the three minimal distances $d_{\text{free}}$,
# $d_{\text{on}}$, $d_{\text{off}}$ at test points both classify correctly, and how often `pgd` at the
# training radius $\varepsilon$ still fools each network.

# %%
e9 = run_cached("E9", profile=PROFILE, seed=0)
m9 = e9.metrics
for name in ("standard", "adversarial"):
    r = m9[name]
    print(f"{name:12s} d_free {r['d_free']:.2f}  d_on {r['d_on']:.2f}  d_off {r['d_off']:.2f}  "
          f"on(grad) {r['on_grad']:.2f}  PGD at eps = {m9['eps']:g} fools {r['pgd_success_at_eps']:.2f}")
print(f"AT multiplies d_off by {m9['ratio_d_off']:.1f} and d_on by {m9['ratio_d_on']:.1f}")

# %%
plot(e9, "deepening")

# %% [markdown]
# ## Try it
#
# 1. The DMM's prediction C9 is about the clinging regime. Rerun E9 with a small init scale and
#    compare the two ratios:
#
#    ```python
#    import dataclasses
#    from dmm_edu.experiments.base import config_for
#    recipe = dataclasses.replace(config_for("E9", "smoke").recipe, c=0.5)
#    small = run_cached("E9", profile="smoke", seed=0, recipe=recipe)
#    print(small.metrics["ratio_d_off"], small.metrics["ratio_d_on"])
#    ```
#
# 2. Change the training radius (`eps=0.4`). Does $d_{\text{on}}$ start to move once $\varepsilon$
#    approaches the standard network's $d_{\text{on}}$?
# 3. Write `worst_case_perturbation` (the chapter's exercise 1) and check it with
#    `dmm_edu.exercises.check("ch-adv-training.ex1", worst_case_perturbation)`.
