"""``xjm points …``: validate rule sets, score residents, compare versions, generate data.

    xjm points validate FILE
    xjm points score --records DIR --as-of D [--district CODE] [--id ID]
                     [--format text|json|csv|parquet] [--out FILE] [--rules FILE_OR_PROFILE]
                     [--progress | --no-progress]
    xjm points compare --records DIR --as-of D A.yaml B.yaml
    xjm points population generate --n N --seed S --out DIR [--format parquet|jsonl|csv]

``main(argv)`` takes the arguments after ``points`` and returns the exit code (0 ok,
1 invalid input or rule file, 2 usage).

``score --format csv|parquet`` (without ``--id``) scores everyone at once with the Polars
evaluator: the records are read by the columnar loader (``points.population.load``:
Parquet scanned, JSON Lines / CSV / .xlsx read a chunk at a time), the version rules of
ingestion are applied to them vectorised, and the table is written from the frame
(``points.population.output``). CSV: one row per adult (minors have no own score):
``id_number,district,common,score,frozen,frozen_until`` then one column per item key of the
rule set (city items, then every district item key); a district item the row's district
does not define is left empty; numbers are exact with two places ("82.25"). Parquet
(``--out`` required): the same columns, points as DECIMAL(12, 2), ``frozen`` boolean,
``frozen_until`` a date.

``--format text|json`` and ``--id`` explain people one by one (``points.evaluate``), from
records read into memory: at most ``EXPLAINED_MAX_RECORDS``, else the command says to use
CSV or Parquet. Every path reports on stderr the rows the version rules rejected
(same-version conflicts, identity changes: counts and the first few, with file and row) and
the rows the readers rejected. ``--progress`` (default: when stderr is a terminal) prints
each phase with the seconds since the start.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from points.evaluate import PersonScore, evaluate_person, home_district, scored_people
from points.feeds.record import Record
from points.inputs import RecordIndex
from points.rules import RuleSet, RuleSetError, resolve_rules, validate_file
from points.rules.model import DISTRICT_CODES

#: The most records ``--format text|json`` and ``--id`` read into memory (about 1 GB).
EXPLAINED_MAX_RECORDS = 1_000_000


class CliError(Exception):
    """Bad input: printed as one line (Chinese / English), exit code 1."""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期应为 YYYY-MM-DD: {value!r} / a date is YYYY-MM-DD: {value!r}") from None


def _district(value: str) -> str:
    if value not in DISTRICT_CODES:
        raise argparse.ArgumentTypeError(
            f"区县代码应为十个之一 / district must be one of: {', '.join(DISTRICT_CODES)}")
    return value


class Progress:
    """Phase lines on stderr, each with the seconds since the command started:
    ``[   3.2 s] 计分… / scoring…``; silent when off."""

    def __init__(self, err: TextIO, on: bool) -> None:
        self.err, self.on, self.start = err, on, time.perf_counter()

    def phase(self, zh: str, en: str) -> None:
        if self.on:
            print(f"[{time.perf_counter() - self.start:7.1f} s] {zh}… / {en}…", file=self.err,
                  flush=True)

    def done(self) -> None:
        if self.on:
            print(f"[{time.perf_counter() - self.start:7.1f} s] 完成 / done", file=self.err,
                  flush=True)


def _no_directory(directory: str) -> CliError:
    return CliError(f"找不到目录 {directory} / no such directory: {directory}")


def _file_error(exc: Any) -> CliError:
    return CliError(f"{exc.path}: {exc.message} / {exc.message_en}")


def _too_many(count: int, limit: int) -> CliError:
    return CliError(
        f"逐人解释 (--format text/json 或 --id) 最多读取 {limit:,} 条记录, "
        f"这些文件至少有 {count:,} 条: 全体请用 --format csv 或 --format parquet --out FILE / "
        f"explaining people one by one (--format text/json or --id) reads at most "
        f"{limit:,} records and these files hold {count:,} or more: for "
        "everyone use --format csv or --format parquet --out FILE")


def load_records(directory: str, as_of: dt.date, err: TextIO, *,
                 limit: int | None = None) -> list[Record]:
    """The live records of the feed files in ``directory`` (version rules applied in
    arrival order, as ingestion does); rows the readers or the version rules rejected are
    reported on ``err`` (they change nothing). More than ``limit`` records (default
    ``EXPLAINED_MAX_RECORDS``): CliError."""
    from points.feeds.readers import FileError, feed_files, read_file
    from points.feeds.versions import RecordStore
    from points.population.versions import Rejection, VersionReport

    if not Path(directory).exists():
        raise _no_directory(directory)
    limit = EXPLAINED_MAX_RECORDS if limit is None else limit
    files = feed_files([directory])
    parquet_rows = sum(_parquet_rows(f) for f in files if f.suffix == ".parquet")
    if parquet_rows > limit:
        raise _too_many(parquet_rows, limit)
    store, invalid, count = RecordStore(), 0, 0
    rejected: dict[str, list[Rejection]] = {"conflict": [], "identity_change": []}
    try:
        for path in files:
            for row, result in read_file(path):
                if not isinstance(result, Record):
                    invalid += 1
                    continue
                count += 1
                if count > limit:
                    raise _too_many(count, limit)
                outcome = store.apply(result)
                if outcome.rejected:
                    rejected[outcome.value].append(Rejection(
                        outcome.value, result.type, result.source, result.record_id,
                        result.version, str(path), row))
    except FileError as exc:
        raise _file_error(exc) from None
    report = VersionReport(
        conflicts=len(rejected["conflict"]), identity_changes=len(rejected["identity_change"]),
        examples=tuple(r for kind in ("conflict", "identity_change")
                       for r in rejected[kind][:5]))
    _print_rejected(err, invalid, report)
    return store.live()


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.read_metadata(path).num_rows)
    except Exception:  # the reader reports a broken file with its reason
        return 0


def _print_rejected(err: TextIO, invalid: int, report: Any) -> None:
    if invalid:
        print(f"已跳过 {invalid} 行无效记录 / skipped {invalid} invalid rows", file=err)
    for line in report.lines():
        print(line, file=err)


def _rules(spec: str | None) -> RuleSet:
    try:
        return resolve_rules(spec)
    except RuleSetError as exc:
        raise CliError(str(exc)) from None


def csv_columns(rules: RuleSet) -> list[str]:
    """The CSV header for ``rules`` (``points.population.output.table_columns``)."""
    from points.population.output import table_columns

    return table_columns(rules)


def csv_row(score: PersonScore, rules: RuleSet) -> dict[str, str]:
    """One CSV row of an adult's score (see ``csv_columns``)."""
    from points.population import district_item_column

    row = {"id_number": score.id_number, "district": score.district,
           "common": f"{score.common:.2f}", "score": f"{score.score:.2f}",
           "frozen": "true" if score.frozen else "false",
           "frozen_until": score.frozen_until.isoformat() if score.frozen_until else ""}
    for item in score.items:
        row[item.key] = f"{item.points:.2f}"
    for item in score.district_items:
        row[district_item_column(item.key, rules)] = f"{item.points:.2f}"
    return {c: row.get(c, "") for c in csv_columns(rules)}


def score_rows(records: list[Record], as_of: dt.date, rules: RuleSet,
               district: str | None) -> Iterable[dict[str, str]]:
    """The CSV rows of ``xjm points score --format csv`` for in-memory records (the
    Polars evaluator and the table writer the command uses), sorted by ID number."""
    from points.population import frames_from_records, score_population
    from points.population.output import score_table, write_csv

    text = io.StringIO()
    write_csv(score_table(score_population(frames_from_records(records), as_of, rules,
                                           district), rules), text)
    yield from csv.DictReader(io.StringIO(text.getvalue()))


def score_rows_one_by_one(records: list[Record], as_of: dt.date, rules: RuleSet,
                          district: str | None) -> Iterable[dict[str, str]]:
    """The same rows through the one-person evaluator (kept for comparison in tests)."""
    index = RecordIndex(records)
    for pid in scored_people(index, as_of):
        d = district or home_district(index, pid, as_of) or ""
        score = evaluate_person(index, pid, as_of, d, rules)
        if not score.is_minor:
            yield csv_row(score, rules)


def format_text(score: PersonScore) -> str:
    """A person's score explained in plain words (Chinese labels, English keys)."""
    lines = [f"{score.id_number}  {score.as_of}  区县 {score.district}  "
             f"规则 {score.rule_set_id} ({score.rule_set_hash[:12]})  年龄 {score.age_years}"]
    if score.is_minor:
        return "\n".join([*lines, score.reason])
    lines.append(f"积分 score {score.score:.2f} = 通用分 common {score.common:.2f} + 区县分 "
                 f"{score.district_total.capped:.2f}" if score.district_total else "")
    for cat in score.categories:
        cap = "不封顶" if cat.cap is None else f"上限 {cat.cap:.2f}"
        lines.append(f"[{cat.key} {cat.name_zh}] {cat.total:.2f} ({cap}) → {cat.capped:.2f}")
        lines += _items_text(i for i in score.items if i.category == cat.key)
    if score.district_total:
        t = score.district_total
        lines.append(f"[district 区县个性分] {t.total:.2f} (上限 {t.cap:.2f}) → {t.capped:.2f}")
        lines += _items_text(score.district_items)
    if score.frozen:
        lines.append(f"积分冻结至 frozen until {score.frozen_until}: "
                     + ", ".join(f"{f.item} {f.record_id}" for f in score.freezes))
    return "\n".join(lines)


def _items_text(items: Iterable[Any]) -> list[str]:
    out = []
    for i in items:
        params = ", ".join(f"{p.name}={p.to_dict()['value']}" for p in i.params
                           if p.name not in ("festival_dates", "tiers"))
        out.append(f"  {i.key:<16} {i.points:>7.2f}  {i.name_zh}: {i.detail}")
        out.append(f"      规则: {i.rule_zh}  [{params}]  依据: {i.reference}")
        if i.record_ids:
            out.append(f"      记录: {', '.join(i.record_ids)}")
    return out


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    errors = validate_file(args.file)
    for e in errors:
        print(e, file=out)
    if not errors:
        print(f"{args.file}: 规则有效 / the rule set is valid", file=out)
    return 1 if errors else 0


def _load_population(args: argparse.Namespace, rule_sets: list[RuleSet], err: TextIO,
                     progress: Progress) -> Any:
    """The records of ``args.records`` through the columnar loader (``Loaded``), keeping
    the columns the rule sets read; what was rejected is reported on ``err``."""
    import polars as pl

    from points.feeds.readers import FileError
    from points.population.load import load_checked
    from points.population.prepare import unused_columns

    if not Path(args.records).exists():
        raise _no_directory(args.records)
    progress.phase("读取记录", "reading records")
    try:
        loaded = load_checked(args.records, drop=unused_columns(rule_sets, args.as_of))
    except FileError as exc:
        raise _file_error(exc) from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CliError(f"无法读取记录文件: {why} / cannot read the record files: {why}"
                       ) from None
    _print_rejected(err, loaded.invalid_rows, loaded.report)
    return loaded


def _score_table(args: argparse.Namespace, rules: RuleSet, err: TextIO,
                 progress: Progress) -> Any:
    """Everyone's scores as the output table (``points.population.output``)."""
    from points.population import prepare_inputs, score_population
    from points.population.output import score_table

    loaded = _load_population(args, [rules], err, progress)
    progress.phase("整理各项数据", "preparing the inputs")
    inputs = prepare_inputs(loaded.frames, args.as_of, rules, rent_subsidy=False)
    del loaded  # the records: free before scoring, whose columns are the peak
    progress.phase("计分", "scoring")
    scores = [score_population(inputs, args.as_of, rules, args.district)]
    del inputs
    # handed over without a reference left here, so the table frees the scores' columns
    return score_table(scores.pop(), rules)


def cmd_score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rules = _rules(args.rules)
    progress = Progress(err, err.isatty() if args.progress is None else args.progress)
    if args.format in ("csv", "parquet") and not args.id:
        from points.population.output import write_csv, write_parquet

        table = _score_table(args, rules, err, progress)
        progress.phase("写出", "writing")
        if args.format == "parquet":
            write_parquet(table, args.out)
        else:
            write_csv(table, args.out or out)
        progress.done()
        return 0
    progress.phase("读取记录", "reading records")
    index = RecordIndex(load_records(args.records, args.as_of, err), live=True)
    progress.phase("逐人计分", "scoring one by one")
    with _output(args.out, out) as dest:
        _write_explained(args, index, rules, dest)
    progress.done()
    return 0


def _explained(args: argparse.Namespace, index: RecordIndex, rules: RuleSet
               ) -> Iterator[PersonScore]:
    for pid in [args.id] if args.id else scored_people(index, args.as_of):
        district = args.district or home_district(index, pid, args.as_of)
        if district is None:
            raise CliError(f"{pid} 无居住登记, 请用 --district 指定区县 / no residence "
                           "registration: give --district")
        yield evaluate_person(index, pid, args.as_of, district, rules)


def _write_explained(args: argparse.Namespace, index: RecordIndex, rules: RuleSet,
                     dest: TextIO) -> None:
    """``--format text|json|csv`` one person at a time (written as each is scored)."""
    scores = _explained(args, index, rules)
    if args.format == "json" and args.id:
        json.dump(next(scores).to_dict(), dest, ensure_ascii=False, indent=2)
        dest.write("\n")
    elif args.format == "json":  # the same text as json.dump(list, indent=2)
        first = True
        dest.write("[")
        for s in scores:
            item = json.dumps(s.to_dict(), ensure_ascii=False, indent=2)
            dest.write(("\n  " if first else ",\n  ") + item.replace("\n", "\n  "))
            first = False
        dest.write("]\n" if first else "\n]\n")
    elif args.format == "csv":
        writer = csv.DictWriter(dest, fieldnames=csv_columns(rules), lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_row(s, rules) for s in scores if not s.is_minor)
    else:
        for i, s in enumerate(scores):
            dest.write(("\n\n" if i else "") + format_text(s))
        dest.write("\n")


@contextmanager
def _output(path: str | None, stream: TextIO) -> Iterator[TextIO]:
    """``--out FILE`` (UTF-8), or else the given stream."""
    if path is None:
        yield stream
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        yield f


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from points.compare import compare_rule_sets

    a, b = _rules(args.a), _rules(args.b)
    progress = Progress(err, err.isatty() if args.progress is None else args.progress)
    loaded = _load_population(args, [a, b], err, progress)
    progress.phase("对比计分", "scoring under both rule sets")
    report = compare_rule_sets(loaded.frames, args.as_of, a, b)
    print(report.to_json(indent=2), file=out)
    progress.done()
    return 0


def cmd_generate(args: argparse.Namespace, out: TextIO) -> int:
    from points.synth import generate

    summary = generate(args.n, args.seed, Path(args.out), args.format)
    print(json.dumps(summary, ensure_ascii=False, default=str), file=out)
    return 0


def _progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="print each phase on stderr (default: when it is a terminal)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xjm points", description="新居民积分 points engine")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="validate a rule-set YAML file")
    v.add_argument("file")
    s = sub.add_parser("score", help="score residents from feed files")
    s.add_argument("--records", required=True, help="directory of feed files")
    s.add_argument("--as-of", required=True, type=_date)
    s.add_argument("--district", type=_district)
    s.add_argument("--id", help="one ID number")
    s.add_argument("--format", choices=("text", "json", "csv", "parquet"), default="text",
                   help="csv and parquet: everyone at once (parquet needs --out)")
    s.add_argument("--out", help="write to this file instead of standard output")
    s.add_argument("--rules", help="rule file or profile name (default ningbo-2021)")
    _progress_option(s)
    c = sub.add_parser("compare", help="compare two rule sets on a population")
    c.add_argument("--records", required=True)
    c.add_argument("--as-of", required=True, type=_date)
    _progress_option(c)
    c.add_argument("a")
    c.add_argument("b")
    p = sub.add_parser("population", help="synthetic population tools")
    psub = p.add_subparsers(dest="population_command", required=True)
    g = psub.add_parser("generate", help="generate a synthetic population")
    g.add_argument("--n", required=True, type=int)
    g.add_argument("--seed", required=True, type=int)
    g.add_argument("--out", required=True)
    g.add_argument("--format", choices=("parquet", "jsonl", "csv"), default="parquet")
    return parser


def main(argv: list[str] | None = None, *, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run ``xjm points`` with ``argv`` (the arguments after ``points``); exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["points"]:
        argv = argv[1:]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command == "score" and args.format == "parquet" and not args.out:
        print("--format parquet 需要 --out FILE (Parquet 不写到标准输出) / --format parquet "
              "needs --out FILE (Parquet is not written to standard output)", file=err)
        return 2
    try:
        if args.command == "validate":
            return cmd_validate(args, out)
        if args.command == "score":
            return cmd_score(args, out, err)
        if args.command == "compare":
            return cmd_compare(args, out, err)
        return cmd_generate(args, out)
    except CliError as exc:
        print(exc, file=err)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
