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
    claim("E10.ilyas.original", ("published", "ilyas_cifar10", "original"), "{:.1%}",
        "Ilyas et al. (2019), CIFAR-10: the original network's test accuracy"),
    claim("E10.ilyas.d_rand", ("published", "ilyas_cifar10", "d_rand"), "{:.1%}",
        "Ilyas et al. (2019), CIFAR-10: N2 trained on D_rand"),
    claim("E10.ilyas.d_det", ("published", "ilyas_cifar10", "d_det"), "{:.1%}",
        "Ilyas et al. (2019), CIFAR-10: N2 trained on D_det"),
]
