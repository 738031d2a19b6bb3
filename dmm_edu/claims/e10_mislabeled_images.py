"""Claims of E10: mislabeled adversarial training on the bundled digits (D_det, D_rand; targeted L2 PGD from N1).

Each reads one metric of the E10 result (`dmm_edu.experiments.e10_mislabeled_images`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E10.chance", ("chance",), "{:.0%}", "chance accuracy (1 / C)"),
    claim("E10.N1.test_accuracy", ("N1", "test_accuracy"), "{:.1%}", "N1's clean test accuracy"),
    claim("E10.det_eps0_5.attack_success", ("det_eps0.5", "attack_success"), "{:.0%}",
        "D_det, eps 0.5: share of x + delta that N1 labels t"),
    claim("E10.det_eps0_5.N2", ("det_eps0.5", "N2_test_accuracy"), "{:.1%}", "D_det, eps 0.5: N2's clean test accuracy",
        check="<= 0.1",
        why=("where the budget is too small for the attack to reach t, D_det is only the permutation y → y + 1 of"
             " the labels; N2 learns it and is wrong on almost every clean image: at most chance (1/10), a control"
             " every account predicts")),
    claim("E10.det_eps0_5.says_y_plus_1", ("det_eps0.5", "N2_test_says_y_plus_1"), "{:.0%}",
        "D_det, eps 0.5: share of clean test images N2 labels y + 1"),
    claim("E10.det_eps2.attack_success", ("det_eps2", "attack_success"), "{:.0%}",
        "D_det, eps 2: share of x + delta that N1 labels t"),
    claim("E10.det_eps2.N2", ("det_eps2", "N2_test_accuracy"), "{:.1%}", "D_det, eps 2: N2's clean test accuracy"),
    claim("E10.rand_eps0_5.attack_success", ("rand_eps0.5", "attack_success"), "{:.0%}",
        "D_rand, eps 0.5: share of x + delta that N1 labels t"),
    claim("E10.rand_eps0_5.N2", ("rand_eps0.5", "N2_test_accuracy"), "{:.1%}", "D_rand, eps 0.5: N2's clean test accuracy"),
    claim("E10.rand_eps0_5.attack_success_changed", ("rand_eps0.5", "attack_success_changed"), "{:.0%}",
        "D_rand, eps 0.5: share of x + delta that N1 labels t, among the points whose label changed (t != y)"),
    claim("E10.rand_eps2.attack_success_changed", ("rand_eps2", "attack_success_changed"), "{:.0%}",
        "D_rand, eps 2: share of x + delta that N1 labels t, among the points whose label changed (t != y)"),
    claim("E10.rand_eps2.N2", ("rand_eps2", "N2_test_accuracy"), "{:.1%}", "D_rand, eps 2: N2's clean test accuracy"),
    claim("E10.largest.eps", ("largest_eps", "eps"), "{:g}", "the largest L2 budget of the attack"),
    claim("E10.largest.rand.attack_success", ("largest_eps", "rand", "attack_success"), "{:.0%}",
        "D_rand, largest eps: share of x + δ that N1 labels t"),
    claim("E10.largest.rand.attack_success_changed", ("largest_eps", "rand", "attack_success_changed"), "{:.0%}",
        "D_rand, largest eps: share of x + δ that N1 labels t, among the points whose label changed (t != y)"),
    claim("E10.largest.rand.N2", ("largest_eps", "rand", "N2_test_accuracy"), "{:.1%}",
        "D_rand, largest eps: N2's clean test accuracy"),
    claim("E10.largest.det.attack_success", ("largest_eps", "det", "attack_success"), "{:.0%}",
        "D_det, largest eps: share of x + δ that N1 labels t"),
    claim("E10.largest.det.N2", ("largest_eps", "det", "N2_test_accuracy"), "{:.1%}",
        "D_det, largest eps: N2's clean test accuracy"),
    claim("E10.rand_eps2.t_equals_y", ("rand_eps2", "t_equals_y"), "{:.0%}", "D_rand: share of new labels equal to y"),
    # does x + δ still look like x? the robust judge and on(δ), over the images whose label changed (t != y)
    claim("E10.judge.eps", ("judge", "eps"), "{:.2f}",
        "the judge's adversarial-training radius (L2; N1's median DeepFool d_free, E9i's rule)"),
    claim("E10.judge.test_accuracy", ("judge", "test_accuracy"), "{:.1%}", "the robust judge's clean test accuracy"),
    claim("E10.judge.robust_accuracy", ("judge", "robust_accuracy"), "{:.1%}",
        "the robust judge's test accuracy under L2 PGD at its own training radius"),
    claim("E10.rand_eps0_5.judge_says_y", ("rand_eps0.5", "judge_says_y"), "{:.0%}",
        "D_rand, eps 0.5: share of x + δ (label changed) the robust judge labels y"),
    claim("E10.rand_eps2.judge_says_y", ("rand_eps2", "judge_says_y"), "{:.0%}",
        "D_rand, eps 2: share of x + δ (label changed) the robust judge labels y", check="> 0.5",
        why=("the chapter reads eps = 2 as a budget where most perturbed digits still look like y to a robust"
             " classifier: the judge must say y on a majority of them")),
    claim("E10.rand_eps2.judge_says_t", ("rand_eps2", "judge_says_t"), "{:.0%}",
        "D_rand, eps 2: share of x + δ (label changed) the robust judge labels with the new label"),
    claim("E10.rand_eps2.judge_says_other", ("rand_eps2", "judge_says_other"), "{:.0%}",
        "D_rand, eps 2: share of x + δ (label changed) the robust judge labels neither y nor the new label"),
    claim("E10.largest.rand.judge_says_t", ("largest_eps", "rand", "judge_says_t"), "{:.0%}",
        "D_rand, largest eps: share of x + δ (label changed) the robust judge labels with the new label",
        check="> 0.5",
        why=("the chapter reads the largest budget as one that draws the new label in plain sight: a robust"
             " classifier must read the new label on a majority of the perturbed digits")),
    claim("E10.largest.rand.judge_says_y", ("largest_eps", "rand", "judge_says_y"), "{:.0%}",
        "D_rand, largest eps: share of x + δ (label changed) the robust judge labels y"),
    claim("E10.rand_eps0_5.judge_agrees", ("rand_eps0.5", "judge_agrees_with_label"), "{:.0%}",
        "D_rand, eps 0.5: share of N2's training pairs (x + δ, t) whose label t the robust judge gives x + δ"),
    claim("E10.rand_eps2.judge_agrees", ("rand_eps2", "judge_agrees_with_label"), "{:.0%}",
        "D_rand, eps 2: share of N2's training pairs (x + δ, t) whose label t the robust judge gives x + δ"),
    claim("E10.largest.rand.judge_agrees", ("largest_eps", "rand", "judge_agrees_with_label"), "{:.0%}",
        "D_rand, largest eps: share of N2's training pairs (x + δ, t) whose label t the robust judge gives x + δ"),
    claim("E10.k", ("k",), "{:d}", "dimension of the PCA tangent of the training digits"),
    claim("E10.baseline_on", ("baseline_on",), "{:.2f}", "on(v) of a random direction, sqrt(k/n)"),
    claim("E10.rand_eps2.on_delta", ("rand_eps2", "on_delta_median"), "{:.2f}",
        "D_rand, eps 2: median on(δ) in the PCA tangent (label changed)", check="> 0.29",
        why=("the chapter says δ lies along the digits' principal directions, far from a random direction:"
             " more than twice a random direction's sqrt(k/n) = 0.14")),
    claim("E10.largest.rand.on_delta", ("largest_eps", "rand", "on_delta_median"), "{:.2f}",
        "D_rand, largest eps: median on(δ) in the PCA tangent (label changed)"),
    claim("E10.on_digit_difference", ("on_digit_difference_median",), "{:.2f}",
        "median on(x' - x) for two training digits of different classes (a change that draws another digit)"),
    claim("E10.ilyas.original", ("published", "ilyas_cifar10", "original"), "{:.1%}",
        "Ilyas et al. (2019), CIFAR-10: the original network's test accuracy"),
    claim("E10.ilyas.d_rand", ("published", "ilyas_cifar10", "d_rand"), "{:.1%}",
        "Ilyas et al. (2019), CIFAR-10: N2 trained on D_rand"),
    claim("E10.ilyas.d_det", ("published", "ilyas_cifar10", "d_det"), "{:.1%}",
        "Ilyas et al. (2019), CIFAR-10: N2 trained on D_det"),
]
