"""The README is a contract: its Python example runs and CI runs its test command."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_python_example_runs(capsys):
    code = blocks("python")[0]
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.split()
    assert float(out[0]) > 0.9  # the trained network's test accuracy
    assert 0 < float(out[1]) <= 1 and abs(float(out[2]) - (10 / 200) ** 0.5) < 1e-12
    assert 0 < float(out[3]) < 10 and abs(float(out[4]) - (10 / 190) ** 0.5) < 1e-12  # d_off/d_on, √(k/(n-k))


def test_ci_runs_the_readme_test_command():
    commands = [line.strip() for block in blocks("bash") for line in block.splitlines()]
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_ci_installs_what_the_readme_installs():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "libcairo2-dev libpango1.0-dev pkg-config" in ci and "libcairo2-dev libpango1.0-dev pkg-config" in README
    assert '-c constraints.txt -e ".[all]"' in ci and '-c constraints.txt -e ".[all]"' in README


@pytest.mark.torch
def test_torch_example_runs(capsys):
    pytest.importorskip("torch")
    code = blocks("python")[1]
    exec(compile(code, "README.md", "exec"), {})
    clean, median_norm, success, adv_accuracy = map(float, capsys.readouterr().out.split())
    assert clean > 0.9  # an MLP on MNIST digits
    assert success == 1.0 and 0 < median_norm  # DeepFool stops only once it has crossed
    assert adv_accuracy < 0.5 if median_norm < 1.5 else adv_accuracy < clean  # most minimal norms are below eps
