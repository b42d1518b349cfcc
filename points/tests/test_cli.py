"""``xjm points`` through ``points.cli.main``: exit codes, CSV columns, exact numbers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import yaml

from points.cli import csv_columns, main
from points.rules import load_profile
from points.tests.samples import SAMPLES

PROFILE = Path(__file__).resolve().parents[1] / "profiles" / "ningbo-2021.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_validate_ok_and_errors(tmp_path: Path) -> None:
    code, out, _ = run("validate", str(PROFILE))
    assert code == 0 and "valid" in out
    data = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    data["items"]["age"]["measure"]["kind"] = "nope"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out, _ = run("validate", str(bad))
    assert code == 1
    assert f"{bad}: items.age.measure.kind: 未知的计分方式 'nope'" in out
    assert "unknown measure kind 'nope'" in out


def test_score_csv_columns_and_exact_numbers() -> None:
    code, out, _ = run("score", "--records", str(SAMPLES / "jsonl"), "--as-of", "2026-12-01",
                       "--district", "330212", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    header = out.splitlines()[0].split(",")
    assert header[:6] == ["id_number", "district", "common", "score", "frozen", "frozen_until"]
    assert header == csv_columns(load_profile("ningbo-2021"))
    assert {"age", "crime", "charity", "patrol", "veteran", "local_home"} <= set(header)
    with open(SAMPLES / "expected_scores.csv", encoding="utf-8") as f:
        expected = {r["id_number"]: r for r in csv.DictReader(f) if r["is_minor"] == "false"}
    assert {r["id_number"] for r in rows} == set(expected)  # adults only
    for row in rows:
        want = expected[row["id_number"]]
        assert row["district"] == "330212"
        assert row["score"] == want["score_330212"] and row["common"] == want["common"]
        assert row["frozen"] == want["frozen"] and row["frozen_until"] == want["frozen_until"]
        for key in ("permit", "social_insurance", "admin_penalty", "crime", "dishonesty"):
            assert row[key] == want[key], (row["id_number"], key)
        assert row["patrol"] == ""  # not an item of 330212


def test_score_csv_home_district_from_csv_feeds() -> None:
    code, out, _ = run("score", "--records", str(SAMPLES / "csv"), "--as-of", "2026-12-01",
                       "--format", "csv")
    assert code == 0
    rows = {r["id_number"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["34122119971011652X"]["district"] == "330282"
    with open(SAMPLES / "expected_scores.csv", encoding="utf-8") as f:
        for want in csv.DictReader(f):
            if want["is_minor"] == "false":
                row = rows[want["id_number"]]
                assert row["score"] == want[f"score_{row['district']}"]


def test_score_json_and_text_for_one_person() -> None:
    args = ("score", "--records", str(SAMPLES / "jsonl"), "--as-of", "2026-12-01",
            "--id", "340102198201234958", "--district", "330212")
    code, out, _ = run(*args, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["frozen"] is True and data["frozen_until"] == "2031-11-24"
    assert next(i for i in data["items"] if i["key"] == "dishonesty")["points"] == "-30.00"
    code, out, _ = run(*args)
    assert code == 0 and "dishonesty" in out and "-30.00" in out and "CREDIT:DL000001" in out


def test_score_with_other_profile_and_bad_input() -> None:
    code, out, _ = run("score", "--records", str(SAMPLES / "jsonl"), "--as-of", "2026-12-01",
                       "--format", "csv", "--rules", "zhejiang-2022")
    assert code == 0 and "residence" in out.splitlines()[0]
    code, _, err = run("score", "--records", "/nonexistent", "--as-of", "2026-12-01")
    assert code == 1 and "no such directory" in err
    code, _, err = run("score", "--records", str(SAMPLES / "jsonl"), "--as-of", "2026-12-01",
                       "--rules", "nope")
    assert code == 1 and "no profile named nope" in err
    assert run("score", "--records", "x", "--as-of", "01/12/2026")[0] == 2
    assert run("score", "--records", "x", "--as-of", "2026-12-01", "--district", "110105")[0] == 2


def test_population_and_one_person_paths_give_the_same_csv_rows() -> None:
    """`points score --format csv` uses the Polars path; the one-person evaluator must give
    the very same rows, with and without --district."""
    import datetime as dt

    from points.cli import score_rows, score_rows_one_by_one
    from points.feeds import read_paths

    as_of = dt.date(2026, 12, 1)
    rules = load_profile("ningbo-2021")
    for folder in ("jsonl", "csv"):
        records = [r for _, _, r in read_paths([SAMPLES / folder]) if not isinstance(r, list)]
        for district in (None, "330226"):
            polars_rows = list(score_rows(records, as_of, rules, district))
            python_rows = sorted(score_rows_one_by_one(records, as_of, rules, district),
                                 key=lambda row: row["id_number"])
            assert len(polars_rows) > 50
            assert polars_rows == python_rows


def test_compare_prints_the_report_as_json() -> None:
    code, out, _ = run("compare", "--records", str(SAMPLES / "jsonl"), "--as-of", "2026-12-01",
                       "ningbo-2021", "zhejiang-2022")
    assert code == 0
    report = json.loads(out)
    assert report["rule_a"] != report["rule_b"]
    assert report["count"] > 50 and 0 <= report["changed"] <= report["count"]
    assert sum(b["gainers"] + b["losers"] for b in report["bands"]) == report["changed"]
