"""Tangent and normal spaces of data manifolds: projectors and the on-manifold fraction."""

from dmm_edu.manifold.measures import on_fraction, random_baseline, sample_random_on_fraction
from dmm_edu.manifold.projectors import (
    LocalPCAProjector,
    PCAProjector,
    PointwiseProjector,
    Projector,
    SubspaceProjector,
    pca_projector,
)

__all__ = [
    "Projector",
    "SubspaceProjector",
    "PCAProjector",
    "pca_projector",
    "LocalPCAProjector",
    "PointwiseProjector",
    "on_fraction",
    "random_baseline",
    "sample_random_on_fraction",
]
