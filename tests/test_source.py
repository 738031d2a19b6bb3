"""The labs show the package's own code (dmm_edu.source): the function as it runs, or a snippet section."""

import pytest

from dmm_edu.attacks.fgsm import fgsm
from dmm_edu.attacks.pgd import pgd
from dmm_edu.source import source_markdown


def test_a_function_is_shown_whole_with_its_docstring_cut_to_one_line():
    text = source_markdown(fgsm)
    assert text.startswith("```python\n") and text.endswith("\n```")
    assert any(line.startswith("def fgsm(") for line in text.splitlines()[:3])  # decorators, then the def
    first_line = fgsm.__doc__.strip().splitlines()[0]
    assert f'"""{first_line}"""' in text
    assert "Args:" not in text  # the rest of the docstring is cut
    assert "return" in text  # the body is there


def test_a_section_is_the_lines_between_its_markers():
    text = source_markdown(pgd, "pgd_step")
    assert "--8<--" not in text and text.count("\n") > 2
    assert not text.splitlines()[1].startswith(" ")  # dedented


def test_an_unknown_section_names_the_sections_there_are():
    with pytest.raises(ValueError, match=r"section='nope'.*pgd_step"):
        source_markdown(pgd, "nope")


def test_only_functions_and_classes():
    with pytest.raises(TypeError, match="obj must be a function or a class"):
        source_markdown(42)
