"""Claims over seeds: each number the book quotes is the median of several runs, shown with their range.

One run can be lucky. So the book backs every result claim with the runs of `seeds_for(experiment,
profile)` (three seeds at the `book` profile), quotes their median and prints the range beside it:
"0.43 (0.40–0.47)". Two experiments repeat their seeds inside one run (E1 trains paired seeds per
recipe, E13 repeats data, init and batches per dimension), so the book runs them once and a claim
of theirs names the per-seed list in its result (`Claim.per_seed`); its value stays the median the
experiment computed. A number about what a figure shows (`Claim.figure`) is read from the figure's
run, the first seed, alone. A checked claim is checked on every seed: it holds when it holds on all of
them, fails when it fails on all, and is "not decided at this size" when the seeds disagree.

    from dmm_edu.claims import spread
    s = spread("E5.c2_5.d_off_over_d_on", {"E5": {0: r0, 1: r1, 2: r2}})
    s.value, s.text(), s.values, s.verdict()   # the median, "1.23 (1.10–1.31)", per seed, "yes"

A chapter that says how many seeds something holds at computes it too: {{ seeds("E8i.d_on_final", ">",
"E8i.d_on_epoch1") }} becomes "2 of 3 seeds" (`count_seeds`), so the sentence cannot go stale.
"""

from __future__ import annotations

import operator
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from dmm_edu.claims.core import Claim, check, get_claim, metric_value
from dmm_edu.results import Result

#: the seeds the book runs of each experiment, by profile (the first one backs the figures)
BOOK_SEEDS: dict[str, tuple[int, ...]] = {"smoke": (0,), "book": (0, 1, 2)}

#: experiments whose one run repeats its seeds inside (E1: paired seeds per recipe; E13: repetitions at every d)
INTERNAL_SEEDS = ("E1", "E13")

YES, NO, UNDECIDED = "yes", "no", "not decided"

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def seeds_for(experiment: str, profile: str) -> tuple[int, ...]:
    """The seeds the book runs `experiment` at for `profile`: one run where the experiment repeats its
    seeds inside (INTERNAL_SEEDS), else BOOK_SEEDS[profile] (a profile not listed: seed 0 alone)."""
    return (0,) if experiment in INTERNAL_SEEDS else BOOK_SEEDS.get(profile, (0,))


@dataclass(frozen=True)
class Spread:
    """A claim's value over its seeds.

    value: the median (for a claim with `per_seed`, the experiment's own median); values: one per
    seed, in the order of `seeds` (the runs' seeds, or the seed indices inside one run when
    `internal`); results: the runs read (one when internal).
    """

    claim: Claim
    value: float
    values: tuple[float, ...]
    seeds: tuple[int, ...]
    internal: bool
    results: tuple[Result, ...]

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def text(self) -> str:
        """The median, with the range in parentheses when the seeds differ at the digits shown."""
        fmt = self.claim.fmt.format
        lo, hi = fmt(self.low), fmt(self.high)
        dash = " to " if self.low < 0 else "–"  # "-0.50–-0.42" would read as a subtraction
        return fmt(self.value) if lo == hi else f"{fmt(self.value)} ({lo}{dash}{hi})"

    def per_seed_text(self) -> str:
        """Every seed's value: "0: 0.41, 1: 0.43, 2: 0.47"; seeds inside one run by their index ("#0: 0.41, ...");
        a number from one run alone says so ("seed 0, the figure's"; "one run, its seeds inside")."""
        if self.internal:
            return ", ".join(f"#{s}: {self.claim.fmt.format(v)}" for s, v in zip(self.seeds, self.values))
        if len(self.values) == 1 and self.claim.figure:
            return f"seed {self.seeds[0]}, the figure's: {self.claim.fmt.format(self.value)}"
        if len(self.values) == 1 and self.claim.experiment in INTERNAL_SEEDS:
            return f"one run, its seeds inside: {self.claim.fmt.format(self.value)}"
        return ", ".join(f"{s}: {self.claim.fmt.format(v)}" for s, v in zip(self.seeds, self.values))

    def held(self) -> tuple[bool, ...]:
        """Whether the claim's check holds at each seed (all True for a claim without a check)."""
        return tuple(check(self.claim, v) for v in self.values)

    def verdict(self) -> str:
        """YES when the check holds on every seed, NO when on none, else UNDECIDED ("not decided at this size")."""
        held = self.held()
        return YES if all(held) else NO if not any(held) else UNDECIDED

    def describe(self) -> str:
        """Where the value comes from, for a tooltip: "median over seeds 0, 1, 2 (range in parentheses)"."""
        n = len(self.values)
        if self.claim.metric[0] == "published":
            return "a published number the run keeps beside its own (see the bibliography)"
        if n == 1 and self.claim.figure:
            return f"seed {self.seeds[0]}, the run the figure shows"
        if n == 1 and self.claim.experiment in INTERNAL_SEEDS:
            return "one run, its seeds inside (a count over them, or a value of their median)"
        if n == 1:
            return f"one run, seed {self.seeds[0]}"
        where = f"{n} seeds inside one run" if self.internal else f"seeds {', '.join(map(str, self.seeds))}"
        same = self.claim.fmt.format(self.low) == self.claim.fmt.format(self.high)
        return f"median over {where}" + (" (the same at the digits shown)" if same else " (range in parentheses)")


def _median(values: list) -> float:
    """The median; for whole numbers of an even count, the lower middle one (a count stays a count)."""
    if all(isinstance(v, int) for v in values):
        return statistics.median_low(values)
    return float(statistics.median(values))


def _internal_values(claim: Claim, result: Result) -> tuple[float, ...] | None:
    """The per-seed values a claim with `per_seed` names in one result (at `claim.at`, when it has one)."""
    if claim.per_seed is None:
        return None
    node = result.metrics
    for key in claim.per_seed:
        node = node.get(key) if isinstance(node, Mapping) else None
    where = f"claim {claim.name!r} ({claim.experiment} metrics {'/'.join(claim.per_seed)})"
    if not isinstance(node, list) or not node:
        raise ValueError(f"{where}: expected a list of per-seed values; the result has "
                         f"{'none (a result saved before the experiment kept them: run it again)' if node is None else repr(node)}")
    if claim.at is not None:
        list_key, target = claim.at
        index = [float(v) for v in result.metrics[list_key]].index(float(target))
        node = [row[index] for row in node]
    values = [v for v in node if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(values) != len(node):
        raise ValueError(f"{where}: holds non-numbers {node!r}")
    return tuple(values)


def spread(name: str, runs: Mapping[str, Mapping[int, Result]]) -> Spread:
    """The claim `name` over the runs of its experiment (`runs`: {run key: {seed: Result}}, the run key
    being the experiment id, or "E6:cnn" for a variant).

    KeyError for an unknown claim or an experiment with no run; ValueError for a metric missing, not
    a number or not finite in any of the runs (`metric_value`).
    """
    claim = get_claim(name)
    by_seed = runs.get(claim.run_key) or {}
    if not by_seed:
        raise KeyError(f"claim {name!r} needs a result of {claim.run_key}; given results of {sorted(runs)}")
    seeds = tuple(sorted(by_seed))[: 1 if claim.figure else None]  # a figure's number: the figure's run alone
    results = tuple(by_seed[s] for s in seeds)
    values = tuple(metric_value(claim, r.metrics) for r in results)
    if len(results) == 1:
        inside = _internal_values(claim, results[0])
        if inside is not None:
            return Spread(claim, values[0], inside, tuple(range(len(inside))), True, results)
    return Spread(claim, _median(list(values)), values, seeds, False, results)


#: how a chapter counts seeds: {{ seeds("A", "<", "B") }} or {{ seeds("A", ">=", 0.05) }} becomes "2 of 3 seeds"
SEEDS_PATTERN = re.compile(r"""\{\{\s*seeds\(\s*["']([^"']+)["']\s*,\s*["'](<=|>=|<|>)["']\s*,\s*"""
                           r"""(?:["']([^"']+)["']|([-+0-9.eE]+))\s*\)\s*\}\}""")


@dataclass(frozen=True)
class SeedCount:
    """How many seeds a comparison holds at: `held` of `n`, with each seed's two values (`pairs`)."""

    held: int
    n: int
    pairs: tuple[tuple[int, float, float], ...]
    text_left: str
    op: str
    fmt: str = "{:.3g}"  #: the left claim's format, so a tooltip shows "59%" where the page shows "59%"

    def text(self) -> str:
        """"all 3 seeds", "2 of 3 seeds", "no seed"."""
        if self.held == self.n:
            return f"all {self.n} seeds" if self.n > 1 else "its one seed"
        return "no seed" if self.held == 0 else f"{self.held} of {self.n} seeds"

    def detail(self) -> str:
        """Each seed's comparison, for a tooltip: "seed 0: 0.50 < 0.62 yes; ..."."""
        return "; ".join(f"seed {s}: {self.fmt.format(a)} {self.op} {self.fmt.format(b)} "
                         f"{'yes' if _OPS[self.op](a, b) else 'no'}" for s, a, b in self.pairs)


def count_seeds(left: str, op: str, right: str | float, runs: Mapping[str, Mapping[int, Result]]) -> SeedCount:
    """At how many seeds claim `left` compares as `op` ("<", "<=", ">", ">=") with claim `right` or a number.

    Both claims are read seed by seed (`spread`): they must have the same seeds (one run key, or runs
    of the same seeds). ValueError for another operator or seeds that do not match; KeyError as `spread`.
    """
    if op not in _OPS:
        raise ValueError(f"op={op!r} is not accepted; expected one of {sorted(_OPS)}")
    a = spread(left, runs)
    if isinstance(right, str):
        b = spread(right, runs)
        if (a.seeds, a.internal) != (b.seeds, b.internal):
            raise ValueError(f"seeds({left!r}, {op!r}, {right!r}): the claims have different seeds "
                             f"({a.seeds} and {b.seeds}); compare claims of runs with the same seeds")
        others = b.values
    else:
        others = (float(right),) * len(a.values)
    pairs = tuple(zip(a.seeds, a.values, others))
    fmt = a.claim.fmt if "{:d}" not in a.claim.fmt else "{:.3g}"  # a count compared with a fraction: plain digits
    return SeedCount(sum(_OPS[op](x, y) for _, x, y in pairs), len(pairs), pairs, left, op, fmt)


def seed_names_in(markdown: str) -> list[str]:
    """The claim names a Markdown text compares seed by seed in {{ seeds(...) }}, in order."""
    return [name for m in SEEDS_PATTERN.finditer(markdown) for name in (m.group(1), m.group(3)) if name]
