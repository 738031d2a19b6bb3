"""mkdocs hook: the labs (notebook pages), executed only when their inputs changed, and kept offline.

Executing. on_pre_build executes each lab docs/labs/NAME.py (a jupytext script) into NAME.ipynb
in the dmm_edu cache folder, unless a notebook executed from the same lab text, profile, results
and dmm_edu code is already there (`dmm_edu.book_cache.prepare_labs`); on_files adds those
notebooks to the site as labs/NAME.ipynb (nothing is written into docs/), so mkdocs-jupyter
renders them as they are (`execute: false`) at labs/NAME/. The jupytext source is published
beside the page (labs/NAME/NAME.py), and the page offers both for download, under its title.

Offline. mkdocs-jupyter's notebook template loads MathJax 2 from a CDN, configures it inline, and
carries a module script that imports mermaid from a CDN when a notebook has diagrams. The book
typesets notebook pages with its vendored MathJax 3 (the config's processHtmlClass includes
"jupyter-wrapper") and has no mermaid in its labs, so this hook drops, from notebook pages only,
every <script> that loads from an http(s) URL, imports from one, or configures MathJax 2.
tests/test_book.py checks the whole site for remote scripts, stylesheets and fonts.
"""

from __future__ import annotations

import html
import logging
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
REMOTE_SRC = re.compile(r"\bsrc\s*=\s*[\"']https?://", re.IGNORECASE)
REMOTE_IMPORT = re.compile(r"import\(\s*[\"']https?://|\bMathJax\.Hub\b")
FIRST_H1 = re.compile(r"</h1>", re.IGNORECASE)
LABS = "labs"

log = logging.getLogger("mkdocs.hooks.notebooks")
_notebooks: dict[str, Path] = {}  # lab name -> its executed notebook in the cache folder


def on_pre_build(config) -> None:
    from dmm_edu import book, book_cache

    _notebooks.clear()
    try:
        results = book.config_results(config)
        _notebooks.update(book_cache.prepare_labs(config["docs_dir"], book.lab_profile(), results,
                                                  progress=log.info))
    except book_cache.LabError as err:
        raise PluginError(f"dmm_edu book: {err}") from err


@event_priority(50)  # before mkdocs-jupyter's on_files, which turns the notebooks into pages
def on_files(files, config):
    page_dir = posixpath.join(LABS, "{name}") if config["use_directory_urls"] else LABS
    for name, notebook in _notebooks.items():
        entry = notebook.parent.parent  # laid out like docs/: labs/NAME.ipynb (book_cache.notebook_path)
        files.append(File(f"{LABS}/{name}.ipynb", str(entry), config["site_dir"], config["use_directory_urls"]))
        source = files.get_file_from_path(f"{LABS}/{name}.py")
        if source is not None:  # published beside the page, where its download link points
            files.remove(source)
            files.append(File(source.src_uri, source.src_dir, config["site_dir"], config["use_directory_urls"],
                              dest_uri=posixpath.join(page_dir.format(name=name), f"{name}.py")))
    return files


def _keep(match: re.Match) -> str:
    attrs, body = match.group(1), match.group(2)
    return "" if REMOTE_SRC.search(attrs) or REMOTE_IMPORT.search(body) else match.group(0)


def _downloads(name: str) -> str:
    nb, py = html.escape(f"{name}.ipynb"), html.escape(f"{name}.py")
    return (f'<p class="dmm-lab-downloads">Download this lab: <a href="{nb}" download>{nb}</a> (a notebook, '
            f'executed as shown on this page) or <a href="{py}" download>{py}</a> (the same lab as a script: '
            f"run it with python, or open it in Jupyter with jupytext).</p>")


def on_page_content(html_text: str, page, config, files) -> str:
    if getattr(page, "nb_url", None):  # set by mkdocs-jupyter on notebook pages only
        html_text = SCRIPT.sub(_keep, html_text)
        name = posixpath.splitext(posixpath.basename(page.file.src_uri))[0]
        if name in _notebooks:
            links = _downloads(name)
            html_text, found = FIRST_H1.subn(lambda m: m.group(0) + links, html_text, count=1)
            if not found:
                html_text = links + html_text
    return html_text
