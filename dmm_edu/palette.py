"""The book's colours, named by what they show: one palette for the figures (matplotlib) and the scenes (Manim).

A quantity has one colour wherever it is drawn: the on-manifold distance d_on is orange in a bar
chart, in a slice panel and in a scene; class 0 is sky blue in a figure and in a video. The hues
are Okabe & Ito's eight (2008), distinguishable with every common colour-vision deficiency. Only
ink and muted greys depend on the background: black on the figures' white paper, near-white on
the scenes' black (`*_ON_DARK`). Plain hex strings and nothing else, so importing this module
imports nothing: `dmm_edu.plots.style` turns them into matplotlib colours and colormaps,
`animations/_common.py` into Manim colours. Book page: "For lecturers".
"""

from __future__ import annotations

# --- Okabe & Ito's eight hues -------------------------------------------------------------------
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"  #: bluish green
PURPLE = "#CC79A7"  #: reddish purple
SKY = "#56B4E9"  #: sky blue
VERMILLION = "#D55E00"
YELLOW = "#F0E442"
BLACK = "#000000"
CYCLE = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK)  #: series without a role, in this order

# --- paper, ink and greys -------------------------------------------------------------------------
PAPER = "#FFFFFF"  #: the figures' background
INK = BLACK  #: text, edges, the decision boundary on the figures' white
INK_ON_DARK = "#F4F4F4"  #: the same on the scenes' black background
MUTED_ON_DARK = "#9A9A9A"  #: scenes: axes, frames, secondary text
NEUTRAL = "#888888"  #: a grey that reads on white and on black (the reference quantities below)
REFERENCE = "#4D4D4D"  #: figures: reference lines (1, y = x, T, closed forms)
ANNOTATION = "#595959"  #: figures: small annotations (accuracies written along a panel)
ZERO_LINE = "#B3B3B3"  #: figures: the axes x = 0 and y = 0 drawn inside a panel
GRID = "#E6E6E6"  #: figures: grid lines
MISSING = "#EBEBEB"  #: where no boundary crossing was found within ±s_max (hatched)
MISSING_EDGE = "#999999"  #: the hatching of MISSING
PUBLISHED = "#BFBFBF"  #: published numbers beside ours (hatched bars)

# --- quantities -----------------------------------------------------------------------------------
FREE, ON, OFF = BLUE, ORANGE, GREEN  #: the minimal perturbations: anywhere, in the tangent space, in the normal space
SPACES = {"d_free": FREE, "d_on": ON, "d_off": OFF}
BASELINE = NEUTRAL  #: the random-direction baseline √(k/n) (dashed)
MANIFOLD = NEUTRAL  #: the data manifold through a point (dashed)
GHOST = NEUTRAL  #: another network's boundary drawn for comparison (dashed)
BOUNDARY, BOUNDARY_ON_DARK = INK, INK_ON_DARK  #: the decision boundary
RANDOM = BLUE  #: random directions
GRADIENT = VERMILLION  #: the loss gradient of a network
MODELS = {"standard": BLUE, "adversarial": VERMILLION}  #: standard and adversarial training
SCALES = (BLACK, PURPLE, SKY, VERMILLION)  #: init scales c, largest first (the DMM regime is black)

# classes: the toys' labels 0 and 1 and the quadrant classes 0-3 of the slice worlds
CLASSES = (SKY, PURPLE, YELLOW, BLUE)

# the diverging scale of signed quantities (the boundary's height over the data, a signed pixel
# change): BELOW at -vmax, MID at 0, ABOVE at +vmax, linear in between
BELOW, MID, ABOVE = BLUE, INK_ON_DARK, VERMILLION
DIVERGING = (BELOW, MID, ABOVE)
DIVERGING_NAME = "dmm_diverging"  #: the matplotlib colormap made from DIVERGING


def class_colour(label: int) -> str:
    """The colour of class `label`: CLASSES for 0-3, then the cycle."""
    label = int(label)
    return CLASSES[label] if 0 <= label < len(CLASSES) else CYCLE[label % len(CYCLE)]


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    """'#RRGGBB' as (r, g, b) in [0, 1]."""
    h = colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"colour={colour!r} is not accepted; expected '#RRGGBB'")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def diverging_rgb(t) -> "np.ndarray":  # noqa: F821  (numpy is imported inside)
    """The diverging scale at t in [-1, 1] (clipped): MID at 0, BELOW at -1, ABOVE at +1, linear between.

    t: a number or a numpy array (...,); returns (3,) or (..., 3) RGB in [0, 1]. The figures'
    colormap (dmm_edu.plots.style.DIVERGING_CMAP) is the same three stops.
    """
    import numpy as np

    t = np.clip(np.asarray(t, dtype=float), -1.0, 1.0)[..., None]  # (..., 1)
    lo, mid, hi = (np.array(hex_to_rgb(c)) for c in DIVERGING)  # (3,) each: BELOW, MID, ABOVE
    return mid + np.abs(t) * (np.where(t < 0, lo, hi) - mid)  # (..., 3)
