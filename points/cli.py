"""``xjm points …``: validate rule sets, score residents, compare versions, generate data.

    xjm points validate FILE
    xjm points score --records DIR --as-of D [--district CODE] [--id ID]
                     [--format text|json|csv] [--rules FILE_OR_PROFILE]
    xjm points compare --records DIR --as-of D A.yaml B.yaml
    xjm points population generate --n N --seed S --out DIR [--format parquet|jsonl|csv]

``main(argv)`` takes the arguments after ``points`` and returns the exit code (0 ok,
1 invalid input or rule file, 2 usage). CSV: one row per adult (minors have no own score):
``id_number,district,common,score,frozen,frozen_until`` then one column per item key of the
rule set (city items, then every district item key); a district item the row's district
does not define is left empty; numbers are exact with two places ("82.25").
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from points.evaluate import PersonScore, evaluate_person, home_district, scored_people
from points.feeds.record import Record
from points.inputs import RecordIndex
from points.rules import RuleSet, RuleSetError, resolve_rules, validate_file
from points.rules.model import DISTRICT_CODES


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


def load_records(directory: str, as_of: dt.date, err: TextIO) -> list[Record]:
    """Every valid record of the feed files in ``directory``; rejected rows are counted
    on ``err`` (they change nothing)."""
    from points.feeds.readers import FileError, read_paths

    if not Path(directory).exists():
        raise CliError(f"找不到目录 {directory} / no such directory: {directory}")
    records, rejected = [], 0
    try:
        for _path, _row, result in read_paths([directory]):
            if isinstance(result, Record):
                records.append(result)
            else:
                rejected += 1
    except FileError as exc:
        raise CliError(f"{exc.path}: {exc.message} / {exc.message_en}") from None
    if rejected:
        print(f"已跳过 {rejected} 行无效记录 / skipped {rejected} invalid rows", file=err)
    return records


def _rules(spec: str | None) -> RuleSet:
    try:
        return resolve_rules(spec)
    except RuleSetError as exc:
        raise CliError(str(exc)) from None


def csv_columns(rules: RuleSet) -> list[str]:
    """The CSV header for ``rules``."""
    return ["id_number", "district", "common", "score", "frozen", "frozen_until",
            *(i.key for i in rules.items), *rules.district_item_keys]


def csv_row(score: PersonScore, rules: RuleSet) -> dict[str, str]:
    """One CSV row of an adult's score (see ``csv_columns``)."""
    row = {"id_number": score.id_number, "district": score.district,
           "common": f"{score.common:.2f}", "score": f"{score.score:.2f}",
           "frozen": "true" if score.frozen else "false",
           "frozen_until": score.frozen_until.isoformat() if score.frozen_until else ""}
    for item in (*score.items, *score.district_items):
        row[item.key] = f"{item.points:.2f}"
    return {c: row.get(c, "") for c in csv_columns(rules)}


def score_rows(records: list[Record], as_of: dt.date, rules: RuleSet,
               district: str | None) -> Iterable[dict[str, str]]:
    """CSV rows for every adult scored at D, from the Polars population evaluator (the
    same numbers as ``evaluate_person``: the two are tested equal), sorted by ID number."""
    from points.population import frames_from_records, render, score_population

    table = render(score_population(frames_from_records(records), as_of, rules, district))
    columns = csv_columns(rules)
    for row in table.filter(~table["is_minor"]).sort("id_number").iter_rows(named=True):
        row["frozen"] = "true" if row["frozen"] else "false"
        row["frozen_until"] = row["frozen_until"].isoformat() if row["frozen_until"] else ""
        yield {c: "" if row.get(c) is None else str(row[c]) for c in columns}


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


def cmd_score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rules = _rules(args.rules)
    records = load_records(args.records, args.as_of, err)
    if args.format == "csv" and not args.id:
        writer = csv.DictWriter(out, fieldnames=csv_columns(rules), lineterminator="\n")
        writer.writeheader()
        writer.writerows(score_rows(records, args.as_of, rules, args.district))
        return 0
    index = RecordIndex(records)
    people = [args.id] if args.id else scored_people(index, args.as_of)
    scores = []
    for pid in people:
        district = args.district or home_district(index, pid, args.as_of)
        if district is None:
            raise CliError(f"{pid} 无居住登记, 请用 --district 指定区县 / no residence "
                           "registration: give --district")
        scores.append(evaluate_person(index, pid, args.as_of, district, rules))
    if args.format == "json":
        data = [s.to_dict() for s in scores]
        json.dump(data[0] if args.id else data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(out, fieldnames=csv_columns(rules), lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_row(s, rules) for s in scores if not s.is_minor)
    else:
        print("\n\n".join(format_text(s) for s in scores), file=out)
    return 0


def cmd_compare(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from points.compare import compare_rule_sets
    from points.population import frames_from_records

    a, b = _rules(args.a), _rules(args.b)
    records = load_records(args.records, args.as_of, err)
    report = compare_rule_sets(frames_from_records(records), args.as_of, a, b)
    print(report.to_json(indent=2), file=out)
    return 0


def cmd_generate(args: argparse.Namespace, out: TextIO) -> int:
    from points.synth import generate

    summary = generate(args.n, args.seed, Path(args.out), args.format)
    print(json.dumps(summary, ensure_ascii=False, default=str), file=out)
    return 0


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
    s.add_argument("--format", choices=("text", "json", "csv"), default="text")
    s.add_argument("--rules", help="rule file or profile name (default ningbo-2021)")
    c = sub.add_parser("compare", help="compare two rule sets on a population")
    c.add_argument("--records", required=True)
    c.add_argument("--as-of", required=True, type=_date)
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
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
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
