"""A lecture scene as a manim-slides deck: one slide per beat, the beat's note as the slide's speaker note.

`as_slide(scene_cls)` puts manim-slides' `Slide` (and `Manim022Slide`, which makes it work with
manim 0.22) in front of a scene class, so every `beat()` (a `wait`, then `next_slide`) ends a slide.
manim-slides 5.7 was written against manim 0.19, and two of its lines fail with manim 0.22:
`Slide.__init__` sets `config["write_to_movie"]`, which 0.22 no longer has (AttributeError), and
`Slide.render` sets `config["max_files_cached"] = inf`, which 0.22 refuses (ValueError; it wants an
int, -1 for no limit). `Manim022Slide` replaces those two methods and changes nothing else.
It also makes a beat's note belong to the slide the beat ends (manim-slides gives `next_slide(notes=…)`
to the slide that starts there), so the note speaks about the picture held on screen.
Needs the `slides` extra (manim-slides). Book page: "Lecture kit".
"""

from __future__ import annotations

from pathlib import Path

from manim import config
from manim_slides.slide import Slide
from manim_slides.slide.base import BaseSlide


class Manim022Slide:
    """Placed before `Slide` in the bases: manim-slides' Slide under manim 0.22 (see the module docstring)."""

    def __init__(self, *args, output_folder: Path, **kwargs) -> None:
        BaseSlide.__init__(self, *args, output_folder=Path(output_folder), **kwargs)  # skips Slide.__init__

    def render(self, *args, **kwargs) -> None:
        """Render the scene, then save each slide's video and the deck's JSON (what Slide.render does)."""
        kept = config.max_files_cached
        config.max_files_cached = -1  # every partial movie is kept: the slides are cut from them
        try:
            super(Slide, self).render(*args, **kwargs)  # the scene's own render, past Slide.render
        finally:
            config.max_files_cached = kept
        self._save_slides(use_cache=False, flush_cache=False, skip_reversing=True)

    def next_slide(self, *args, notes: str = "", **kwargs) -> None:
        """End the current slide here with `notes` as its speaker note."""
        self._base_slide_config = self._base_slide_config.model_copy(update={"notes": notes})
        super().next_slide(*args, **kwargs)


def as_slide(scene_cls: type) -> type:
    """A subclass of `scene_cls` that renders as a deck (construct `cls(output_folder=DIR)`)."""
    return type(scene_cls.__name__, (Manim022Slide, Slide, scene_cls), {})
