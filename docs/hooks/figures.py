"""mkdocs hook: the book's figures as numbered <figure>s, legible at every width, in both colour schemes.

A chapter embeds a figure as one image line and an italic caption paragraph:

    ![alt](../figures/generated/E1-cling.png){ .dmm-figure }

    *Cling over training …*

- Numbers: on_nav numbers the figures of the chapters of "The story" per chapter, in the nav's
  order: the second figure of the third chapter is "Figure 3.2" (a figure's first appearance in a
  chapter's source counts; a repeat, or a figure outside the story, is shown unnumbered).
- `{{ figref("E1-cling") }}` anywhere in the book becomes "Figure 3.2", linked to the figure (on
  its page or another); an unknown figure fails the build, naming it.
- on_page_content turns the image and its caption into <figure id="fig-E1-cling"> with a
  <figcaption>, adds the dark variant (E1-cling.dark.png, drawn by dmm_edu.plots.theme) shown
  only in the slate scheme (material's `#only-light` / `#only-dark`: the palette toggle and the
  reader's OS preference both work), and sizes the image from what the figure's stamp records
  (dmm_edu.book_cache; else the PNG's own metadata): its width is the book's scale (a figure's MIN_FONT_PT text as tall as the
  caption, `style.legible_width_px`), at most the column, and at least its own legible width, inside
  a box that scrolls sideways. On a 390 px phone the text stays at caption size and the reader
  scrolls; on a desktop a book figure (at most 6.6 in) fits the column.
- Click-to-zoom is mkdocs-glightbox's (manual mode: only the images this hook marks `on-glb`).

Runs before glightbox's on_page_content (priority), after claims.py has drawn the figures.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.nav import Section

STORY = "The story"  #: the nav section whose chapters are numbered
FIGURES = "figures/generated"  #: under docs_dir (dmm_edu.book.FIGURES_DIR)
ROOT_PX = 20.0  #: mkdocs-material's rem (html font-size 125 %): widths in rem scale with the caption
SOURCE_FIGURE = re.compile(r"!\[[^\]]*\]\([^)\s]*?figures/generated/([\w.-]+?)\.png\)\{[^}]*\.dmm-figure\b[^}]*\}")
FIGREF = re.compile(r"(?<!`)\{\{\s*figref\(\s*[\"']([\w.-]+)[\"']\s*\)\s*\}\}")
HTML_FIGURE = re.compile(
    r"<p>\s*(?P<img><img\b[^>]*\bclass=\"[^\"]*\bdmm-figure\b[^\"]*\"[^>]*>)\s*</p>"
    r"(?:\s*<p><em>(?P<caption>(?:(?!</p>).)*?)</em></p>)?", re.S)
SRC = re.compile(r"\bsrc=\"([^\"]+)\"")

log = logging.getLogger("mkdocs.hooks.figures")


@dataclass(frozen=True)
class Numbered:
    label: str  #: "Figure 3.2"
    src_uri: str  #: the chapter that shows it, e.g. chapters/clinging.md


_numbers: dict[str, Numbered] = {}  # figure id -> its number and page
_records: dict[str, dict] = {}  # file name -> {"width_in", "min_font_pt", "dpi"} from the stamps


def on_pre_build(config) -> None:
    _records.clear()


def on_nav(nav, config, files):
    _numbers.clear()
    story = next((item for item in nav.items if isinstance(item, Section) and item.title == STORY), None)
    if story is None:
        raise PluginError(f"figures hook: the nav has no section {STORY!r}, whose chapters number the figures")
    chapters = [item for item in story.children if getattr(item, "file", None) is not None]
    for chapter_no, page in enumerate(chapters, start=1):
        seen: list[str] = []
        for m in SOURCE_FIGURE.finditer(page.file.content_string):
            figure = m.group(1)
            if figure not in seen and figure not in _numbers:
                seen.append(figure)
                _numbers[figure] = Numbered(f"Figure {chapter_no}.{len(seen)}", page.file.src_uri)
    return nav


def numbers() -> dict[str, str]:
    """{figure id: "Figure c.k"} of this build (for tests and the other hooks)."""
    return {figure: n.label for figure, n in _numbers.items()}


def _figref(figure: str, page) -> str:
    target = _numbers.get(figure)
    if target is None:
        raise PluginError(f"{page.file.src_uri}: figref({figure!r}) names no numbered figure; the chapters of "
                          f"{STORY!r} show: {sorted(_numbers)}")
    if target.src_uri == page.file.src_uri:
        link = f"#fig-{figure}"
    else:
        link = posixpath.relpath(target.src_uri, posixpath.dirname(page.file.src_uri) or ".") + f"#fig-{figure}"
    return f"[{target.label}]({link}){{ .dmm-figref }}"


def on_page_markdown(markdown: str, page, config, files) -> str:
    return FIGREF.sub(lambda m: _figref(m.group(1), page), markdown)


def _record(name: str, docs_dir: str) -> dict | None:
    if not _records:
        for stamp in (Path(docs_dir) / FIGURES).glob(".*.stamp.json"):
            try:
                _records.update(json.loads(stamp.read_text(encoding="utf-8")).get("figures", {}))
            except (OSError, ValueError, AttributeError):
                continue  # a stamp this code did not write: its figures are redrawn by the next build
    if name not in _records:  # no stamp (another build is redrawing): the PNG carries the same record
        _records[name] = _png_record(Path(docs_dir) / FIGURES / name)
    return _records[name]


def _png_record(path: Path) -> dict | None:
    """The record dmm_edu.plots.save_figures wrote into the PNG's text metadata, or None."""
    from PIL import Image

    try:
        with Image.open(path) as png:
            text = {k.removeprefix("dmm_edu."): v for k, v in png.text.items() if k.startswith("dmm_edu.")}
        return {"width_in": float(text["width_in"]), "dpi": float(text["dpi"]),
                "min_font_pt": float(text["min_font_pt"]) if text.get("min_font_pt") not in (None, "None") else None}
    except (OSError, KeyError, ValueError, AttributeError):
        return None


def _style(record: dict) -> str:
    """Width at the book's scale, at most the column, at least the figure's own legible width (rem)."""
    from dmm_edu.plots import style

    width = style.legible_width_px(record["width_in"], style.MIN_FONT_PT) / ROOT_PX
    css = f"width:{width:.2f}rem"
    if record.get("min_font_pt"):
        css += f";min-width:{style.legible_width_px(record['width_in'], record['min_font_pt']) / ROOT_PX:.2f}rem"
    return css


def _figure(m: re.Match, page, docs_dir: str, shown: set, anchored: list) -> str:
    img, caption = m.group("img"), m.group("caption")
    src = SRC.search(img).group(1)
    name = posixpath.basename(src.split("#")[0])
    figure = name.removesuffix(".png")
    record = _record(name, docs_dir)
    if record is None:
        raise PluginError(f"{page.file.src_uri}: figure {name} has no recorded width and font size; the book "
                          f"draws its figures with `dmm-edu book build` (dmm_edu.book.draw_figures)")
    numbered = _numbers.get(figure)
    number = numbered.label if numbered and numbered.src_uri == page.file.src_uri and figure not in shown else None
    shown.add(figure)
    if number:
        anchored.append(f"fig-{figure}")
    img = re.sub(r"\s*/?>$", ">", img.replace('class="', 'class="on-glb ', 1))
    img = img.replace("<img ", f'<img style="{_style(record)}" ', 1)
    images = img
    if (Path(docs_dir) / FIGURES / f"{figure}.dark.png").is_file():
        dark_src = src.split("#")[0].removesuffix(".png") + ".dark.png"
        images = (img.replace(f'src="{src}"', f'src="{src.split("#")[0]}#only-light"') + "\n"
                  + img.replace(f'src="{src}"', f'src="{dark_src}#only-dark"'))
    anchor = f' id="fig-{figure}"' if number else ""
    data = (f' data-figure="{html_lib.escape(figure)}" data-width-in="{record["width_in"]}"'
            f' data-min-font-pt="{record.get("min_font_pt") or ""}" data-dpi="{record["dpi"]}"')
    label = f'<span class="dmm-figure-number">{number}.</span> ' if number else ""
    label_text = number or "Figure"
    body = f"<figcaption>{label}{caption}</figcaption>" if caption or number else ""
    return (f'<figure class="dmm-figure-box"{anchor}{data}>\n'
            f'<div class="dmm-figure-scroll" tabindex="0" role="region" aria-label="{label_text} (scrolls sideways)">\n'
            f"{images}\n</div>\n{body}\n</figure>")


@event_priority(50)  # before mkdocs-glightbox (0) wraps the images it finds marked on-glb
def on_page_content(html: str, page, config, files) -> str:
    if "dmm-figure" not in html:
        return html
    shown: set = set()
    anchored: list = []
    out = HTML_FIGURE.sub(lambda m: _figure(m, page, config["docs_dir"], shown, anchored), html)
    if page.present_anchor_ids is not None:  # mkdocs checks links to these anchors after every page is rendered
        page.present_anchor_ids.update(anchored)
    return out
