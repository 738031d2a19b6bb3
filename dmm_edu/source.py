"""The package's own code, shown as the labs run it.

A lab that teaches an algorithm shows the function it then calls, read from the installed
`dmm_edu` with `inspect`, so the page can never drift from the code: `show_source(fgsm)` displays
the function (its docstring cut to its first line; `help(fgsm)` shows it whole), and
`show_source(pgd, "pgd_step")` the lines between `# --8<-- [start:pgd_step]` and
`# --8<-- [end:pgd_step]` of its module, the same sections the chapters' "The code" boxes include.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

_START = re.compile(r"# --8<-- \[start:([\w-]+)\]")


def source_markdown(obj, section: str | None = None) -> str:
    """The code of `obj` (a function or class of the package), or of the snippet `section` of its
    module, as a fenced Markdown block of Python."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        raise TypeError(f"obj must be a function or a class; got {type(obj).__name__}")
    if section is None:
        code = textwrap.dedent(inspect.getsource(obj))
        lines = code.splitlines()
        body = ast.parse(code).body[0].body
        doc = inspect.getdoc(obj)
        if doc and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            first = body[0]
            lines[first.lineno - 1:first.end_lineno] = [" " * first.col_offset + f'"""{doc.splitlines()[0]}"""']
    else:
        module = inspect.getsource(inspect.getmodule(obj))
        sections = _START.findall(module)
        if section not in sections:
            raise ValueError(f"section={section!r} is not a snippet section of {obj.__module__}; "
                             f"its sections: {sections or 'none'}")
        body = module.split(f"# --8<-- [start:{section}]\n")[1].split(f"# --8<-- [end:{section}]")[0]
        lines = textwrap.dedent(body).rstrip().splitlines()
    return "```python\n" + "\n".join(lines) + "\n```"


def show_source(obj, section: str | None = None):
    """`source_markdown(obj, section)` as a notebook's highlighted Markdown output (the text itself
    where IPython is not installed)."""
    text = source_markdown(obj, section)
    try:
        from IPython.display import Markdown
    except ImportError:  # pragma: no cover - IPython comes with every Jupyter kernel
        return text
    return Markdown(text)
