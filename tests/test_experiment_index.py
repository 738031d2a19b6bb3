"""The experiment index (docs/appendix/experiments.md) lists every registered experiment, and only those:
each available one with a `dmm-edu run` command that the CLI parses and that names it, each planned one
marked planned and given no command; its claims and chapter links match the registry and the docs.

The table is written by hand, so this test is what keeps it in step with `dmm_edu.experiments.registry`
(the printed commands are also run, at smoke size, by tests/test_printed_commands.py)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from dmm_edu.cli import main
from dmm_edu.experiments.registry import EXPERIMENTS

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "appendix" / "experiments.md"
COMMAND = re.compile(r"`(dmm-edu run [^`]*)`")
LINK = re.compile(r"\]\(([^)#]+)(?:#[^)]*)?\)")


def parse(args: list[str]) -> None:
    """Hand `args` (without the program name) to the CLI's command tree as a shell would, without running
    anything: click.ClickException for a wrong subcommand, option, choice or type."""
    ctx = click.Context(main, info_name="dmm-edu")
    command = main.get_command(ctx, args[0])
    if command is None:
        raise click.UsageError(f"no such command {args[0]!r}", ctx)
    command.make_context(args[0], list(args[1:]), parent=ctx)


def rows(text: str) -> dict[str, list[str]]:
    """{first cell: cells} for the table rows of `text` whose first cell is an experiment-like id (E + digits)."""
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and re.fullmatch(r"E\d+\w*", cells[0]):
            if cells[0] in out:
                raise AssertionError(f"{cells[0]} is listed twice")
            out[cells[0]] = cells
    return out


def problems(text: str) -> list[str]:
    """What is wrong with an index page's table against the registry: one line per problem."""
    found, table = [], rows(text)
    for eid in EXPERIMENTS.keys() - table.keys():
        found.append(f"{eid} is registered but not on the page")
    for eid in table.keys() - EXPERIMENTS.keys():
        found.append(f"{eid} is on the page but not registered")
    for eid, cells in table.items():
        if eid not in EXPERIMENTS:
            continue
        spec, commands = EXPERIMENTS[eid], COMMAND.findall(cells[-1])
        claims = tuple(c.strip() for c in cells[3].split(","))
        if claims != spec.claims:
            found.append(f"{eid}: claims {claims} on the page, {spec.claims} registered")
        if spec.available and len(commands) != 1:
            found.append(f"{eid}: wants one `dmm-edu run` command, has {commands}")
        if not spec.available and (commands or "planned" not in cells[-1]):
            found.append(f"{eid} is planned: no command, and the page must say so")
        for command in commands:
            args = shlex.split(command)[1:]  # without the program name
            if args[1] != eid:
                found.append(f"{eid}: its command runs {args[1]!r}")
            try:
                parse(args)
            except click.ClickException as exc:  # an unknown option, a bad choice or type
                found.append(f"{eid}: `{command}` does not parse: {exc}")
        for target in LINK.findall(cells[2]):
            if not (PAGE.parent / target).resolve().is_file():
                found.append(f"{eid}: chapter link {target} names no page")
    return found


def test_the_index_lists_every_experiment_with_a_command_that_parses():
    assert problems(PAGE.read_text(encoding="utf-8")) == []


def test_every_command_on_the_page_is_in_the_table():
    text = PAGE.read_text(encoding="utf-8")
    in_table = {c for cells in rows(text).values() for c in COMMAND.findall(cells[-1])}
    for command in COMMAND.findall(text):
        eid = shlex.split(command)[2]
        assert eid in EXPERIMENTS and EXPERIMENTS[eid].available, f"`{command}` names no runnable experiment"
    assert in_table  # the table itself has commands


@pytest.mark.parametrize("edit, want", [
    (lambda t: "\n".join(l for l in t.splitlines() if not l.startswith("| E9i ")), "E9i is registered but not"),
    (lambda t: t.replace("`dmm-edu run E3 --profile book --seed 0", "`dmm-edu run E33 --profile book --seed 0"), "E3: its command"),
    (lambda t: t.replace("`dmm-edu run E4 --profile book ", "`dmm-edu run E4 --profile huge "), "does not parse"),
    (lambda t: t.replace("| C8 | `dmm-edu run E12", "| C7 | `dmm-edu run E12"), "E12: claims"),
    (lambda t: t.replace("| C10 | `dmm-edu run E14 --profile book --seed 0 --out results/e14-book` |",
                         "| C10 | planned, not written yet |"), "E14: wants one `dmm-edu run` command"),
    (lambda t: t.replace("(../chapters/clinging.md)", "(../chapters/clinging-on-a-toy.md)"), "names no page"),
    (lambda t: t + "\n| E99 | ? | x | C1 | `dmm-edu run E99` |\n", "E99 is on the page but not registered"),
])
def test_negative_controls_each_damage_is_caught(edit, want):
    text = PAGE.read_text(encoding="utf-8")
    damaged = edit(text)
    assert damaged != text, "the edit did not apply: the control tests nothing"
    assert any(want in p for p in problems(damaged)), problems(damaged)
