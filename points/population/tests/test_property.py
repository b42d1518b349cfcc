"""Property: for random small record sets the Polars backend equals the one-person
evaluator (points.evaluate) for every scored person, item by item; the record sets include
overrides (domain §9.1) of their own records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points.evaluate import evaluate_person, rent_subsidy_figure, scored_people
from points.feeds.parse import parse_row
from points.feeds.record import Record
from points.identifiers import id_check_character
from points.inputs import RecordIndex
from points.population import frames_from_records, render, score_population
from points.rules import load_profile
from points.rules.model import DISTRICT_CODES

# Two 29 February births: both backends age them by full months // 12 (domain.md §7.8).
BIRTHS = ["19700105", "19850310", "19910615", "20010823", "20081130", "20120301",
          "19650701", "19990131", "20080229", "19680229"]
PEOPLE = [f"340426{b}01{i}" for i, b in enumerate(BIRTHS)]
PEOPLE = [p + id_check_character(p) for p in PEOPLE]
OUTSIDER = "110105198001010018"
USCC = "91350100M000100Y43"
AS_OF = [dt.date(2026, 12, 1), dt.date(2025, 3, 31), dt.date(2024, 2, 29),
         dt.date(2026, 2, 28)]

day = st.dates(min_value=dt.date(2015, 6, 1), max_value=dt.date(2027, 6, 30))
span = st.integers(min_value=0, max_value=1500)
district = st.sampled_from(DISTRICT_CODES)


def _end(start: dt.date, n: int | None) -> str | None:
    return None if n is None else (start + dt.timedelta(days=n)).isoformat()


@st.composite
def record(draw: st.DrawFn, person: str) -> dict:
    kind = draw(st.sampled_from([
        "residence_registration", "residence_permit", "social_insurance_period",
        "employment", "diploma", "skill_certificate", "lease", "home_ownership", "marriage",
        "dormitory", "public_rental", "shortage_post", "insured_employees", "patent", "award",
        "volunteer_service", "blood_donation", "donor", "admin_penalty", "false_material",
        "dishonesty_listing", "criminal_conviction", "district_item", "district_item"]))
    s = draw(day)
    end = draw(st.none() | span)
    r: dict = {"type": kind, "id_number": person}
    if kind == "residence_registration":
        r |= {"district": draw(district), "arrived_on": s.isoformat(),
              "registered_on": (s + dt.timedelta(days=draw(st.integers(0, 5)))).isoformat()}
    elif kind == "residence_permit":
        susp = draw(st.none() | span)
        r |= {"permit_no": "P1", "district": draw(district), "issued_on": s.isoformat(),
              "count_start": (s - dt.timedelta(days=draw(st.integers(0, 400)))).isoformat(),
              "suspended_on": _end(s, susp), "last_endorsed_on": _end(s, draw(st.none() | span)),
              "ended_on": _end(s, draw(st.none() | span))}
    elif kind == "social_insurance_period":
        a = draw(st.integers(2018 * 12, 2027 * 12))
        b = a + draw(st.integers(0, 40))
        r |= {"employer_uscc": USCC, "district": "330106",
              "first_month": f"{a // 12}-{a % 12 + 1:02d}",
              "last_month": f"{b // 12}-{b % 12 + 1:02d}"}
    elif kind in ("employment", "lease", "home_ownership", "dormitory", "public_rental",
                  "shortage_post"):
        r |= {"start": s.isoformat(), "end": _end(s, end)}
        if kind != "shortage_post":
            r["district"] = draw(st.sampled_from(["330212", "330225", "330203"]))
        r |= {"employment": {"kind": draw(st.sampled_from(["contract", "registration",
                                                           "business_licence"]))},
              "lease": {"complex_id": draw(st.sampled_from(["C1", "C2"])),
                        "monthly_rent": "1000.00"},
              "home_ownership": {}, "public_rental": {}, "dormitory": {"employer_uscc": USCC},
              "shortage_post": {"occupation_code": "4-01"}}[kind]
    elif kind == "marriage":
        r |= {"spouse_id_number": draw(st.sampled_from([*PEOPLE[:4], OUTSIDER])),
              "since": s.isoformat(), "ended_on": _end(s, end)}
    elif kind == "diploma":
        r |= {"level": draw(st.sampled_from(["high_school", "junior_college", "bachelor"])),
              "issued_on": s.isoformat()}
    elif kind == "skill_certificate":
        k = draw(st.sampled_from(["level", "title", "special"]))
        r |= {"kind": k, "issued_on": s.isoformat()}
        if k == "level":
            r["level"] = draw(st.integers(1, 5))
        if k == "title":
            r["title"] = draw(st.sampled_from(["junior", "intermediate", "senior"]))
    elif kind == "insured_employees":
        r |= {"business_uscc": USCC, "as_of": s.isoformat(),
              "insured_count": draw(st.integers(0, 4))}
    elif kind in ("patent", "award", "blood_donation", "donor", "admin_penalty"):
        field, codes = {"patent": ("granted_on", ["invention", "utility", "design"]),
                        "award": ("awarded_on", ["national", "city", "district"]),
                        "blood_donation": ("donated_on", ["whole_blood", "platelet"]),
                        "donor": ("on", ["stem_cell_registered", "organ_registered"]),
                        "admin_penalty": ("decided_on", ["fine", "detention"])}[kind]
        r |= {field: s.isoformat(),
              ("level" if kind == "award" else "kind"): draw(st.sampled_from(codes))}
    elif kind == "volunteer_service":
        r |= {"served_on": s.isoformat(), "hours": str(draw(st.integers(1, 4000)) / 100)}
    elif kind == "false_material":
        r |= {"found_on": s.isoformat()}
    elif kind == "dishonesty_listing":
        r |= {"listed_on": s.isoformat(), "lifted_on": _end(s, end)}
    elif kind == "criminal_conviction":
        st_ = s + dt.timedelta(days=draw(st.integers(0, 60)))
        r |= {"convicted_on": s.isoformat(), "sentence_start": st_.isoformat(),
              "sentence_end": _end(st_, draw(span))}
    else:
        item = draw(st.sampled_from(["courage", "public_post", "party_member",
                                     "festival_stay", "charity", "patrol", "veteran"]))
        r |= {"district": draw(st.sampled_from(["330226", "330213", "330212"])),
              "item": item, "on": s.isoformat(), "end": _end(s, end)}
        if item == "patrol":
            r["hours"] = str(draw(st.integers(50, 900)) / 100)
    return {k: v for k, v in r.items() if v is not None}


@st.composite
def record_sets(draw: st.DrawFn) -> list[Record]:
    people = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True))
    raws: list[dict] = [{"type": "residence_registration", "id_number": p,
                         "district": draw(district),
             "arrived_on": (d := draw(st.dates(dt.date(2015, 1, 1), dt.date(2024, 1, 1)))
                            ).isoformat(), "registered_on": d.isoformat()} for p in people]
    raws += [draw(record(p)) for p in people for _ in range(draw(st.integers(3, 15)))]
    for p in draw(st.lists(st.sampled_from(people), max_size=2)):  # spells at the join edge
        a = draw(st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 1)))
        b = a + dt.timedelta(days=draw(st.integers(30, 400)))
        c = b + dt.timedelta(days=draw(st.integers(30, 34)))
        raws += [{"type": "employment", "id_number": p, "kind": "contract", "district": "330212",
                  "start": a.isoformat(), "end": b.isoformat()},
                 {"type": "employment", "id_number": p, "kind": "registration",
                  "district": "330212", "start": c.isoformat()}]
    # one figure per (complex, year): two records for one key is a feed error whose
    # winner depends on arrival order (the evaluator keeps the last one indexed)
    raws += [{"type": "complex_rent", "complex_id": c, "district": "330212", "year": y,
              "average_rent": str(draw(st.integers(50000, 300000)) / 100)}
             for c in ("C1", "C2")
             for y in draw(st.lists(st.integers(2020, 2027), max_size=3, unique=True))]
    out: list[Record] = []
    for n, raw in enumerate(raws, 1):
        spec_source = {"employment": None}.get(raw["type"], "")
        raw.setdefault("record_id", f"R{n}")
        if spec_source is None:
            raw["source"] = "SAMR" if raw["kind"] == "business_licence" else "HRSS"
        res = parse_row(_with_source(raw), row=n, today=dt.date(2100, 1, 1))
        if isinstance(res, Record):
            out.append(res)
            change = draw(st.sampled_from(["", "", "", "retract", "replay"]))
            if change == "retract":
                out.append(Record(res.source, res.type, res.record_id, 2, "retract",
                                  res.id_number, res.fields))
            elif change == "replay":
                out.append(res)
    return out + draw(overrides(out, people))


@st.composite
def overrides(draw: st.DrawFn, records: list[Record], people: list[str]) -> list[Record]:
    """record_override records (domain §9.1) of some of ``records`` (any type, retracted
    ones too) or of a record nobody sent, in force from a random day, some until a later
    one, some retracted again."""
    targets = [(r.source, r.record_id, r.id_number) for r in records]
    out: list[Record] = []
    for n in range(draw(st.integers(0, 4))):
        source, record_id, subject = draw(st.sampled_from(targets)) if draw(
            st.integers(0, 5)) else ("EDU", "NOBODY-SENT-THIS", None)
        start = draw(day)
        raw = {"type": "record_override", "source": "XJM", "record_id": f"O{n}",
               "id_number": subject or draw(st.sampled_from(people)),
               "target_source": source, "target_record_id": record_id, "effect": "disregard",
               "from": start.isoformat(), "until": _end(start, draw(st.none() | span)),
               "case_no": f"C-{n}"}
        res = parse_row({k: v for k, v in raw.items() if v is not None}, row=n,
                        today=dt.date(2100, 1, 1))
        assert isinstance(res, Record), res
        out.append(res)
        if draw(st.integers(0, 4)) == 0:
            out.append(Record(res.source, res.type, res.record_id, 2, "retract",
                              res.id_number, res.fields))
    return out


def _with_source(raw: dict) -> dict:
    from points.feeds.schema import type_spec

    spec = type_spec(raw["type"])
    raw.setdefault("source", spec.sources[0])
    return raw


def _q(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=record_sets(), as_of=st.sampled_from(AS_OF),
       where=st.sampled_from(["330226", "330213", "330212", "330225", "330203"]),
       profile=st.sampled_from(["ningbo-2021", "ningbo-2021", "zhejiang-2022"]))
def test_population_equals_evaluator(records: list[Record], as_of: dt.date, where: str,
                                     profile: str) -> None:
    rules = load_profile(profile)
    index = RecordIndex(records)
    people = scored_people(index, as_of)
    got = render(score_population(frames_from_records(records), as_of, rules, where))
    assert sorted(got["id_number"]) == people
    for row in got.iter_rows(named=True):
        want = evaluate_person(index, row["id_number"], as_of, where, rules)
        assert row["is_minor"] == want.is_minor
        assert row["score"] == _q(want.score)
        assert row["common"] == _q(want.common)
        if want.is_minor:
            continue
        for item in (*want.items, *want.district_items):
            assert row[item.key] == _q(item.points), item.key
        for cat in want.categories:
            assert row[cat.key] == _q(cat.capped), cat.key
        assert row["frozen"] == want.frozen
        assert row["frozen_until"] == want.frozen_until
        rent = rent_subsidy_figure(index, row["id_number"], as_of, rules, score=(
            evaluate_person(index, row["id_number"], as_of, "330212", rules)))
        assert row["rent_subsidy_330212"] == _q(rent.amount)
        assert row["rent_subsidy_eligible"] == rent.eligible


def test_people_of_the_pool_are_valid() -> None:
    assert all(len(p) == 18 for p in PEOPLE)
    assert pl.Series(PEOPLE).n_unique() == len(PEOPLE)
