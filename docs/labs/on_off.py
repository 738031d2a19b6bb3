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
    print(f"{tangent:13s} on(δ_free) {m['on_delta']:.2f} (random {m['baseline_on']:.2f})   "
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
X, y = train.flat().astype(np.float32), train.labels  # (batch, 784), (batch,)
Q, yq = test.flat()[:300].astype(np.float32), test.labels[:300]  # (300, 784), (300,)
D2 = (Q**2).sum(1)[:, None] + (X**2).sum(1)[None, :] - 2 * Q @ X.T  # (300, N) squared distances
D2[yq[:, None] == y[None, :]] = np.inf  # keep only other classes
nearest_other = np.sqrt(np.maximum(D2.min(axis=1), 0))  # (300,)
d_free_e6 = e6.metrics["pca"]["d_free"]
print(f"median distance to the nearest digit of another class: {np.median(nearest_other):.2f}")
print(f"median minimal perturbation d_free: {d_free_e6:.2f}  (ratio {np.median(nearest_other) / d_free_e6:.1f}x)")

# %% [markdown]
# ## DeepFool, free, on and off: the package's code, run here
#
# E6 measures with DeepFool (Moosavi-Dezfooli et al. 2016). At the current point it linearises every
# logit difference $f'_j = f_j - f_{j_0}$ ($j$ a class, $j_0$ the class to leave, $w'_j = \nabla f'_j$;
# $k$ stays the manifold's dimension) and steps to the nearest linearised boundary, that of class $l$,
# $r = (|f'_l| + 10^{-4})\, w'_l / \lVert w'_l\rVert^2$, until the class changes. The restricted
# attacks project every $w'_j$ and the summed step onto a subspace $S$:
# the tangent space $T$ ($\delta_{\text{on}}$) or its normal space $N$ ($\delta_{\text{off}}$). The code
# below is not a copy: `show_source` reads it from the installed `dmm_edu` package, the very function
# this lab then runs (the numpy implementation; `dmm_edu.attacks.deepfool` sends a torch network, as
# in E6, to its torch twin, which takes the same arguments).

# %%
from dmm_edu.attacks.deepfool import deepfool  # the numpy DeepFool
from dmm_edu.manifold.frames import tangent_part
from dmm_edu.source import show_source  # reads the code from the installed package

show_source(deepfool)

# %% [markdown]
# `restrict` calls the projector's `tangent` or `normal`. With an orthonormal basis $U$ of $T$,
# $P_T\delta = UU^\top\delta$ and $P_N\delta = \delta - P_T\delta$: the package's one projector,
# shared by every restricted attack (PGD and FGSM take the same `space=` and `projector=`):

# %%
show_source(tangent_part, "tangent_part")

# %% [markdown]
# Now run it. A small network (784-64-10, a few seconds of training on the training digits loaded
# above), the PCA tangent of E6 (the top $k$ principal directions of the training digits), and the
# three attacks at 30 test digits it classifies correctly. $\delta$ is drawn on its own colour scale
# (red +, blue −); each title gives the network's class, or $\lVert\delta\rVert$.

# %%
import matplotlib.pyplot as plt

from dmm_edu.manifold import PCAProjector
from dmm_edu.numpy_nn import MLP, Adam, accuracy, train

rng = np.random.default_rng(0)
net = MLP([784, 64, 10], rng=rng)
X64 = X.astype(np.float64)  # (batch, 784)
train(net, Adam(net.params, net.grads, lr=1e-3), X64, y, epochs=3, batch_size=64, rng=rng)
print(f"clean test accuracy {accuracy(net, Q.astype(np.float64), yq):.3f} (first 300 test digits)")

pca = PCAProjector(X64, e6.metrics["k"])  # T: the top-k principal directions of the training digits
keep = np.flatnonzero(net.predict(Q.astype(np.float64)) == yq)[:30]
x, y_x = Q[keep].astype(np.float64), yq[keep]  # (30, 784), (30,)
free = deepfool(net, x, y_x)
on = deepfool(net, x, y_x, space="on", projector=pca)
off = deepfool(net, x, y_x, space="off", projector=pca)

fig, axes = plt.subplots(2, 7, figsize=(6.6, 2.6))
for row, i in zip(axes, (0, 1)):
    panels = [(x[i], f"x: {net.predict(x[i:i + 1])[0]}", "gray")]
    for r, name in ((free, "free"), (on, "on"), (off, "off")):
        panels += [(r.delta[i], f"δ_{name} {r.norm[i]:.1f}", "RdBu_r"),
                   (r.x_adv[i], f"x+δ: {net.predict(r.x_adv[i:i + 1])[0]}", "gray")]
    for ax, (img, title, cmap) in zip(row, panels):
        v = np.abs(img).max() if cmap == "RdBu_r" else 1.0
        ax.imshow(img.reshape(28, 28), cmap=cmap, vmin=-v if cmap == "RdBu_r" else 0, vmax=v)
        ax.set_title(title, fontsize=9, pad=2)
        ax.set_axis_off()
fig.tight_layout(pad=0.2)
plt.show()

# %% [markdown]
# The three norms are the distances $d_{\text{free}} \le d_{\text{on}}, d_{\text{off}}$, and
# $\operatorname{on}(\delta_{\text{free}}) = \lVert P_T\delta_{\text{free}}\rVert / \lVert\delta_{\text{free}}\rVert$.
# Here are the median of $\operatorname{on}(\delta_{\text{free}})$ and the ratios of the median distances
# over the 30 digits, beside E6's (measured the same way on a bigger network, 784-256-256-10, with
# more digits) and the random-direction baselines:

# %%
delta = free.delta  # (30, 784)
on_free = np.linalg.norm(pca.tangent(delta, x=x), axis=1) / np.linalg.norm(delta, axis=1)  # on(δ_free)
d_free, d_on, d_off = (np.median(r.norm) for r in (free, on, off))  # medians of the three distances
mine = {"on(δ_free)": np.median(on_free), "d_on/d_free": d_on / d_free, "d_off/d_free": d_off / d_free}
m = e6.metrics["pca"]
theirs = {"on(δ_free)": m["on_delta"], "d_on/d_free": m["d_on_over_d_free"], "d_off/d_free": m["d_off_over_d_free"]}
baseline = {"on(δ_free)": m["baseline_on"], "d_on/d_free": m["baseline_d_on_over_d_free"],
            "d_off/d_free": m["baseline_d_off_over_d_free"]}
print(f"all attacks succeeded: {bool(free.success.all() and on.success.all() and off.success.all())}")
print(f"{'':14s}{'this lab':>10s}{'E6':>8s}{'random':>9s}")
for key in mine:
    print(f"{key:14s}{mine[key]:10.2f}{theirs[key]:8.2f}{baseline[key]:9.2f}")

# %% [markdown]
# ## Split a perturbation yourself
#
# E6 keeps a few attacked digits and their minimal perturbations. Split one into its tangent and
# normal parts with the PCA tangent of the training digits (Exercise 2 of "Why perturbations are
# tiny"; here the reference solution stands in for yours).

# %%
from dmm_edu.exercises.solutions import split_tangent_normal

U = pca.U  # (784, k): the same PCA tangent as E6's
x0 = e6.arrays["pca_ex_x"][0].reshape(-1)  # (784,)
delta0 = e6.arrays["pca_ex_d_free"][0].reshape(-1).astype(np.float64)  # (784,) E6's δ_free at x0
delta_T, delta_N = split_tangent_normal(delta0, U)  # P_T δ, P_N δ
fig, axes = plt.subplots(1, 4, figsize=(6.6, 2.2))
panels = [(x0, "x"), (delta0, "δ_free"), (delta_T, "P_T δ"), (delta_N, "P_N δ")]
for ax, (img, title) in zip(axes, panels):
    v = np.abs(img).max()
    ax.imshow(img.reshape(28, 28), cmap="gray" if title == "x" else "RdBu_r",
              vmin=0 if title == "x" else -v, vmax=1 if title == "x" else v)
    ax.set_title(f"{title}  ‖·‖={np.linalg.norm(img):.2f}", fontsize=9)
    ax.set_axis_off()
fig.tight_layout(pad=0.2)
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
# 1. Rerun E5 with more init scales between the ones above:
#    `run_cached("E5", profile="smoke", init_scales=(0.5, 1.0, 1.41, 2.0, 2.5))`. Between which two
#    scales does the ordering $d_{\text{off}} < d_{\text{on}}$ flip?
# 2. Draw the random-frame control's perturbation split: use a random orthonormal `U`. Does its
#    tangent part look like a stroke?
