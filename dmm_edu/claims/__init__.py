"""The named numbers the book quotes: each tied to one metric of one saved result, or to one published number.

A chapter never types a number: it writes `{{ claim("E1.B.cling_quarter_T") }}` and the book's mkdocs
hook (docs/hooks/claims.py) puts in the value formatted from the result, with a link to the
reproducibility appendix that says which run made it; `{{ claim("published.ilyas.cifar10.d_rand") }}`
quotes `dmm_edu.published` and links to the source in the bibliography. A result claim may carry its
testable form (`check`, e.g. "< 0.85") and why that threshold follows from the claim (`why`); the
tests evaluate it on the profile that backs it, and the "Predictions and checks" appendix lists them.

The claims are listed beside the experiments they read, one module per experiment, named like the
experiment's own module (`dmm_edu.claims.e05_on_off_attacks` reads `dmm_edu.experiments.e05_on_off_attacks`):
a claim is a path into one experiment's metrics, so when those metrics change, one short file
changes with them. Chapters are not a good key: most claims are quoted on two or three pages. The
mechanism (Claim, resolve, check, …) is `dmm_edu.claims.core`; the seeds behind each number (the median
of three runs at the `book` profile, with their range) are `dmm_edu.claims.seeds`. Book pages: "Reproducibility", "Predictions and checks".

    from dmm_edu.claims import resolve
    value, text, prov = resolve("E5.c2_5.d_off_over_d_on", {"E5": result})   # the number, its text, its run
    value, text, prov = resolve("published.ilyas.cifar10.d_rand", {})        # the same for a published number
    value, text, prov = resolve("E5.c2_5.d_off_over_d_on", {}, {"E5": {0: r0, 1: r1, 2: r2}})  # median (range)
"""

from __future__ import annotations

from dmm_edu.claims import (
    e01_toy_boundaries,
    e02_boundary_tilting,
    e03_random_baseline,
    e04_perpendicularity,
    e05_on_off_attacks,
    e06_on_off_images,
    e07_autoencoder_tangent,
    e08_cling_dimple_highdim,
    e08i_cling_images,
    e09_adversarial_training,
    e09i_adversarial_training_images,
    e10_mislabeled_images,
    e11_mislabeled_oracle,
    e12_wallace_control,
    e13_adversarial_spheres,
    e14_input_gradient_penalty,
)
from dmm_edu.claims.core import (
    CLAIMS,
    PATTERN,
    PUBLISHED,
    Claim,
    check,
    experiments_for,
    get_claim,
    is_known,
    is_published,
    metric_value,
    names_in,
    provenance,
    published_provenance,
    register,
    resolve,
)
from dmm_edu.claims.seeds import (
    BOOK_SEEDS,
    INTERNAL_SEEDS,
    SEEDS_PATTERN,
    UNDECIDED,
    SeedCount,
    Spread,
    count_seeds,
    seeds_for,
    spread,
)

for _module in (e01_toy_boundaries, e05_on_off_attacks, e02_boundary_tilting, e03_random_baseline,
                e04_perpendicularity, e06_on_off_images, e07_autoencoder_tangent, e08_cling_dimple_highdim,
                e08i_cling_images, e09_adversarial_training, e09i_adversarial_training_images, e10_mislabeled_images,
                e11_mislabeled_oracle, e12_wallace_control, e13_adversarial_spheres,
                e14_input_gradient_penalty):
    register(_module.CLAIMS)

__all__ = ["BOOK_SEEDS", "CLAIMS", "INTERNAL_SEEDS", "PATTERN", "PUBLISHED", "SEEDS_PATTERN", "UNDECIDED", "Claim",
           "SeedCount", "Spread", "check", "count_seeds",
           "experiments_for", "get_claim", "is_known", "is_published", "metric_value", "names_in", "provenance",
           "published_provenance", "resolve", "seeds_for", "spread"]
