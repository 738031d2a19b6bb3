"""Tangent and normal spaces of data manifolds: projectors, tangent bases fixed at points (`Frames`, for
numpy and torch alike), the on-manifold fraction and every random baseline.

The autoencoder tangent spaces (`AutoencoderProjector`, `tangent_basis`, `decoder_jacobian`,
`orthonormal_basis`, in `dmm_edu.manifold.autoencoder`) need torch; they are imported on first use,
so `import dmm_edu.manifold` stays numpy-only.
"""

from dmm_edu.manifold.pca_images import explained_variance_curve, pca_k_for_variance
from dmm_edu.manifold.frames import Frames, frames_at, random_frame, tangent_part
from dmm_edu.manifold.measures import (
    baselines,
    on_fraction,
    random_baseline,
    random_d_off_over_d_free,
    random_d_off_over_d_on,
    random_d_on_over_d_free,
    random_on_mean,
    random_on_sd,
    sample_random_on_fraction,
)
from dmm_edu.manifold.projectors import (
    LocalPCAProjector,
    PCAProjector,
    PointwiseProjector,
    Projector,
    SubspaceProjector,
    pca_projector,
)

_TORCH_NAMES = ("AutoencoderProjector", "tangent_basis", "decoder_jacobian", "orthonormal_basis")

__all__ = [
    "Projector",
    "SubspaceProjector",
    "PCAProjector",
    "pca_projector",
    "LocalPCAProjector",
    "PointwiseProjector",
    "Frames",
    "frames_at",
    "random_frame",
    "tangent_part",
    "on_fraction",
    "random_baseline",
    "random_on_mean",
    "random_on_sd",
    "random_d_on_over_d_free",
    "random_d_off_over_d_free",
    "random_d_off_over_d_on",
    "baselines",
    "sample_random_on_fraction",
    "explained_variance_curve",
    "pca_k_for_variance",
    *_TORCH_NAMES,
]


def __getattr__(name: str):
    if name in _TORCH_NAMES:
        from dmm_edu.manifold import autoencoder

        return getattr(autoencoder, name)
    raise AttributeError(f"module 'dmm_edu.manifold' has no attribute {name!r}")
