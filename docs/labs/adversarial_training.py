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
# normal (the DMM's clinging). A randomly oriented boundary gives about $\sqrt{k/(n-k)}$.
#
# Which size? Run as a script or a notebook, the lab uses the `smoke` size (seconds). The copy on the
# book's website was executed while the book was built, at the `book` size: the very runs the
# chapters quote (cached by the build). Set `PROFILE = "book"` to get those (CPU minutes the first
# time, cached after).

# %%
from dmm_edu.book import lab_profile
from dmm_edu.experiments.base import run_cached

PROFILE = lab_profile()  # "smoke" when you run this file; the book's profile when the site is built
print(f"experiments at the {PROFILE!r} profile")

e8 = run_cached("E8", profile=PROFILE, seed=0)
m = e8.metrics
print(f"random baseline sqrt(k/(n-k)) = {m['baseline_d_off_over_d_on']:.2f}")
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
# and one on PGD-L2 adversarial points, then measures the three minimal distances at test points both
# classify correctly.

# %%
e9 = run_cached("E9", profile=PROFILE, seed=0)
m9 = e9.metrics
for net in ("standard", "adversarial"):
    r = m9[net]
    print(f"{net:12s} d_free {r['d_free']:.2f}  d_on {r['d_on']:.2f}  d_off {r['d_off']:.2f}  "
          f"on(grad) {r['on_grad']:.2f}")
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
