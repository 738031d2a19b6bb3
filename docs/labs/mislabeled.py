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
# # Lab: training on mislabeled adversarial examples
#
# This lab reruns the three experiments behind the chapter "Training on mislabeled adversarial
# examples": E11 in a synthetic world where an
# oracle knows the true class of every point, E10 on the MNIST digits that ship with the package, and
# E12, Wallace's control, where no perturbation is made at all. Everything it calls is in `dmm_edu`;
# download it as a notebook (the button at the top right) and open it in Jupyter, or as a script
# (the .py link under the title) and run it with python or open it in Jupyter with jupytext.
#
# The recipe is the same each time: a network $N_1$ is trained on clean data; every training point
# $x$ is pushed by a targeted attack towards a class $t$ and **labelled $t$**; a fresh network $N_2$
# is trained on $(x + \delta, t)$ alone and tested on clean test points with their true labels.
# $D_{\text{rand}}$ draws $t$ uniformly (the labels carry no information about $y$), $D_{\text{det}}$
# sets $t = y + 1$ (every label is wrong). The number to watch is $N_2$'s clean test accuracy
# against chance, $1/C$.
#
# Which size? Run as a script or a notebook, the lab uses the `smoke` size (seconds). The copy on the
# book's website was executed while the book was built, at the `book` size: the very runs the
# chapters quote (cached by the build). Set `PROFILE = "book"` to get those (CPU minutes the first
# time, cached after).

# %% [markdown]
# ## A world with an oracle (E11)
#
# In the subspace world the true class of any point is known, so we can ask what the attack really
# did: did $x + \delta$ *become* class $t$ (the oracle agrees with $t$), or did it only cross $N_1$'s
# boundary? The attacks here are restricted to the normal space: they never move the point along
# the manifold, so its true class never changes.

# %%
from dmm_edu.book import lab_profile
from dmm_edu.experiments.base import run_cached

PROFILE = lab_profile()  # "smoke" when you run this file; the book's profile when the site is built
print(f"experiments at the {PROFILE!r} profile")

e11 = run_cached("E11", profile=PROFILE, seed=0)
m11 = e11.metrics
print(f"chance {m11['chance']:.2f}; N1 clean test accuracy {m11['N1']['test_accuracy']:.2f}")
for tag in m11["tags"]:
    r = m11[tag]
    print(f"{tag:22s} eps {r['eps']:.3f}  attack success {r['attack_success']:.2f}  "
          f"oracle says t {r['oracle_agrees_with_t']:.2f}  N2 clean test accuracy {r['N2_test_accuracy']:.2f}")
if "control_rand_labels_no_delta" in m11:
    print(f"control: random labels, no perturbation: N2 {m11['control_rand_labels_no_delta']['N2_test_accuracy']:.2f}")

# %% [markdown]
# Read the columns together: when the oracle agrees with $t$ only at the chance rate of $D_{\text{rand}}$
# (about $1/C$: the points kept their true class, and $t = y$ only by luck) or never ($D_{\text{det}}$),
# and $N_2$ still scores well above chance, $N_2$ learned something about the *true*
# classes from points whose labels were all chosen by the attack. Off-manifold perturbations carried
# that information: where $N_1$'s boundary lies off the manifold.

# %% [markdown]
# ## Real digits (E10)
#
# The same protocol on the bundled MNIST digits, with targeted $L_2$ PGD at several budgets
# $\varepsilon$.

# %%
e10 = run_cached("E10", profile=PROFILE, seed=0)
m10 = e10.metrics
print(f"chance {m10['chance']:.2f}; N1 clean test accuracy {m10['N1']['test_accuracy']:.3f}")
for tag in m10["tags"]:
    r = m10[tag]
    print(f"{tag:12s} attack success {r['attack_success']:.2f}  labels equal to y {r['t_equals_y']:.2f}  "
          f"N2 clean test accuracy {r['N2_test_accuracy']:.3f}  (says y+1: {r['N2_test_says_y_plus_1']:.2f})")

# %%
# %matplotlib inline
from dmm_edu.plots import plot

plot(e10, "accuracy")

# %% [markdown]
# At a small budget the attack mostly fails, so $D_{\text{det}}$'s labels are just the permutation
# $y \mapsto y + 1$ of the truth, and $N_2$ learns that permutation (the "says y+1" column). At a
# large budget the attack succeeds and $N_2$ reads what the perturbations planted.

# %% [markdown]
# ## Wallace's control (E12)
#
# Is the perturbation needed at all? E12 trains $N_1$ only briefly, keeps the training images it
# gets **wrong**, labels them with its wrong answers, and trains $N_2$ on those alone: no image is
# perturbed and no label is right.

# %%
e12 = run_cached("E12", profile=PROFILE, seed=0)
m12 = e12.metrics
print(f"N1_early: train accuracy {m12['N1_early']['train_accuracy']:.3f}, {m12['n_wrong']} wrong labels kept")
print(f"N2 (trained on wrong labels only): clean test accuracy {m12['N2']['test_accuracy']:.3f}, "
      f"agrees with N1_early on {m12['N2']['agrees_with_N1_early_test']:.0%} of the test digits")
if "control_uniform_wrong_labels" in m12:
    print(f"control (same images, uniform wrong labels): {m12['control_uniform_wrong_labels']['N2_test_accuracy']:.3f}")

# %% [markdown]
# If $N_2$ beats chance here, wrong labels from a network carry that network's function: training on
# them is a kind of distillation. The chapter weighs the three accounts (non-robust features, the
# DMM's boundary sides, and this leakage) against one another.
#
# ## Try it
#
# 1. Does $N_2$'s accuracy follow the attack's success rate? Rerun E10 with more budgets:
#
#    ```python
#    bigger = run_cached("E10", profile="smoke", seed=0, eps=(0.5, 1.0, 2.0, 4.0), rules=("rand",))
#    for tag in bigger.metrics["tags"]:
#        print(tag, bigger.metrics[tag]["attack_success"], bigger.metrics[tag]["N2_test_accuracy"])
#    ```
#
# 2. In E11, let the attack move freely instead of only along the normal
#    (`run_cached("E11", profile="smoke", seed=0, variants=(("rand", "free"),))`): the oracle can now
#    change its answer. Does the oracle agree with $t$ more often, and does $N_2$ learn more or less?
# 3. Wallace's control depends on how wrong $N_1$ is. Stop `N1_early` at another training accuracy
#    (`run_cached("E12", profile="smoke", seed=0, early_accuracy=0.4)`) and watch $N_2$ follow.
