"""``xjm points score|compare`` over whole populations: Parquet and JSON Lines give the very
same files, rejected rows are reported for every input format, the table's two formats say
the same, progress lines, the refusals."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl
import pytest

from points import cli
from points.cli import csv_columns, main
from points.feeds import Record, read_file
from points.feeds.readers import feed_files
from points.feeds.writers import write_jsonl, write_parquet
from points.rules import load_profile
from points.tests.samples import samples_dir

AS_OF = "2026-12-01"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def sample_files() -> dict[str, list[Record]]:
    """The JSON Lines samples: file name (without suffix) → its valid records, in order."""
    return {path.stem: [r for _, r in read_file(path) if isinstance(r, Record)]
            for path in feed_files([samples_dir() / "jsonl"])}


def write_both(files: Mapping[str, Iterable[Record]], root: Path) -> tuple[Path, Path]:
    """The same files of records as JSON Lines (root/jsonl) and Parquet (root/parquet)."""
    jsonl, parquet = root / "jsonl", root / "parquet"
    jsonl.mkdir(parents=True)
    parquet.mkdir(parents=True)
    for stem, records in files.items():
        records = list(records)
        write_jsonl(records, jsonl / f"{stem}.jsonl")
        write_parquet(records, parquet / f"{stem}.parquet", type_name=records[0].type)
    return jsonl, parquet


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_both(sample_files(), tmp_path_factory.mktemp("samples"))


def score_files(records: Path, out: Path, *extra: str) -> tuple[bytes, bytes, str]:
    """(CSV file, Parquet file, stderr) of `points score` over ``records``."""
    out.mkdir()
    code, _, err = run("score", "--records", str(records), "--as-of", AS_OF, "--format",
                       "csv", "--out", str(out / "s.csv"), *extra)
    assert code == 0, err
    code, _, err2 = run("score", "--records", str(records), "--as-of", AS_OF, "--format",
                        "parquet", "--out", str(out / "s.parquet"), *extra)
    assert code == 0 and err2 == err
    return (out / "s.csv").read_bytes(), (out / "s.parquet").read_bytes(), err


def test_parquet_and_json_lines_give_identical_files(both: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    jsonl, parquet = both
    for extra in ((), ("--district", "330226")):
        name = "-".join(extra) or "home"
        from_jsonl = score_files(jsonl, tmp_path / f"j{name}", *extra)
        from_parquet = score_files(parquet, tmp_path / f"p{name}", *extra)
        assert from_jsonl == from_parquet
        assert from_jsonl[0].count(b"\n") > 50
    # the same text as the CSV the shared samples' CSV feeds give on standard output
    code, out, _ = run("score", "--records", str(samples_dir() / "csv"), "--as-of", AS_OF,
                       "--format", "csv")
    assert code == 0 and out.encode() == (tmp_path / "jhome" / "s.csv").read_bytes()


def test_the_parquet_table_says_what_the_csv_says(both: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    csv_bytes, _, _ = score_files(both[1], tmp_path / "out")
    table = pl.read_parquet(tmp_path / "out" / "s.parquet")
    rules = load_profile("ningbo-2021")
    assert table.columns == csv_columns(rules)
    assert table.schema["score"] == pl.Decimal(12, 2)
    assert table.schema["age"] == pl.Decimal(12, 2)
    assert table.schema["frozen"] == pl.Boolean and table.schema["frozen_until"] == pl.Date
    assert table.write_csv(line_terminator="\n").encode() == csv_bytes
    text = csv_bytes.decode()
    assert ",-30.00," in text and "\n" in text and "\r" not in text
    frozen = table.filter(pl.col("frozen"))
    assert frozen.height and frozen["frozen_until"].null_count() == 0


def _changed(r: Record, **fields: object) -> Record:
    return dataclasses.replace(r, fields={**r.fields, **fields})


#: A valid ID number nobody in the samples has.
OUTSIDER = "110105198001010016"


def rejected_rows() -> tuple[dict[str, list[Record]], dict[str, list[Record]]]:
    """The samples, and the samples plus rows the version rules reject, in later files,
    each of which would change the scores if it were applied: a same-version conflict
    (another diploma level), an identity change (someone's only registration moved to a
    person with no records) and a record sent again under another type (a lease's key as
    a home ownership of the tenant, who owns no home)."""
    files = sample_files()
    diploma = next(r for r in files["diploma"] if r.op == "upsert")
    level = "master" if diploma.get("level") != "master" else "bachelor"
    registrations = files["residence_registration"]
    registration = next(r for r in registrations if r.get("ended_on") is None and sum(
        o.id_number == r.id_number for o in registrations) == 1)
    owners = {r.id_number for r in files["home_ownership"]}
    lease = next(r for r in files["lease"] if r.id_number not in owners and r.op == "upsert")
    home = files["home_ownership"][0]
    extra = {  # named to arrive after the samples (files are read in name order)
        "z1_diploma": [_changed(diploma, level=level)],
        "z2_registration": [dataclasses.replace(
            registration, version=registration.version + 5, id_number=OUTSIDER)],
        "z3_home": [dataclasses.replace(
            home, record_id=lease.record_id, version=lease.version + 5,
            id_number=lease.id_number, fields={"district": lease.get("district"),
                                               "start": lease.get("start")})],
    }
    return files, {**files, **extra}


def test_rejected_rows_are_reported_and_the_first_record_stays(tmp_path: Path) -> None:
    clean, dirty = rejected_rows()
    _, clean_parquet = write_both(clean, tmp_path / "clean")
    dirty_jsonl, dirty_parquet = write_both(dirty, tmp_path / "dirty")
    want = score_files(clean_parquet, tmp_path / "c")
    assert want[2] == ""  # nothing rejected in the samples
    from_parquet = score_files(dirty_parquet, tmp_path / "p")
    from_jsonl = score_files(dirty_jsonl, tmp_path / "j")
    assert from_parquet[:2] == want[:2] == from_jsonl[:2]  # the rejected rows change nothing
    err = from_parquet[2]
    assert "已拒绝 1 条同版本冲突记录" in err and "rejected 1 same-version conflicts" in err
    assert "已拒绝 2 条身份变更记录" in err and "rejected 2 identity changes" in err
    (diploma,) = dirty["z1_diploma"]
    assert (f"{dirty_parquet / 'z1_diploma.parquet'} 第 1 行 / row 1: EDU "
            f"{diploma.record_id} version {diploma.version} (diploma)") in err
    assert f"{dirty_parquet / 'z2_registration.parquet'} 第 1 行" in err
    (home,) = dirty["z3_home"]
    assert (f"{dirty_parquet / 'z3_home.parquet'} 第 1 行 / row 1: HOUSING {home.record_id} "
            f"version {home.version} (home_ownership)") in err
    assert from_jsonl[2] == err.replace(".parquet", ".jsonl").replace(
        str(dirty_parquet), str(dirty_jsonl))
    # the one-person path (records in memory, ingestion's RecordStore) reports the same
    person = OUTSIDER  # the registration moved to them is rejected: they have none
    code, out, err_one = run("score", "--records", str(dirty_parquet), "--as-of", AS_OF,
                             "--id", person, "--district", "330212", "--format", "json")
    assert code == 0 and json.loads(out)["id_number"] == person
    assert err_one == err


def test_compare_reads_parquet_as_it_reads_json_lines(both: tuple[Path, Path]) -> None:
    outs = [run("compare", "--records", str(d), "--as-of", AS_OF, "ningbo-2021",
                "zhejiang-2022") for d in both]
    assert outs[0][0] == 0 and outs[0] == outs[1]
    assert json.loads(outs[0][1])["count"] > 50


def test_progress_lines_when_asked(both: tuple[Path, Path], tmp_path: Path) -> None:
    args = ("score", "--records", str(both[1]), "--as-of", AS_OF, "--format", "parquet",
            "--out", str(tmp_path / "s.parquet"))
    code, _, err = run(*args, "--progress")
    assert code == 0
    lines = err.splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == [
        "读取记录… / reading records…", "整理各项数据… / preparing the inputs…",
        "计分… / scoring…", "写出… / writing…", "完成 / done"]
    seconds = [float(line[1:].split(" s]")[0]) for line in lines]
    assert seconds == sorted(seconds)
    assert run(*args, "--no-progress")[2] == "" and run(*args)[2] == ""  # not a terminal


def test_json_for_everyone_is_the_list_json_dump_writes(both: tuple[Path, Path]) -> None:
    code, out, _ = run("score", "--records", str(both[0]), "--as-of", AS_OF,
                       "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data) > 50
    assert out == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_refusals_are_bilingual_one_liners(both: tuple[Path, Path], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run("score", "--records", str(both[1]), "--as-of", AS_OF, "--format",
                       "parquet")
    assert code == 2 and "需要 --out FILE" in err and "needs --out FILE" in err
    monkeypatch.setattr(cli, "EXPLAINED_MAX_RECORDS", 100)
    for folder in both:
        code, out, err = run("score", "--records", str(folder), "--as-of", AS_OF)
        assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
        assert "最多读取 100 条记录" in err and "--format parquet --out FILE" in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "lease.parquet").write_bytes(b"not a parquet file")
    code, _, err = run("score", "--records", str(broken), "--as-of", AS_OF, "--format", "csv")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "无法读取记录文件" in err and "cannot read the record files" in err
