"""The book's two generated appendices: "Reproducibility" (every run, seed by seed) and "Predictions and checks".

Both are written when the site is built, from the same results the chapters quote
(`book.book_results`: every seed of every run), so they cannot disagree with them. The mkdocs hook
docs/hooks/claims.py puts them where `{{ reproducibility() }}` and `{{ predictions() }}` stand.
Links are relative to a page in docs/appendix/.
"""

from __future__ import annotations

from collections.abc import Mapping

from dmm_edu import claims
from dmm_edu.claims.seeds import NO, UNDECIDED, YES
from dmm_edu.experiments.variants import VARIANTS, anchor, parse_key, set_options
from dmm_edu.results import Result


def runs_of(results: Mapping[str, Result]) -> dict[str, dict[int, Result]]:
    """{run key: {seed: Result}}: the `runs` of a `book.BookResults`, else each result as its only seed."""
    runs = getattr(results, "runs", None)
    return dict(runs) if runs is not None else {e: {r.seed: r} for e, r in results.items()}


def reproduce_command(result: Result, key: str | None = None) -> str:
    """The shell command that recomputes `result` (and draws its figures, where the book shows some:
    E13 and E14 are quoted as numbers only). key: the run key when the result is a variant
    ("E6:cnn": the command adds its `--set` options; the book draws no figures of a variant)."""
    from dmm_edu.book import FIGURE_EXPERIMENTS

    key = key or result.experiment
    folder = f"results/{anchor(key)}-{result.profile}"
    command = (f"dmm-edu run {result.experiment} --profile {result.profile} --seed {result.seed}"
               f"{set_options(key, result.profile)} --out {folder}")
    return command + (f" && dmm-edu plot {folder}" if key in FIGURE_EXPERIMENTS else "")


def sweep_command(key: str, profile: str, seeds: list[int]) -> str | None:
    """The shell command that recomputes every seed of a run (an experiment id or a variant's run key)
    and prints each metric's median and range (`dmm-edu sweep`); None for one seed or seeds that are
    not a range."""
    if len(seeds) < 2 or seeds != list(range(seeds[0], seeds[-1] + 1)):
        return None
    return (f"dmm-edu sweep {parse_key(key)[0]} --seeds {seeds[0]}:{seeds[-1] + 1} --profile {profile}"
            f"{set_options(key, profile)}")


def _nowrap(text: str) -> str:
    """A value with its range kept on one line in a table ("0.68 (0.68–0.70)" never breaks at the dash)."""
    return f'<span class="dmm-range">{text}</span>'


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (a pipe would end the cell)."""
    return str(text).replace("|", "&#124;")


def _run_checks_by_seed(by_seed: Mapping[int, Result]) -> list[tuple[str, dict[int, bool | None]]]:
    """[(check name, {seed: held, or None where that seed's run did not record it})] of the checks an
    experiment records in metrics["checks"], in the order the runs list them."""
    seeds = sorted(by_seed)
    checks = {s: by_seed[s].metrics.get("checks") or {} for s in seeds}
    names = dict.fromkeys(name for s in seeds for name in checks[s])
    return [(name, {s: (None if checks[s].get(name) is None else bool(checks[s][name])) for s in seeds})
            for name in names]


def _checks_table(by_seed: Mapping[int, Result]) -> list[str]:
    """The checks an experiment evaluates inside its run (`metrics["checks"]`), one column per seed."""
    rows = _run_checks_by_seed(by_seed)
    if not rows:
        return []
    seeds = sorted(by_seed)
    head = " | ".join(f"seed {s}" for s in seeds)
    lines = ["Checks the experiment evaluates in its own run (a *no* is reported, not asserted, unless a "
             "claim below carries it):", "", f"| check | {head} |", "|---|" + "---|" * len(seeds)]
    for name, held in rows:
        cells = ["–" if v is None else "yes" if v else "*no*" for v in held.values()]
        lines.append(f"| `{name}` | {' | '.join(cells)} |")
    return lines + [""]


def _verb(n: int, verb: str) -> str:
    """"1 holds", "3 hold": a count and its verb."""
    return f"{n} {verb}s" if n == 1 else f"{n} {verb}"


def _run_checks(runs: Mapping[str, Mapping[int, Result]]) -> list[tuple[str, str, str, str]]:
    """(run key, check name, per-seed text, verdict) of every check the runs record in metrics["checks"]:
    YES when it holds at every seed that recorded it, NO when at none, else UNDECIDED."""
    out = []
    for key, by_seed in runs.items():
        for name, held in _run_checks_by_seed(by_seed):
            held = {s: v for s, v in held.items() if v is not None}
            verdict = YES if all(held.values()) else NO if not any(held.values()) else UNDECIDED
            per_seed = ", ".join(f"{s}: {'yes' if v else 'no'}" for s, v in held.items())
            out.append((key, name, per_seed, verdict))
    return out


def reproducibility_markdown(results: Mapping[str, Result]) -> str:
    """The reproducibility appendix's body: one section per experiment, one row per seed's run, the
    commands that recompute them, the checks inside the runs and every claim with its value per seed."""
    from dmm_edu.experiments.registry import get_experiment

    runs = runs_of(results)
    lines = []
    for key, by_seed in runs.items():
        experiment, variant = parse_key(key)
        seeds = sorted(by_seed)
        used = [c for c in claims.CLAIMS.values() if c.run_key == key]
        title = get_experiment(experiment).title
        if variant is not None:
            title = f"{title}, variant `{variant}`: {VARIANTS[experiment][variant].title}"
        lines += [f"## {key}: {title} {{ #{anchor(key)} }}", "",
                  "| profile | seed | config hash | code hash | content hash | versions | threads | computed in |",
                  "|---|---|---|---|---|---|---|---|"]
        for seed in seeds:
            result = by_seed[seed]
            prov = claims.provenance(used[0] if used else claims.Claim("-", experiment, (), "", ""), result)
            versions = ", ".join(f"{k} {v}" for k, v in prov["versions"].items())
            lines.append(f"| {result.profile} | {result.seed} | `{prov['config_hash']}` | `{prov['code_hash']}` | "
                         f"`{prov['content_hash']}` | {versions} | {result.provenance.get('threads', '?')} | "
                         f"{result.provenance.get('duration_s', '?')} s |")
        first = by_seed[seeds[0]]
        config = ", ".join(f"{k}={v!r}" for k, v in first.config.items())
        lines += ["", f"The configuration (the same at every seed; the code hash covers the files of `dmm_edu` this "
                      f"experiment imports): `{config}`"]
        commands = [reproduce_command(first, key)]
        sweep = sweep_command(key, first.profile, seeds)
        if sweep:
            commands.append(sweep)
        lines += ["", "```bash", *commands, "```", ""]
        if experiment in claims.INTERNAL_SEEDS:
            lines += ["This experiment repeats its seeds inside one run; a value in parentheses is the range "
                      "over those seeds.", ""]
        lines += _checks_table(by_seed)
        if used:
            lines += ["| claim | value | per seed | metric | what it is |", "|---|---|---|---|---|"]
            for claim in used:
                s = claims.spread(claim.name, runs)
                p = claims.provenance(claim, first)
                lines.append(f"| `{claim.name}` | {_nowrap(s.text())} | {s.per_seed_text()} | `{p['metric']}` | "
                             f"{_cell(claim.description)} |")
            lines.append("")
    return "\n".join(lines)


def predictions_markdown(results: Mapping[str, Result]) -> str:
    """The "Predictions and checks" appendix's body: every checked claim and the published numbers.

    One row per claim that carries a `check`: what it is, the threshold, why the threshold follows
    from the claim, the runs that back it (linked to the reproducibility appendix), its value (the
    median, with the range over seeds), each seed's value, and the verdict over the seeds: yes on
    every seed, **no** on none, "not decided" when they disagree. Then one row per number of
    `dmm_edu.published`, with its source (linked to the bibliography), the kind of source and the
    table or figure. KeyError/ValueError as `claims.spread` for a missing or broken result.
    """
    from dmm_edu import published

    runs = runs_of(results)
    checked = [c for c in claims.CLAIMS.values() if c.check is not None]
    rows, verdicts, profiles = [], [], set()
    for claim in checked:
        s = claims.spread(claim.name, runs)
        verdict = s.verdict()
        verdicts.append(verdict)
        profiles.add(s.results[0].profile)
        where = f"{len(s.values)} seeds in one run" if s.internal else "one run, its seeds inside" if (
            claim.experiment in claims.INTERNAL_SEEDS) else f"seed{'s' if len(s.seeds) > 1 else ''} " \
            f"{', '.join(map(str, s.seeds))}"
        run = f"[{claim.run_key}](reproducibility.md#{anchor(claim.run_key)}) · {s.results[0].profile} · {where}"
        held = sum(s.held())
        shown = {"yes": "yes", "no": "**no**"}.get(verdict, f"*not decided* (holds at {held} of {len(s.values)})")
        rows.append(f"| `{claim.name}` | {_cell(claim.description)} | `{claim.check}` | {_cell(claim.why)} | {run} "
                    f"| {_nowrap(s.text())} | {s.per_seed_text()} | {shown} |")
    inside = _run_checks(runs)
    backing = sorted({c.profile for c in checked})
    shown_profiles = ", ".join(f"`{p}`" for p in sorted(profiles))
    n_yes, n_undecided = verdicts.count(YES), verdicts.count(UNDECIDED)
    summary = f"{n_yes} of {len(checked)} checks hold on every seed in the runs this site was built from " \
              f"(profile {shown_profiles})"
    if n_undecided:
        summary += f"; {n_undecided} {'is' if n_undecided == 1 else 'are'} not decided (the seeds disagree)"
    lines = [summary + ". The experiments also record checks of their own, failures included: they are "
             "listed [below](#inside).", ""]
    if profiles - set(backing):
        lines += [f"The checks are written for the {', '.join(f'`{p}`' for p in backing)} profile; at a smaller "
                  "profile a **no** says only that the small run does not reach the threshold.", ""]
    lines += ["| claim | what it is | check | why this threshold | runs | value | per seed | holds |",
              "|---|---|---|---|---|---|---|---|", *rows, ""]
    counts = {v: sum(1 for *_, verdict in inside if verdict == v) for v in (YES, NO, UNDECIDED)}
    lines += ["## Checks inside the runs { #inside }", "",
              f"Besides the claims above, the experiments record {len(inside)} checks of their own in every run "
              "(`metrics[\"checks\"]`): predictions they test whether or not the book quotes them. "
              f"{_verb(counts[YES], 'hold')} at every seed, {_verb(counts[NO], 'fail')} at every seed and "
              f"{_verb(counts[UNDECIDED], 'split')} the seeds. A failure here is reported, not hidden: the chapter that reads the run says what it "
              "means (a check that repeats a claim above has the same verdict there).", "",
              "| run | check | per seed | holds |", "|---|---|---|---|"]
    for key, name, per_seed, verdict in inside:
        shown = {YES: "yes", NO: "**no**"}.get(verdict, "*not decided*")
        lines.append(f"| [{key}](reproducibility.md#{anchor(key)}) | `{name}` | {per_seed} | {shown} |")
    lines += ["", "## Published numbers { #published }", "",
              "Every number of another work that this book or its experiments compare with; a chapter quotes one "
              "by its claim name below, and its value links to the source. The kind of source matters: a "
              "student's repository has not been reviewed, a peer-reviewed paper has.", "",
              "| claim | value | what it measures | source | kind | table or figure |", "|---|---|---|---|---|---|"]
    for number in published.NUMBERS.values():
        source = published.SOURCES[number.source]
        lines.append(f"| `{claims.PUBLISHED}{number.key}` | {number.text()} | {_cell(number.measures)} | "
                     f"[{_cell(source.cite())}](bibliography.md#{source.key}) | {source.kind} | {_cell(number.where)} |")
    lines.append("")
    return "\n".join(lines)
