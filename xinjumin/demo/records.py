"""Department records for the demo population, in the feeds.md format.

`make run` sends them through the real ingestion service (records_ingest), so a demo
resident finds a score already computed and explained (先赋分). The resident persona's
records follow the worked example of domain.md §7.7: 82 common points, 87 in 鄞州.
Deterministic: the same people give the same records, so loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

from points import uscc_check_character
from xinjumin.demo import personas
from xinjumin.demo.population import DemoPerson

SEED = 20261201


def _uscc(n: int, district: str) -> str:
    first17 = f"91{district}MA{n:07d}"[:17].ljust(17, "0")
    return first17 + uscc_check_character(first17)


def _month(d: dt.date, back: int) -> str:
    index = d.year * 12 + d.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def complex_id(person: DemoPerson) -> str | None:
    return f"{person.street}-{person.unit[0] + 1:02d}" if person.unit else None


def unit_label(person: DemoPerson) -> str | None:
    if not person.unit:
        return None
    _, b, u = person.unit
    return f"{b + 1}-{u // 2 + 1}0{u % 2 + 1}"


class _Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.counter: dict[str, int] = {}

    def add(self, source: str, type_: str, id_number: str | None, **fields: Any) -> None:
        n = self.counter[type_] = self.counter.get(type_, 0) + 1
        row = {"source": source, "type": type_, "record_id": f"DEMO-{type_}-{n:05d}",
               "version": 1, "op": "upsert"}
        if id_number:
            row["id_number"] = id_number
        row.update({k: (v.isoformat() if isinstance(v, dt.date) else v)
                    for k, v in fields.items() if v is not None})
        self.rows.append(row)


def _registration(out: _Rows, p: DemoPerson) -> None:
    out.add("PSB", "residence_registration", p.id_number, district=p.district,
            street=p.street, complex_id=complex_id(p), unit=unit_label(p),
            arrived_on=p.arrived_on or p.registered_on, registered_on=p.registered_on)


def _persona(out: _Rows, me: DemoPerson) -> None:
    """The §7.7 worked example, on the resident persona."""
    employer = _uscc(1, "330212")
    _registration(out, me)
    out.add("PSB", "residence_permit", me.id_number, permit_no="3302122015000001",
            district="330212", issued_on=dt.date(2015, 9, 15), count_start=me.registered_on,
            last_endorsed_on=dt.date(2026, 8, 20))
    out.add("HRSS", "social_insurance_period", me.id_number, employer_uscc=employer,
            district="330212", first_month="2023-10", last_month="2026-11")  # 38 months
    out.add("EDU", "diploma", me.id_number, level="junior_college", issued_on=dt.date(2010, 7, 1))
    out.add("HRSS", "skill_certificate", me.id_number, kind="level", level=4,
            issued_on=dt.date(2019, 5, 1))
    out.add("HRSS", "employment", me.id_number, kind="contract", district="330212",
            start=dt.date(2024, 1, 1))
    out.add("HOUSING", "lease", me.id_number, district="330212", complex_id=complex_id(me),
            unit=unit_label(me), monthly_rent="2800.00", start=dt.date(2024, 3, 1))
    for day, hours in ((dt.date(2025, 4, 12), "25"), (dt.date(2025, 10, 3), "20"),
                       (dt.date(2026, 5, 20), "20")):
        out.add("VOLUNTEER", "volunteer_service", me.id_number, served_on=day, hours=hours)
    out.add("BLOOD", "blood_donation", me.id_number, donated_on=dt.date(2024, 6, 1),
            kind="whole_blood")
    out.add("BLOOD", "blood_donation", me.id_number, donated_on=dt.date(2025, 12, 1),
            kind="platelet")
    out.add("PSB", "admin_penalty", me.id_number, kind="fine", decided_on=dt.date(2025, 2, 1))
    out.add("DISTRICT", "district_item", me.id_number, district="330212", item="charity",
            on=dt.date(2025, 5, 1))


def _ordinary(out: _Rows, p: DemoPerson, today: dt.date, n: int) -> None:
    rng = random.Random(f"{SEED}:{p.id_number}")
    _registration(out, p)
    reg = p.registered_on
    assert reg is not None
    if (today - reg).days > 190 and rng.random() < 0.85:
        out.add("PSB", "residence_permit", p.id_number, permit_no=f"{p.district}{n:010d}",
                district=p.district, issued_on=reg + dt.timedelta(days=185), count_start=reg)
    if rng.random() < 0.85:
        span = rng.randrange(6, 90)
        out.add("HRSS", "social_insurance_period", p.id_number,
                employer_uscc=_uscc(1000 + n % 40, p.district), district=p.district,
                first_month=_month(today, span), last_month=_month(today, 0))
        if rng.random() < 0.7:
            out.add("HRSS", "employment", p.id_number, kind="contract", district=p.district,
                    start=today - dt.timedelta(days=31 * min(span, rng.randrange(3, 60))))
    level = rng.choices(["high_school", "junior_college", "bachelor", "master"],
                        [50, 25, 20, 5])[0]
    out.add("EDU", "diploma", p.id_number, level=level, issued_on=dt.date(2008, 7, 1))
    if rng.random() < 0.3:
        out.add("HRSS", "skill_certificate", p.id_number, kind="level",
                level=rng.choice([3, 4, 5]), issued_on=dt.date(2020, 6, 1))
    if p.unit and rng.random() < 0.85:
        out.add("HOUSING", "lease", p.id_number, district=p.district,
                complex_id=complex_id(p), unit=unit_label(p),
                monthly_rent=f"{rng.randrange(12, 40) * 100}.00",
                start=max(reg, today - dt.timedelta(days=rng.randrange(60, 900))))
    elif rng.random() < 0.2:
        out.add("HOUSING", "home_ownership", p.id_number, district=p.district,
                start=dt.date(2021, 4, 1))
    if rng.random() < 0.15:
        out.add("VOLUNTEER", "volunteer_service", p.id_number,
                served_on=today - dt.timedelta(days=rng.randrange(30, 700)),
                hours=str(rng.randrange(8, 60)))
    if rng.random() < 0.1:
        out.add("BLOOD", "blood_donation", p.id_number,
                donated_on=today - dt.timedelta(days=rng.randrange(30, 2000)),
                kind="whole_blood")


def demo_feed_rows(*, people: Iterable[DemoPerson], marriages: Iterable[tuple[str, str, dt.date]],
                   guardianships: Iterable[tuple[str, str, dt.date]],
                   today: dt.date) -> list[dict[str, Any]]:
    """Feed rows for registered demo people (keys as in DemoPopulation), their family
    links, and the market rent of every complex they lease in."""
    out = _Rows()
    by_key = {p.key: p for p in people}
    for n, p in enumerate(by_key.values()):
        if p.registered_on is None:
            continue  # not registered: not scored (children of the demo families)
        if p.id_number == personas.RESIDENT_ID_NUMBER:
            _persona(out, p)
        else:
            _ordinary(out, p, today, n)
    for a, b, since in marriages:
        out.add("PSB", "marriage", by_key[a].id_number,
                spouse_id_number=by_key[b].id_number, since=since)
    for guardian, child, since in guardianships:
        out.add("PSB", "guardianship", by_key[guardian].id_number,
                child_id_number=by_key[child].id_number, since=since)
    complexes = sorted({(r["complex_id"], r["district"]) for r in out.rows
                        if r["type"] == "lease"})
    for cid, district in complexes:
        rent = 1000 + (sum(map(ord, cid)) % 25) * 80
        out.add("HOUSING", "complex_rent", None, complex_id=cid, district=district,
                year=today.year, average_rent=f"{rent}.00")
    return out.rows
