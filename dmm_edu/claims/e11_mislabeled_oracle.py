"""Claims of E11: mislabeled adversarial training in the subspace world, with an oracle; off-manifold attacks.

Each reads one metric of the E11 result (`dmm_edu.experiments.e11_mislabeled_oracle`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Training on mislabeled adversarial examples".
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E11.chance", ("chance",), "{:.0%}", "chance accuracy (1 / C)"),
    claim("E11.N1.test_accuracy", ("N1", "test_accuracy"), "{:.0%}", "N1's clean test accuracy"),
    claim("E11.rand_off_eps2.N2", ("rand_off_eps2", "N2_test_accuracy"), "{:.0%}",
        "D_rand, off-manifold, eps = 2 d_off: N2's clean test accuracy", check=">= 0.6",
        why=("the geometric account: off-manifold steps away from N1's class regions teach N2 those regions, so N2"
             " must score far above chance (1/4) on clean points that carry none of the planted deltas")),
    claim("E11.rand_off_eps2.oracle_agrees", ("rand_off_eps2", "oracle_agrees_with_t"), "{:.0%}",
        "D_rand, off-manifold, eps = 2 d_off: share of new labels the oracle agrees with", check="<= 0.35",
        why=("and this must happen while the new labels are wrong by the oracle: agreement near chance (1/4), so "
             "neither the labels nor the images carry the true class")),
    claim("E11.rand_off_eps0_5.N2", ("rand_off_eps0.5", "N2_test_accuracy"), "{:.0%}",
        "D_rand, off-manifold, eps = 0.5 d_off: N2's clean test accuracy"),
    claim("E11.rand_off_eps2.attack_success_changed", ("rand_off_eps2", "attack_success_changed"), "{:.0%}",
        "D_rand, off-manifold, eps = 2 d_off: share of x + delta that N1 labels t, among points with t != y"),
    claim("E11.rand_off_eps0_5.attack_success_changed", ("rand_off_eps0.5", "attack_success_changed"), "{:.0%}",
        "D_rand, off-manifold, eps = 0.5 d_off: share of x + delta that N1 labels t, among points with t != y"),
    claim("E11.det_off_eps2.N2", ("det_off_eps2", "N2_test_accuracy"), "{:.0%}",
        "D_det, off-manifold, eps = 2 d_off: N2's clean test accuracy"),
    claim("E11.det_off_eps2.attack_success", ("det_off_eps2", "attack_success"), "{:.0%}",
        "D_det, off-manifold, eps = 2 d_off: share of x + delta that N1 labels t"),
    claim("E11.control.N2", ("control_rand_labels_no_delta", "N2_test_accuracy"), "{:.0%}",
        "control: N2 on the clean points with the D_rand labels, no delta"),
]
