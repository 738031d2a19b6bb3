"""Claims of E12: Wallace's control: N2 on an early N1's wrong labels, no perturbation.

Each reads one metric of the E12 result (`dmm_edu.experiments.e12_wallace_control`); when a metric key of that
experiment changes, this list changes with it. Quoted mostly on the book page "Training on mislabeled adversarial examples".
E12's result also carries E10's D_det / D_rand at the largest eps for its figure; those are E10's run (the same
config and seed), so the book quotes them once, as E10's claims (E10.largest.*), never as E12's.
"""

from __future__ import annotations

from dmm_edu.claims.core import Claim, claim

CLAIMS: list[Claim] = [
    claim("E12.N1_early.train_accuracy", ("N1_early", "train_accuracy"), "{:.1%}",
        "N1_early's training-set accuracy when it stops"),
    claim("E12.N1_early.batches", ("N1_early", "batches"), "{:d}", "SGD batches N1_early trained for"),
    claim("E12.n_wrong", ("n_wrong",), "{:,d}", "training images N1_early gets wrong (N2's whole training set)"),
    claim("E12.N2.test_accuracy", ("N2", "test_accuracy"), "{:.1%}", "N2 (trained on N1_early's wrong labels only): "
        "clean test accuracy", check=">= 0.2",
        why=("distillation through the labels: N1_early's wrong labels carry its function, so N2 must beat chance "
             "(1/10) clearly, by at least a factor of two")),
    claim("E12.N2.agrees_with_N1_early", ("N2", "agrees_with_N1_early_test"), "{:.0%}",
        "share of test images where N2 and N1_early give the same label"),
    claim("E12.control.N2", ("control_uniform_wrong_labels", "N2_test_accuracy"), "{:.1%}",
        "control: the same images with uniform labels != y: N2's clean test accuracy"),
    claim("E12.wallace", ("published", "wallace_cifar10"), "{:.1%}", "Wallace (2019), CIFAR-10: N2's clean test accuracy"),
]
