"""mkdocs hook: keep the labs (notebook pages) offline.

mkdocs-jupyter's notebook template loads MathJax 2 from a CDN, configures it inline, and carries
a module script that imports mermaid from a CDN when a notebook has diagrams. The book typesets
notebook pages with its vendored MathJax 3 (the config's processHtmlClass includes
"jupyter-wrapper") and has no mermaid in its labs, so this hook drops, from notebook pages only,
every <script> that loads from an http(s) URL, imports from one, or configures MathJax 2.
tests/test_book.py checks the whole site for remote scripts, stylesheets and fonts.
"""

from __future__ import annotations

import re

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
REMOTE_SRC = re.compile(r"\bsrc\s*=\s*[\"']https?://", re.IGNORECASE)
REMOTE_IMPORT = re.compile(r"import\(\s*[\"']https?://|\bMathJax\.Hub\b")


def _keep(match: re.Match) -> str:
    attrs, body = match.group(1), match.group(2)
    return "" if REMOTE_SRC.search(attrs) or REMOTE_IMPORT.search(body) else match.group(0)


def on_page_content(html: str, page, config, files) -> str:
    if getattr(page, "nb_url", None):  # set by mkdocs-jupyter on notebook pages only
        html = SCRIPT.sub(_keep, html)
    return html
