"""mkdocs hook: numbers, figures and the reproducibility appendix, all drawn from saved results.

on_pre_build loads (or computes, via run_cached) the results the book uses at the profile in
$DMM_EDU_BOOK_PROFILE and draws their figures into docs/figures/generated/. on_page_markdown
replaces `{{ claim("NAME") }}` with the claim's value, linked to the appendix entry of the run that
made it (the link's tooltip names experiment, profile, seed and code hash), and
`{{ reproducibility() }}` with the appendix table. An unknown claim or a NaN metric fails the build.
The logic lives in dmm_edu.book and dmm_edu.claims; this file only wires it into mkdocs.
"""

from __future__ import annotations

import posixpath
import re

from mkdocs.exceptions import PluginError

from dmm_edu import book, claims

REPRODUCIBILITY = re.compile(r"\{\{\s*reproducibility\(\s*\)\s*\}\}")
APPENDIX = "appendix/reproducibility.md"

_results: dict = {}


def on_pre_build(config) -> None:
    try:
        _results.clear()
        _results.update(book.book_results())
        book.draw_figures(_results, config["docs_dir"])
    except (ValueError, KeyError, FileNotFoundError) as err:
        raise PluginError(f"dmm_edu book: could not prepare results and figures: {err}") from err


def _claim_markup(name: str, page) -> str:
    try:
        _, text, prov = claims.resolve(name, _results)
    except KeyError as err:
        raise PluginError(f"{page.file.src_uri}: unknown claim {name!r}: {err.args[0]}") from None
    except ValueError as err:
        raise PluginError(f"{page.file.src_uri}: claim {name!r} cannot be quoted: {err}") from None
    link = posixpath.relpath(APPENDIX, posixpath.dirname(page.file.src_uri) or ".")
    title = (f"{prov['experiment']} {prov['metric']} · profile {prov['profile']} · seed {prov['seed']}"
             f" · code {prov['code_hash'][:8]}")
    return f'[{text}]({link}#{prov["experiment"].lower()} "{title}"){{ .dmm-claim }}'


def on_page_markdown(markdown: str, page, config, files) -> str:
    markdown = claims.PATTERN.sub(lambda m: _claim_markup(m.group(1), page), markdown)
    if REPRODUCIBILITY.search(markdown):
        try:
            table = book.reproducibility_markdown(_results)
        except (KeyError, ValueError) as err:
            raise PluginError(f"{page.file.src_uri}: reproducibility table: {err}") from err
        markdown = REPRODUCIBILITY.sub(lambda m: table, markdown)
    return markdown
