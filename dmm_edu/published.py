"""Every published number the book or an experiment compares with, with its source.

Data only: a number (`Number`) has a stable key, its value, what it measures, the source it comes
from and the table or figure in that source; a source (`Source`) says who, when, what, where, and
what kind of document it is, because a student's repository is not a peer-reviewed paper. Experiments
read values here (`value("ilyas.cifar10.d_rand")`) instead of typing them; chapters quote them with
the claim macro under the name `published.ilyas.cifar10.d_rand`, linked to the source's bibliography entry. This
module imports nothing from dmm_edu, so any layer may use it. Book pages: "Predictions and checks",
"Bibliography".

    from dmm_edu.published import value, get, source_of
    value("wallace.cifar10.N2_test_accuracy")        # 0.497
    source_of("wallace.cifar10.N2_test_accuracy").kind   # "journal commentary"
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

#: what kind of document a source is; each number's weight depends on it
KINDS: dict[str, str] = {
    "peer-reviewed paper": "a conference or journal paper that passed peer review",
    "preprint": "a paper posted without peer review (e.g. arXiv only)",
    "journal commentary": "a short response article in a journal's discussion, edited but not a full research paper",
    "student reproduction repository": "a student's code, logs and figures; no paper, no review",
    "thesis": "a degree thesis",
    "blog": "a blog post or web page",
}


@dataclass(frozen=True)
class Source:
    """One document numbers come from.

    key: the anchor of its bibliography entry (docs/appendix/bibliography.md#key); authors, year,
    title, venue, url: the citation; kind: one of KINDS.
    """

    key: str
    authors: str
    year: str
    title: str
    venue: str
    url: str
    kind: str

    def cite(self) -> str:
        """'Authors (year)', the short form the chapters use."""
        return f"{self.authors} ({self.year})"


@dataclass(frozen=True)
class Number:
    """One published number.

    key: "<source short name>.<setting>.<quantity>", stable (claims and experiments name it);
    value: as the source gives it (a share is a fraction: 0.633, not 63.3); fmt: a str.format spec
    for the book; measures: one line on what it is; source: a `Source.key`; where: the table,
    figure or file of the source it comes from, and how it was read off when it was.
    """

    key: str
    value: float | int
    fmt: str
    measures: str
    source: str
    where: str

    def text(self) -> str:
        """The value formatted for the book."""
        return self.fmt.format(self.value)


SOURCES: dict[str, Source] = {s.key: s for s in [
    Source("karner2023", "Karner", "2022–23", "The Dimpled Manifold Revisited (a reproduction of Shamir et al. 2021)",
           "student project, University of Vienna; code, training logs and figures on GitHub",
           "https://github.com/LukasKarner/dimpled-manifolds", "student reproduction repository"),
    Source("moosavi2016", "Moosavi-Dezfooli, Fawzi & Frossard", "2016",
           "DeepFool: a simple and accurate method to fool deep neural networks", "CVPR 2016",
           "https://arxiv.org/abs/1511.04599", "peer-reviewed paper"),
    Source("ilyas2019", "Ilyas, Santurkar, Tsipras, Engstrom, Tran & Madry", "2019",
           "Adversarial examples are not bugs, they are features", "NeurIPS 2019",
           "https://arxiv.org/abs/1905.02175", "peer-reviewed paper"),
    Source("wallace2019", "Wallace", "2019", "Learning from incorrectly labeled data (a response in 'A discussion of "
           "\"Adversarial examples are not bugs, they are features\"')", "Distill",
           "https://distill.pub/2019/advex-bugs-discussion/response-6/", "journal commentary"),
]}

_KARNER_FIGURES = ("median of the per-example ratios in the repository's figures {folder} ({count}; each figure "
                   "prints the L2 norms of one image's free, on- and off-manifold PGD perturbations)")

NUMBERS: dict[str, Number] = {n.key: n for n in [
    # Karner's reproduction of the paper's protocol: autoencoder tangent (decoder Jacobian, QR), PGD free / on / off
    Number("karner.mnist.d_on_over_d_free", 2.89, "{:.2f}",
           "MNIST MLP 784-256-256-10, autoencoder tangent (k = 16), PGD: median d_on / d_free", "karner2023",
           _KARNER_FIGURES.format(folder="plots/mnist_mf/", count="20 digits: 10 training, 10 test")),
    Number("karner.mnist.d_off_over_d_free", 1.10, "{:.2f}",
           "MNIST MLP, autoencoder tangent (k = 16), PGD: median d_off / d_free", "karner2023",
           _KARNER_FIGURES.format(folder="plots/mnist_mf/", count="20 digits: 10 training, 10 test")),
    Number("karner.mnist.k", 16, "{:d}", "MNIST: the autoencoder's latent size, i.e. the tangent dimension k",
           "karner2023", "models.py, MnistAEC (its last encoder layer: Linear(1024, 16))"),
    Number("karner.mnist.sqrt_n_over_k", math.sqrt(784 / 16), "{:.2f}",
           "MNIST: sqrt(n/k) for n = 784 and Karner's k = 16, the d_on / d_free of a random subspace", "karner2023",
           "computed from the latent size in models.py (MnistAEC)"),
    Number("karner.cifar10.d_on_over_d_free", 5.04, "{:.2f}",
           "CIFAR-10, autoencoder tangent (k = 128), PGD: median d_on / d_free", "karner2023",
           _KARNER_FIGURES.format(folder="plots/cifar_mf/", count="20 images: 10 training, 10 test")),
    Number("karner.cifar10.k", 128, "{:d}", "CIFAR-10: the autoencoder's latent size, i.e. the tangent dimension k",
           "karner2023", "models.py, CifarAEC (Linear(4096, 128))"),
    Number("karner.cifar10.sqrt_n_over_k", math.sqrt(3072 / 128), "{:.2f}",
           "CIFAR-10: sqrt(n/k) for n = 3072 and Karner's k = 128", "karner2023",
           "computed from the latent size in models.py (CifarAEC)"),
    Number("karner.imagenet.d_on_over_d_free", 2.26, "{:.2f}",
           "ImageNet (two classes), autoencoder tangent (k = 25,088), PGD: median d_on / d_free", "karner2023",
           _KARNER_FIGURES.format(folder="plots/imgnet_mf/untargeted/", count="7 images: 4 training, 3 test")),
    Number("karner.imagenet.k", 25088, "{:,d}",
           "ImageNet: the autoencoder's latent size (512 × 7 × 7), i.e. the tangent dimension k", "karner2023",
           "manifolds/imgnet_manifold_projection.ipynb (the encoder's output, 25088 numbers)"),
    Number("karner.imagenet.sqrt_n_over_k", math.sqrt(3 * 224 * 224 / 25088), "{:.2f}",
           "ImageNet: sqrt(n/k) for n = 3 × 224 × 224 = 150,528 and Karner's k = 25,088", "karner2023",
           "computed from the notebook's image and latent sizes"),
    Number("karner.mnist.mlp_test_accuracy", 0.9635, "{:.2%}",
           "MNIST MLP 784-256-256-10: test accuracy after its 40 training epochs", "karner2023",
           "final_models_and_logs/mnist_clf.txt (the epoch-40 test line)"),
    Number("karner.mnist.d_free_epoch1", 0.9, "{:g}",
           "MNIST MLP: mean L2 distance to the nearest PGD adversarial example after epoch 1, pixels in [0, 1]",
           "karner2023", "figure plots/finals/mnist_measure.pdf (200 test digits per epoch), read off the curve; "
           "the figure's scale is [-1, 1], halved here"),
    Number("karner.mnist.d_free_epoch40", 0.65, "{:g}",
           "MNIST MLP: the same mean distance after epoch 40, pixels in [0, 1]", "karner2023",
           "figure plots/finals/mnist_measure.pdf, read off the curve; halved from the figure's [-1, 1] scale"),
    Number("karner.mnist.d_free_epochs", 40, "{:d}", "MNIST MLP: the epochs of that distance curve", "karner2023",
           "mnist_measure.py (epochs = 40) and its figure"),
    # DeepFool: rho = ||r||_2 / ||x||_2 at the minimal perturbation, averaged over the test set
    Number("deepfool.mnist_fc.rho", 0.11, "{:.2f}", "DeepFool's rho on MNIST, fully connected net FC500-150-10",
           "moosavi2016", "Table 1 (rho_adv, DeepFool column: 1.1e-1)"),
    Number("deepfool.mnist_lenet.rho", 0.20, "{:.2f}", "DeepFool's rho on MNIST, LeNet (convolutional)",
           "moosavi2016", "Table 1 (rho_adv, DeepFool column: 2.0e-1)"),
    Number("deepfool.overshoot", 0.02, "{:g}", "DeepFool's overshoot eta: the final step is scaled by 1 + eta",
           "moosavi2016", "text: the overshoot eta, set to 0.02 in their experiments"),
    # Ilyas et al., Section 3.2: fresh networks trained on D_rand / D_det only, tested on clean CIFAR-10
    Number("ilyas.cifar10.original", 0.953, "{:.1%}", "CIFAR-10 test accuracy of the network trained on the clean set",
           "ilyas2019", "Table 1 (D column, CIFAR-10)"),
    Number("ilyas.cifar10.d_rand", 0.633, "{:.1%}", "CIFAR-10 test accuracy of a network trained on D_rand only",
           "ilyas2019", "Table 1 (D_rand column, CIFAR-10)"),
    Number("ilyas.cifar10.d_det", 0.437, "{:.1%}", "CIFAR-10 test accuracy of a network trained on D_det only",
           "ilyas2019", "Table 1 (D_det column, CIFAR-10)"),
    Number("ilyas.cifar10.attack_eps", 0.5, "{:g}", "the L2 budget eps of the targeted PGD attack that builds D_rand / D_det",
           "ilyas2019", "appendix: the attack parameters of the D_rand / D_det construction (CIFAR-10)"),
    Number("ilyas.cifar10.attack_step", 0.1, "{:g}", "that attack's PGD step size", "ilyas2019",
           "appendix: the attack parameters of the D_rand / D_det construction (CIFAR-10)"),
    Number("ilyas.cifar10.attack_steps", 100, "{:d}", "that attack's PGD iterations", "ilyas2019",
           "appendix: the attack parameters of the D_rand / D_det construction (CIFAR-10)"),
    # Wallace: a ResNet-18 trained two epochs relabels CIFAR-10; a fresh one learns from its wrong labels only
    Number("wallace.cifar10.N2_test_accuracy", 0.497, "{:.1%}",
           "clean CIFAR-10 test accuracy of N2 trained only on N1's wrong labels of unmodified images", "wallace2019",
           "the article's first experiment (text)"),
    Number("wallace.cifar10.N1_train_accuracy", 0.625, "{:.1%}", "N1's training accuracy after its two epochs",
           "wallace2019", "the article's first experiment (text)"),
    Number("wallace.cifar10.N1_test_accuracy", 0.631, "{:.1%}", "N1's test accuracy after its two epochs",
           "wallace2019", "the article's first experiment (text)"),
    Number("wallace.cifar10.N1_epochs", 2, "{:d}", "epochs N1 (a ResNet-18) was trained", "wallace2019",
           "the article's first experiment (text)"),
    Number("wallace.cifar10.n_wrong", 18768, "{:,d}", "training images N1 gets wrong: N2's whole training set",
           "wallace2019", "the article's first experiment (text)"),
    Number("wallace.cifar10.n_train", 50000, "{:,d}", "CIFAR-10 training images N1 relabelled", "wallace2019",
           "the article's first experiment (text)"),
    Number("wallace.cifar10.N2_epochs", 50, "{:d}", "epochs N2 (a fresh ResNet-18) was trained on the wrong labels",
           "wallace2019", "the article's first experiment (text)"),
]}


def get(key: str) -> Number:
    """The published number registered as `key`; KeyError naming the closest registered keys."""
    if key not in NUMBERS:
        near = difflib.get_close_matches(key, NUMBERS, n=3, cutoff=0.5)
        hint = f"; did you mean {near}?" if near else f"; registered keys start with {sorted({k.split('.')[0] for k in NUMBERS})}"
        raise KeyError(f"published number {key!r} is not in dmm_edu.published.NUMBERS{hint}")
    return NUMBERS[key]


def value(key: str) -> float | int:
    """The value of the published number `key` (a share as a fraction)."""
    return get(key).value


def source_of(key: str) -> Source:
    """The source of the published number `key`."""
    return SOURCES[get(key).source]


__all__ = ["KINDS", "NUMBERS", "SOURCES", "Number", "Source", "get", "source_of", "value"]
