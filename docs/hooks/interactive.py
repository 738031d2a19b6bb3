"""mkdocs hook: the book's interactive figures, drawn in the browser from the saved results.

`{{ interactive("E1-scrub") }}` in a chapter becomes a <div class="dmm-interactive"> that
docs/assets/interactive/core.js and the figure's own script fill with controls and canvases,
followed by the figure's data script (docs/interactive/generated/E1-scrub.js, exported by
`dmm_edu.interactive.export` from the same results the static figures are drawn from, only when
they or the export code changed). The data script's URL carries its content hash, so a browser
never shows a stale copy after a rebuild. Without JavaScript (and in print) the div shows a note
pointing at the static figure that shows the same runs. An unknown name fails the build.
Runs before figures.py, which resolves the note's figref.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from dmm_edu import book, interactive

GENERATED = "interactive/generated"  #: under docs_dir; gitignored
PATTERN = re.compile(r"(?<!`)\{\{\s*interactive\(\s*[\"']([\w.-]+)[\"']\s*\)\s*\}\}")

log = logging.getLogger("mkdocs.hooks.interactive")
_digests: dict[str, str] = {}


def on_pre_build(config) -> None:
    folder = Path(config["docs_dir"]) / GENERATED
    try:
        written = interactive.export(book.config_results(config), folder)
    except (KeyError, ValueError) as err:
        raise PluginError(f"dmm_edu book: could not export the interactive figures: {err}") from err
    if written:
        log.info(f"interactive figures exported: {', '.join(written)} (the others are current)")
    _digests.clear()
    for path in folder.glob("*.js"):
        _digests[path.stem] = interactive.digest(path.read_text(encoding="utf-8"))


def _markup(name: str, page) -> str:
    figures = interactive.figures()
    if name not in figures or name not in _digests:
        raise PluginError(f"{page.file.src_uri}: interactive({name!r}) names no interactive figure; known: "
                          f"{sorted(figures)}")
    figure = figures[name]
    url = page.url or ""  # the page's own folder on the site ("chapters/clinging/"), not its source's
    here = (url.rstrip("/") if url.endswith("/") else posixpath.dirname(url)) or "."
    src = posixpath.relpath(f"{GENERATED}/{name}.js", here) + f"?v={_digests[name]}"
    title = html.escape(figure.title)
    return (f'<div class="dmm-interactive" id="int-{name}" data-name="{name}" role="group" aria-label="Interactive figure: {title}" '
            f'markdown="1">\n\n'
            f'**Interactive.** {title}\n{{: .dmm-int-title }}\n\n'
            f'This figure is drawn by JavaScript in your browser; {{{{ figref("{figure.static}") }}}} shows the '
            f'same runs.\n{{: .dmm-int-nojs }}\n\n'
            f'</div>\n<script src="{src}"></script>\n')


def on_page_markdown(markdown: str, page, config, files) -> str:
    return PATTERN.sub(lambda m: _markup(m.group(1), page), markdown)
