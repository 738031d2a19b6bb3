"""The catalogue of the book's experiments, with the claims each one tests.

An entry whose `module` is None is planned but not written yet; `dmm-edu list` says so rather
than pretending. Claim ids C1…C10 are those of the claims table on the book page "Adversarial examples
and the older explanations".
"""

from __future__ import annotations

from dataclasses import dataclass

from dmm_edu._checks import check_choice


@dataclass(frozen=True)
class ExperimentSpec:
    """One experiment of the catalogue: its id, a one-line title, the claims it tests and its module."""

    id: str  #: "E1" … "E14"
    title: str  #: one line
    claims: tuple[str, ...]  #: claim ids it tests, e.g. ("C2", "C3")
    module: str | None = None  #: dotted module with `run(config)`, None while planned

    @property
    def available(self) -> bool:
        return self.module is not None


EXPERIMENTS: dict[str, ExperimentSpec] = {
    spec.id: spec
    for spec in [
        ExperimentSpec("E1", "Boundary snapshots on the 2-D toy and the 3-D chessboards", ("C2", "C3"),
                       "dmm_edu.experiments.e01_toy_boundaries"),
        ExperimentSpec("E2", "Linear boundary tilting: the margin shrinks as the boundary tilts", ("C4", "C5"),
                       "dmm_edu.experiments.e02_boundary_tilting"),
        ExperimentSpec("E3", "The random-direction baseline sqrt(k/n)", ("C4",), "dmm_edu.experiments.e03_random_baseline"),
        ExperimentSpec("E4", "Gradient perpendicularity versus init scale", ("C4",),
                       "dmm_edu.experiments.e04_perpendicularity"),
        ExperimentSpec("E5", "Free, on- and off-manifold minimal attacks with the exact tangent", ("C7",),
                       "dmm_edu.experiments.e05_on_off_attacks"),
        ExperimentSpec("E6", "On/off decomposition on real images (PCA and local PCA tangents)", ("C4", "C6", "C7"),
                       "dmm_edu.experiments.e06_on_off_images"),
        ExperimentSpec("E7", "The paper's protocol: autoencoder tangent, PGD free/on/off", ("C7",),
                       "dmm_edu.experiments.e07_autoencoder_tangent"),
        ExperimentSpec("E8", "Clinging and dimpling over training in high dimension", ("C2", "C3"),
                       "dmm_edu.experiments.e08_cling_dimple_highdim"),
        ExperimentSpec("E8i", "Clinging over training on real images (PCA tangent, random-frame control)", ("C2",),
                       "dmm_edu.experiments.e08i_cling_images"),
        ExperimentSpec("E9", "Adversarial training deepens the dimples", ("C9",),
                       "dmm_edu.experiments.e09_adversarial_training"),
        ExperimentSpec("E9i", "Adversarial training on real images: d_off and d_on, standard vs PGD-L2", ("C9",),
                       "dmm_edu.experiments.e09i_adversarial_training_images"),
        ExperimentSpec("E10", "Training on mislabeled adversarial examples (real images)", ("C8",),
                       "dmm_edu.experiments.e10_mislabeled_images"),
        ExperimentSpec("E11", "Mislabeled adversarial training in a synthetic world with an oracle", ("C8",),
                       "dmm_edu.experiments.e11_mislabeled_oracle"),
        ExperimentSpec("E12", "Wallace's control: distillation through wrong labels alone", ("C8",),
                       "dmm_edu.experiments.e12_wallace_control"),
        ExperimentSpec("E13", "Adversarial spheres: distance to the nearest error versus dimension", ("C5",),
                       "dmm_edu.experiments.e13_adversarial_spheres"),
        ExperimentSpec("E14", "An input-gradient penalty versus accuracy", ("C10",),
                       "dmm_edu.experiments.e14_input_gradient_penalty"),
    ]
}


def canonical_id(experiment_id: str) -> str:
    """`experiment_id` as registered, matched without regard to case ("e8i", "E8I" -> "E8i");
    ValueError naming the accepted ids for one that is not registered."""
    if isinstance(experiment_id, str):
        for registered in EXPERIMENTS:
            if registered.lower() == experiment_id.lower():
                return registered
    return check_choice("experiment", experiment_id, EXPERIMENTS)


def get_experiment(experiment_id: str) -> ExperimentSpec:
    """The spec registered as `experiment_id` ("E1" … "E14", in any case)."""
    return EXPERIMENTS[canonical_id(experiment_id)]
