"""The book's figures for a dark page: one recolouring applied to any drawn Figure.

The book's site has a light scheme and mkdocs-material's dark "slate" scheme; a figure drawn on
white paper is an opaque white slab on the slate page. `to_dark(fig)` turns a finished figure into
its dark variant instead of every figure function drawing twice: the paper (figure, axes, legend
frames) takes the slate page's background, and the ink (text, spines, ticks, grid, reference
lines, hatching) turns light, so the figure reads as part of the page. Only *neutral* colours
move (greys, black, white: their lightness is mirrored between the slate background and the
page's light text); the palette's hues are kept, so a quantity keeps its colour in both schemes.
Pictures keep every colour: images (digits, signed pixel changes) and colour-mapped meshes show
data through their colours. Light text (white on a coloured patch) stays light.

The slate colours are material's own definition, `hsl(232, 15%, 14%)` for the background (hue
232 is its default `--md-hue`); the light ink is the palette's `INK_ON_DARK`, as in the scenes.
"""

from __future__ import annotations

import colorsys

from matplotlib.collections import Collection
from matplotlib.colors import ListedColormap, to_rgba
from matplotlib.contour import ContourSet
from matplotlib.image import AxesImage, FigureImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from dmm_edu import palette

SLATE_HUE, SLATE_SATURATION, SLATE_LIGHTNESS = 232 / 360, 0.15, 0.14  #: mkdocs-material's slate background
SLATE_BACKGROUND = colorsys.hls_to_rgb(SLATE_HUE, SLATE_LIGHTNESS, SLATE_SATURATION)  #: RGB in 0..1
DARK_INK = to_rgba(palette.INK_ON_DARK)[:3]  #: text and lines on the slate page
NEUTRAL_SPREAD = 0.12  #: a colour whose channels differ by less than this is a grey (moved); others are hues (kept)


def dark_colour(colour, *, keep_light: bool = False):
    """`colour` for the slate page, as an RGBA tuple: a grey of lightness L (0 black .. 1 white)
    becomes the point L of the way from the light ink to the slate background (white paper turns
    into the page, black ink into light ink); a hue is returned unchanged. keep_light: a light grey
    (L > 0.5) is kept as well (light text on a coloured patch)."""
    r, g, b, a = to_rgba(colour)
    if max(r, g, b) - min(r, g, b) >= NEUTRAL_SPREAD:
        return (r, g, b, a)
    lightness = (r + g + b) / 3
    if keep_light and lightness > 0.5:
        return (r, g, b, a)
    mixed = [ink + (bg - ink) * lightness for ink, bg in zip(DARK_INK, SLATE_BACKGROUND)]
    return (*mixed, a)


def _dark_array(colours):
    return [dark_colour(c) for c in colours]


def _recolour_line(line: Line2D) -> None:
    line.set_color(dark_colour(line.get_color()))
    for getter, setter in (("get_markerfacecolor", "set_markerfacecolor"),
                           ("get_markeredgecolor", "set_markeredgecolor")):
        value = getattr(line, getter)()
        if not (isinstance(value, str) and value == "none"):
            getattr(line, setter)(dark_colour(value))


def _recolour_patch(patch: Patch) -> None:
    patch.set_facecolor(dark_colour(patch.get_facecolor()))
    patch.set_edgecolor(dark_colour(patch.get_edgecolor()))
    if hasattr(patch, "get_hatchcolor"):  # matplotlib >= 3.10: the hatching has a colour of its own
        patch.set_hatchcolor(dark_colour(patch.get_hatchcolor()))


def _recolour_collection(collection: Collection) -> None:
    if isinstance(collection, ContourSet) and collection.colors is not None:
        # contours drawn in fixed colours (a boundary line, a shaded class region) are ink, not
        # data: matplotlib keeps those colours as a listed colormap, recoloured here
        collection.set_cmap(ListedColormap([dark_colour(c) for c in collection.get_cmap().colors]))
        return
    if collection.get_array() is not None:
        return  # colour-mapped: its colours are data
    faces, edges = collection.get_facecolor(), collection.get_edgecolor()
    if len(faces):
        collection.set_facecolor(_dark_array(faces))
    if len(edges):
        collection.set_edgecolor(_dark_array(edges))
    if hasattr(collection, "get_hatchcolor") and len(collection.get_hatchcolor()):
        collection.set_hatchcolor(_dark_array(collection.get_hatchcolor()))


def _recolour_ticks(fig) -> None:
    """Ticks are made lazily when drawn: set the colours every tick of an axis, present or future, takes."""
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            if not ticks:
                continue
            tick = ticks[0]
            ax.tick_params(axis=name, which="both", color=dark_colour(tick.tick1line.get_markeredgecolor()),
                           labelcolor=dark_colour(tick.label1.get_color(), keep_light=True),
                           grid_color=dark_colour(tick.gridline.get_color()))


def to_dark(fig):
    """Recolour the drawn Figure `fig` in place for the slate page; returns it.

    Call it after the figure is complete (every artist drawn), before saving; the figure is not
    meant to be saved in the light scheme afterwards (draw it again for that).
    """
    _recolour_ticks(fig)
    for artist in fig.findobj():
        if isinstance(artist, (AxesImage, FigureImage)):
            continue
        if isinstance(artist, Text):
            artist.set_color(dark_colour(artist.get_color(), keep_light=True))
        elif isinstance(artist, Line2D):
            _recolour_line(artist)
        elif isinstance(artist, Patch):
            _recolour_patch(artist)
        elif isinstance(artist, Collection):
            _recolour_collection(artist)
    return fig


THEMES = {"light": None, "dark": to_dark}  #: each theme's recolouring (None: as drawn)
SUFFIXES = {"light": "", "dark": ".dark"}  #: E1-cling.png, E1-cling.dark.png
