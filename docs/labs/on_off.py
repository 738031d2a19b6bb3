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
# # Lab: on- and off-manifold perturbations
#
# This lab belongs to the chapters "Why perturbations are tiny and look like noise" and "On- vs
# off-manifold perturbations". It reruns E5 (the subspace world, exact tangent) and E6 (real
# digits, PCA and local-PCA tangents) and reads every ratio beside its random baseline
# $\sqrt{n/k}$. Results are cached: running a cell again is instant.
#
# Which size? Run as a script or a notebook, the lab uses the `smoke` size (seconds). The copy on the
# book's website was executed while the book was built, at the `book` size: the very runs the
# chapters quote (cached by the build). Set `PROFILE = "book"` to get those (CPU minutes the first
# time, cached after).

# %%
# %matplotlib inline
import numpy as np

from dmm_edu.plots import plot
from dmm_edu.book import lab_profile
from dmm_edu.experiments.base import run_cached

PROFILE = lab_profile()  # "smoke" when you run this file; the book's profile when the site is built
print(f"experiments at the {PROFILE!r} profile")

e5 = run_cached("E5", profile=PROFILE, seed=0)
for c in e5.metrics["init_scales"]:
    m = e5.metrics[f"c{c:g}"]
    print(f"c = {c:<4g} d_on/d_free {m['d_on_over_d_free']:.2f}  d_off/d_free {m['d_off_over_d_free']:.2f}  "
          f"d_off/d_on {m['d_off_over_d_on']:.2f}   random S: sqrt(n/k) = {m['baseline_d_on_over_d_free']:.2f}")

# %% [markdown]
# In the book's run, large init makes the normal space the short way (the DMM's ordering) and
# small init reverses it. The smoke world is smaller ($n = 100$, $k = 5$, 10 epochs instead of 40),
# and its numbers differ: read the printout above. Does $d_{\text{off}}/d_{\text{on}}$ still grow as
# $c$ shrinks? Does it cross 1? Compare the smoke and the book runs (`profile="book"`: about a minute).

# %%
plot(e5, "distances")

# %% [markdown]
# ## Real digits (E6)
#
# An MLP trained on the bundled digits (a subset of the MNIST training images, split by us),
# attacked by DeepFool anywhere, in a tangent space and in its normal space.

# %%
e6 = run_cached("E6", profile=PROFILE, seed=0)
print(f"test accuracy {e6.metrics['clean_test_accuracy']:.3f}, n = {e6.metrics['n']}, k = {e6.metrics['k']}")
for tangent in ("pca", "local_pca", "random_frame"):
    m = e6.metrics[tangent]
    print(f"{tangent:13s} on(d_free) {m['on_delta']:.2f} (random {m['baseline_on']:.2f})   "
          f"d_on/d_free {m['d_on_over_d_free']:.2f} (random {m['baseline_d_on_over_d_free']:.2f})")

# %%
plot(e6, "norms")

# %% [markdown]
# ## Tiny: the perturbation against the distance to another digit (C5)
#
# How far is each test digit from the nearest *training* digit of another class? Compare with the
# median minimal perturbation $d_{\text{free}}$.

# %%
from dmm_edu.data.images import load_dataset

train, test = load_dataset("mnist-bundled", "train"), load_dataset("mnist-bundled", "test")
X, y = train.flat().astype(np.float32), train.labels  # (N, 784), (N,)
Q, yq = test.flat()[:300].astype(np.float32), test.labels[:300]  # (300, 784), (300,)
D2 = (Q**2).sum(1)[:, None] + (X**2).sum(1)[None, :] - 2 * Q @ X.T  # (300, N) squared distances
D2[yq[:, None] == y[None, :]] = np.inf  # keep only other classes
nearest_other = np.sqrt(np.maximum(D2.min(axis=1), 0))  # (300,)
d_free = e6.metrics["pca"]["d_free"]
print(f"median distance to the nearest digit of another class: {np.median(nearest_other):.2f}")
print(f"median minimal perturbation d_free: {d_free:.2f}  (ratio {np.median(nearest_other) / d_free:.1f}x)")

# %% [markdown]
# ## Split a perturbation yourself
#
# E6 keeps a few attacked digits and their minimal perturbations. Split one into its tangent and
# normal parts with the PCA tangent of the training digits (Exercise 2 of "Why perturbations are
# tiny"; here the reference solution stands in for yours).

# %%
import matplotlib.pyplot as plt

from dmm_edu.exercises.solutions import split_tangent_normal
from dmm_edu.manifold import PCAProjector

U = PCAProjector(X.astype(np.float64), e6.metrics["k"]).U  # (784, k)
x0 = e6.arrays["pca_ex_x"][0].reshape(-1)  # (784,)
d0 = e6.arrays["pca_ex_d_free"][0].reshape(-1).astype(np.float64)  # (784,)
d_T, d_N = split_tangent_normal(d0, U)
fig, axes = plt.subplots(1, 4, figsize=(8, 2.4))
panels = [(x0, "x"), (d0, "d"), (d_T, "P_T d"), (d_N, "P_N d")]
for ax, (img, title) in zip(axes, panels):
    v = np.abs(img).max()
    ax.imshow(img.reshape(28, 28), cmap="gray" if title == "x" else "RdBu_r",
              vmin=0 if title == "x" else -v, vmax=1 if title == "x" else v)
    ax.set_title(f"{title}  ‖·‖={np.linalg.norm(img):.2f}", fontsize=8)
    ax.set_xticks([]), ax.set_yticks([])
plt.show()

# %% [markdown]
# ## Check your exercise code
#
# The chapter's Exercise 1 asks for the projection onto the L2 ball. This first attempt clips each
# coordinate; read what the checker says, then fix it.

# %%
from dmm_edu.exercises import check


def project_l2_ball(delta, eps):
    return np.clip(delta, -eps, eps)  # a first attempt


print(check("ch-on-off.ex1", project_l2_ball))

# %% [markdown]
# ## Try it
#
# 1. Rerun E5 with a third init scale: `run_cached("E5", "smoke", init_scales=(0.5, 1.41, 2.5))`. Where
#    does the ordering flip?
# 2. Draw the random-frame control's perturbation split: use a random orthonormal `U`. Does its
#    tangent part look like a stroke?
