"""Read scenario files (see README.md) into records and expectations, for any backend.

    for scenario in load_scenarios():
        records = scenario.records              # list[points.feeds.record.Record]
        for case in scenario.cases: case.as_of, case.district, case.person, case.expect
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from points.feeds.parse import parse_row
from points.feeds.record import Record
from points.feeds.schema import type_spec

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    name: str
    person: str
    as_of: dt.date
    district: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    path: Path
    title: str
    profile: str
    records: list[Record]
    cases: list[Case]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    return value


def _record(raw: dict[str, Any], n: int, person: str, path: Path) -> Record:
    row = {k: _plain(v) for k, v in raw.items()}
    spec = type_spec(row["type"])
    if "source" not in row:
        source = spec.sources[0]
        if spec.source_by is not None:
            by_field, mapping = spec.source_by
            value = row.get(by_field)
            if isinstance(value, str):
                source = mapping.get(value, source)
        row["source"] = source
    row.setdefault("record_id", f"{row['type']}-{n}")
    if spec.has_subject:
        row.setdefault("id_number", person)
    result = parse_row(row, row=n, today=dt.date(2100, 1, 1))
    if not isinstance(result, Record):
        raise ValueError(f"{path.name}: record {n} is not valid: {result}")
    return result


def load_scenario(path: str | Path) -> Scenario:
    """One scenario file → records (validated by the feed parser) and cases."""
    path = Path(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    person = str(data.get("person", ""))
    records = [_record(r, n, person, path) for n, r in enumerate(data["records"], 1)]
    cases = [Case(name=str(c.get("name", f"case {i}")), person=str(c.get("person", person)),
                  as_of=c.get("as_of", data.get("as_of")),
                  district=str(c.get("district", data.get("district"))),
                  expect=dict(c.get("expect", {})))
             for i, c in enumerate(data["cases"], 1)]
    return Scenario(path, str(data.get("title", path.stem)),
                    str(data.get("profile", "ningbo-2021")), records, cases)


def scenario_paths() -> list[Path]:
    return sorted(HERE.glob("*.yaml"))


def load_scenarios() -> list[Scenario]:
    return [load_scenario(p) for p in scenario_paths()]
