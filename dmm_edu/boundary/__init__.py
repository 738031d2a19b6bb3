"""Measuring the decision boundary against the data manifold.

A binary classifier is seen through its score s (s = f for one logit, z_1 - z_0 for two), whose
zero level set is the boundary. `crossings` finds where lines cross it, `height` turns that into
the height field of the boundary sheet over a flat manifold, `margins` measures normal and
in-manifold margins of the training points, and `cling` condenses all this into the book's
measures: cling, alternation and the boundary-manifold angle. `slices` draws the exact 2-D slice
of the decision function through a point (the lecture scenes' pictures). `distances` is the
book's central measurement for any classifier, numpy or torch: the minimal distance to the
boundary anywhere, along the manifold and across it (d_free, d_on, d_off), under one vocabulary.
Importing the package needs numpy only; torch is used when a torch model is measured.
Book pages: "Clinging and dimpling on a toy", "boundary".
"""

from dmm_edu.boundary.cling import (
    BoundaryAngles,
    ClingResult,
    alternation,
    angle_to_manifold,
    boundary_manifold_angles,
    cling,
)
from dmm_edu.boundary.crossings import Crossings, crossings_along_lines, nearest_crossing
from dmm_edu.boundary.distances import Distances, distances_from, gradient_on_fraction, minimal_distances
from dmm_edu.boundary.height import (
    FlatManifold,
    HeightSurface,
    flat_manifold,
    height_field,
    height_surface,
    manifold_grid,
)
from dmm_edu.boundary.margins import (
    Margin,
    in_manifold_margin,
    nearest_other_label_distance,
    normal_margin,
    tangent_directions,
)
from dmm_edu.boundary.score import score_function, score_gradient
from dmm_edu.boundary.slices import (
    LogitSlice,
    logit_slice,
    margin_function,
    ray_crossing,
    slice_plane,
    slice_planes,
    slice_stack,
)

__all__ = [
    "BoundaryAngles", "ClingResult", "Crossings", "Distances", "FlatManifold", "HeightSurface", "LogitSlice",
    "Margin", "alternation", "angle_to_manifold", "boundary_manifold_angles", "cling",
    "crossings_along_lines", "distances_from", "flat_manifold", "gradient_on_fraction", "height_field", "height_surface", "in_manifold_margin",
    "logit_slice", "manifold_grid", "margin_function", "minimal_distances", "nearest_crossing",
    "nearest_other_label_distance", "normal_margin", "ray_crossing", "score_function", "score_gradient",
    "slice_plane", "slice_planes", "slice_stack", "tangent_directions",
]
