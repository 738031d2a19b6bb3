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
# # Lab: the random baseline and the digits' principal directions
#
# This lab belongs to the chapter "Data manifolds and tangent spaces". It measures how much of
# the bundled digits' variance a few principal directions keep (claim C1 in its linear form),
# samples the random baseline $\operatorname{on}(d) \approx \sqrt{k/n}$, and shows how to check
# your exercise code. Everything runs in seconds, offline. The digits are real MNIST digits: a
# subset of the MNIST training images, split by us into training and test images.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from dmm_edu.data.images import load_dataset
from dmm_edu.manifold import explained_variance_curve

train = load_dataset("mnist-bundled", "train")
rng = np.random.default_rng(0)
# 3000 of the 8000 training digits keep the SVDs below fast enough for a lab; use all of them if you have time
X = train.flat()[rng.choice(len(train.labels), 3000, replace=False)].astype(np.float64)  # (3000, 784) in [0, 1]
print("training digits used:", X.shape)

# %% [markdown]
# ## How many principal directions do the digits need?
#
# `explained_variance_curve` returns $c_k$, the share of the variance kept by the top $k$
# principal directions. A flat $k$-dimensional subspace is the crudest manifold model: a curved
# manifold of low dimension can still spread its variance over many linear directions.

# %%
curve = explained_variance_curve(X)  # (r,)
for k in (16, 50):
    print(f"top {k:3d} directions keep {curve[k - 1]:.0%} of the variance")
for share in (0.9, 0.95):  # pca_k_for_variance(X, share) does the same, at the cost of another SVD
    print(f"{share:.0%} of the variance needs k = {int(np.searchsorted(curve, share)) + 1} of n = {X.shape[1]}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(np.arange(1, len(curve) + 1), curve)
ax.set_xscale("log")
ax.set_xlabel("number of principal directions k")
ax.set_ylabel("share of variance kept")
ax.set_title("bundled MNIST digits: cumulative explained variance")
plt.show()

# %% [markdown]
# The top principal directions themselves are smooth, digit-like images. Keep that in mind when
# a chapter shows "the tangent part of a perturbation looks like a stroke": anything projected
# onto these directions does.

# %%
from dmm_edu.manifold import PCAProjector

pca = PCAProjector(X, 16)  # U: (784, 16)
fig, axes = plt.subplots(2, 8, figsize=(10, 2.8))
for i, ax in enumerate(axes.ravel()):
    ax.imshow(pca.U[:, i].reshape(28, 28), cmap="RdBu_r")
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(f"PC {i + 1}", fontsize=8)
plt.show()

# %% [markdown]
# ## The random baseline
#
# A direction that knows nothing about the data has $\operatorname{on}(d) \approx \sqrt{k/n}$.
# Sample it for the PCA tangent space of the digits, and for a few other sizes.

# %%
from dmm_edu.manifold import random_baseline, sample_random_on_fraction

on_random = sample_random_on_fraction(pca, 2000, rng)  # (2000,)
print(f"digits, k = 16: mean on(random) {on_random.mean():.3f}, sqrt(k/n) = {random_baseline(784, 16):.3f}")

# %% [markdown]
# ## Check your exercise code
#
# Write `on_fraction` (Exercise 1 of the chapter) and let the checker test it on random inputs.
# The stub below is not done yet, so the checker says what to do; replace its body and run the
# cell again.

# %%
from dmm_edu.exercises import check


def on_fraction(d, U):
    raise NotImplementedError  # your code: ‖U Uᵀ d‖ / ‖d‖


print(check("ch-manifolds.ex1", on_fraction))

# %% [markdown]
# ## Try it
#
# 1. Solve Exercise 2 (`estimate_random_on`) and check it with `check("ch-manifolds.ex2", ...)`.
# 2. Replace the PCA frame by a random orthonormal frame (`np.linalg.qr(rng.standard_normal((784, 16)))[0]`):
#    does the random baseline change? Why not?
