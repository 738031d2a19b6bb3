"""What a reader sees under a lab's cells: no warning, no traceback, no path of the machine that built it.

The labs (docs/labs/*.py) are read as the smoke-profile site offers them for download, executed by its
build as every book build executes them (`dmm_edu.book_cache.prepare_labs`: a kernel per lab with the
book's thread policy); every output of every code cell is then read. A lab fails if a cell wrote to
stderr (a warning such as tqdm's "IProgress not found" lands there), if an output shows a Python
warning or traceback, or if any output names an absolute path of the build machine (a home folder,
/tmp, /work, /root, site-packages).
The reading functions are checked on hand-made notebooks that contain each defect (negative controls).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "docs" / "labs").glob("*.py"))
MACHINE_PATH = re.compile(r"(?<![\w.])(?:/home/|/tmp/|/work/|/root/|/Users/|[A-Za-z]:\\Users\\)|site-packages")
WARNING = re.compile(r"\b\w*Warning: |^Traceback \(most recent call last\)", re.M)  # how Python prints them


def output_texts(output: dict) -> list[str]:
    """Every text a reader can see in one cell output: stream text, a traceback, text and HTML/markdown data."""
    if output.get("output_type") == "stream":
        return [output.get("text", "")]
    if output.get("output_type") == "error":
        return [f"{output.get('ename')}: {output.get('evalue')}", *output.get("traceback", [])]
    data = output.get("data", {})
    return [data[kind] if isinstance(data[kind], str) else "".join(data[kind])
            for kind in ("text/plain", "text/html", "text/markdown", "text/latex") if kind in data]


def problems(nb) -> list[str]:
    """What is wrong with a notebook's outputs, one line per defect found (empty: nothing)."""
    found = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            where = f"cell {number}"
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found.append(f"{where}: writes to stderr: {output.get('text', '')[:200]!r}")
            if output.get("output_type") == "error":
                found.append(f"{where}: raised {output.get('ename')}")
            for text in output_texts(output):
                if m := WARNING.search(text):
                    found.append(f"{where}: shows a warning or traceback: {text[max(m.start() - 80, 0):m.end() + 80]!r}")
                if m := MACHINE_PATH.search(text):
                    found.append(f"{where}: shows a machine path: {text[max(m.start() - 40, 0):m.end() + 80]!r}")
    return found


# --- the reading functions catch each defect (negative controls) -----------------------------

def notebook(*outputs):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a lab"), nbformat.v4.new_code_cell("x = 1", outputs=list(outputs))]
    return nb


def test_clean_outputs_pass():
    import nbformat.v4 as v4

    clean = notebook(v4.new_output("stream", name="stdout", text="clean test accuracy 0.905\nd_free 1.26\n"),
                     v4.new_output("stream", name="stdout",  # a checker's verdict may name an exception
                                   text="[NOT YET] ex1: your function still raises NotImplementedError: replace it\n"),
                     v4.new_output("display_data", data={"text/markdown": "```python\ndef f(x):\n    return x\n```",
                                                         "text/plain": "<IPython.core.display.Markdown object>"}),
                     v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}))
    assert problems(clean) == []


@pytest.mark.parametrize("output, defect", [
    (dict(output_type="stream", name="stderr", text="some progress bar\n"), "writes to stderr"),
    (dict(output_type="stream", name="stdout",
          text="/opt/venv/lib/python3.11/site-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found.\n"),
     "warning"),
    (dict(output_type="stream", name="stdout", text="results in /home/someone/.cache/dmm_edu/results\n"), "machine path"),
    (dict(output_type="execute_result", execution_count=1, metadata={},
          data={"text/plain": "PosixPath('/work/main/docs/labs/x.py')"}), "machine path"),
    (dict(output_type="display_data", metadata={}, data={"text/html": "<pre>/tmp/tmpab12/cache</pre>"}), "machine path"),
    (dict(output_type="error", ename="ValueError", evalue="bad", traceback=["Traceback (most recent call last)"]),
     "raised ValueError"),
])
def test_each_defect_is_caught(output, defect):
    import nbformat

    assert any(defect in line for line in problems(notebook(nbformat.from_dict(output)))), defect


# --- the book's labs, executed as the book executes them --------------------------------------

@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict:
    """{lab name: executed notebook}: the notebooks the session's smoke site offers for download
    (site/labs/NAME/NAME.ipynb), which its build executed as every book build does."""
    pytest.importorskip("nbclient")
    import nbformat

    from test_book import smoke_site_if_any

    site = smoke_site_if_any(tmp_path_factory)
    if site is None:
        pytest.skip("the labs are read from the smoke site, which needs the docs extra and a build that passes "
                    "(tests/test_book.py)")
    return {lab.stem: nbformat.read(site / "labs" / lab.stem / f"{lab.stem}.ipynb", as_version=4) for lab in LABS}


@pytest.mark.slow
@pytest.mark.parametrize("lab", [lab.stem for lab in LABS])
def test_a_lab_shows_no_warning_error_or_machine_path(executed, lab):
    nb = executed[lab]
    assert any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), f"{lab}: nothing executed"
    assert problems(nb) == [], f"{lab}.py:\n" + "\n".join(problems(nb))
