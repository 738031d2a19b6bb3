"""mkdocs hook: lecture animations in the book, with a static fallback so the build never needs manim.

`{{ video("clinging_3d") }}` on a page (not inside `inline code`) becomes an HTML5 <video controls> (its poster frame shown
before playing) when docs/figures/generated/videos/clinging_3d.mp4 exists and its sidecar names
the same result the book quotes (same content hash); else the poster alone if only that was
rendered; else the scene's static figure from dmm_edu.plots (e.g. the E1 snapshots) with a
caption that says how to render the video. With $DMM_EDU_BOOK_VIDEOS set to a quality ("low",
"medium", "high", "4k"), on_pre_build renders the missing or stale videos first (slow; needs
manim). The logic lives in dmm_edu.animate; this file only wires it into mkdocs.
"""

from __future__ import annotations

import html
import logging
import os
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

PATTERN = re.compile(r"(?<!`)\{\{\s*video\(\s*[\"']([\w-]+)[\"']\s*\)\s*\}\}")
RENDER_ENV = "DMM_EDU_BOOK_VIDEOS"
FIGURES = "figures/generated"
VIDEOS = "figures/generated/videos"

log = logging.getLogger("mkdocs.hooks.videos")
_hashes: dict[str, str] = {}  # experiment -> content hash of the result the book quotes


def on_pre_build(config) -> None:
    from dmm_edu import animate, book

    _hashes.clear()
    quality = os.environ.get(RENDER_ENV, "").strip()
    if quality:
        if quality not in animate.QUALITIES:
            raise PluginError(f"{RENDER_ENV}={quality!r} is not accepted; expected one of {list(animate.QUALITIES)}")
        animate.book_videos(config["docs_dir"], book.book_profile(), quality, progress=log.info)
    videos = Path(config["docs_dir"]) / VIDEOS
    if any(videos.glob("*.mp4")) or any(videos.glob("*.png")):  # only then is the book's result needed here
        for experiment, result in book.config_results(config).items():
            _hashes[experiment] = result.content_hash()


def _state(name: str, docs_dir: str) -> tuple[str, str | None]:
    """("video" | "poster" | "figure", sidecar record or None) for scene `name`."""
    from dmm_edu import animate

    spec = animate.SCENES[name]
    folder = Path(docs_dir) / VIDEOS
    for kind, path in (("video", folder / f"{name}.mp4"), ("poster", folder / f"{name}.png")):
        record = animate.read_sidecar(path)
        if path.is_file() and record and record.get("content_hash") == _hashes.get(spec.experiment):
            return kind, record
        if path.is_file():
            log.info(f"video {name!r}: {path.name} was drawn from another result than the book's; not shown")
    return "figure", None


def _markup(name: str, page, config) -> str:
    from dmm_edu import animate

    if name not in animate.SCENES:
        raise PluginError(f"{page.file.src_uri}: unknown video {name!r}; known: {sorted(animate.SCENES)}")
    spec = animate.SCENES[name]
    kind, record = _state(name, config["docs_dir"])
    caption = html.escape(spec.title)
    if kind == "figure":  # a markdown image: mkdocs checks and rewrites the link
        src = posixpath.relpath(f"{FIGURES}/{spec.fallback}", posixpath.dirname(page.file.src_uri) or ".")
        return (f"![{caption}]({src}){{ .dmm-figure }}\n\n*{caption}. The animation of this figure is not "
                f"rendered in this build: `dmm-edu animate {name}` renders it (see the lecturers' page).*\n")
    url = page.url if page.url.endswith("/") or not page.url else posixpath.dirname(page.url)
    base = posixpath.relpath(VIDEOS, url or ".")  # raw HTML links are not rewritten: relative to the page URL
    prov = (f"{record['experiment']} · profile {record['profile']} · seed {record['seed']} · "
            f"result {record['content_hash'][:8]} · {record['duration_s']:g} s")
    if kind == "video":
        body = (f'<video controls preload="none" width="100%" poster="{base}/{name}.png">'
                f'<source src="{base}/{name}.mp4" type="video/mp4">'
                f'<img src="{base}/{name}.png" alt="{caption}"></video>')
    else:
        body = f'<img src="{base}/{name}.png" alt="{caption}">'
    return (f'<figure class="dmm-video" markdown="0">{body}'
            f"<figcaption>{caption} <small>({html.escape(prov)})</small></figcaption></figure>\n")


def on_page_markdown(markdown: str, page, config, files) -> str:
    def replace(m: re.Match) -> str:
        line_start = markdown.rfind("\n", 0, m.start()) + 1
        indent = markdown[line_start : m.start()]  # inside an admonition or a list: keep its indentation
        text = _markup(m.group(1), page, config)
        if indent.strip():
            return text
        return text.rstrip("\n").replace("\n", "\n" + indent) + "\n"

    return PATTERN.sub(replace, markdown)
