"""From live department records to what the rules need for one person as of a date D.

Pure functions over ``points.feeds.record.Record``. ``RecordIndex`` indexes the live
records once (by subject ID number, marriages both ways, guardianships by child, complex
rents by complex and year) so that scoring many people one by one stays linear. Every
fact keeps the ids of the records behind it (``record_ref``: "SOURCE:record_id").

Overrides (domain §9.1, type ``record_override``): as of D a record is disregarded, as if
absent, while an override of its key is in force at D (from ≤ D, and D ≤ until when
there is one). The index's look-ups that are given D (``of(…, as_of)``, ``spouses``,
``guardians``, ``complex_rent(…, as_of)``, and so ``PersonInputs.records``) leave such
records out, so no measure counts and no explanation cites them. A retracted override is
not live, so it has no effect.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from points.feeds.record import Record
from points.feeds.versions import current_records
from points.identifiers import age_in_full_years, parse_id_number
from points.measures.dates import ONE_DAY, in_force, month_index, within


def record_ref(record: Record) -> str:
    """How a record is named in explanations: "SOURCE:record_id"."""
    return f"{record.source}:{record.record_id}"


def required_date(record: Record, name: str) -> dt.date:
    """A date field the record's type requires (parsing guarantees it is there)."""
    value = record.date(name)
    if value is None:
        raise ValueError(f"{record_ref(record)}: no date in required field {name!r}")
    return value


OVERRIDE = "record_override"
Key = tuple[str, str]  # (source, record_id), as Record.key
_DISREGARDED_CACHE = 64  # dates remembered per index (one nightly or one person: a few)


def override_target(record: Record) -> Key | None:
    """The key a ``record_override`` of effect ``disregard`` sets aside (None for any
    other record). Only the platform sends the type (points.feeds.schema)."""
    if record.type != OVERRIDE or record.get("effect") != "disregard":
        return None
    return (str(record.get("target_source")), str(record.get("target_record_id")))


def live_records(records: Iterable[Record]) -> list[Record]:
    """The records in force after versions and retractions
    (``points.feeds.versions.current_records``)."""
    return current_records(records)


class RecordIndex:
    """Live records indexed for per-person lookups (build once, query many times)."""

    def __init__(self, records: Iterable[Record], *, live: bool = False) -> None:
        """``records``: all types, all people; set ``live=True`` when versions and
        retractions were already applied."""
        self.records = list(records) if live else live_records(records)
        self._by_subject: dict[str, dict[str, list[Record]]] = defaultdict(
            lambda: defaultdict(list))
        self._marriages: dict[str, list[Record]] = defaultdict(list)
        self._guardians: dict[str, list[Record]] = defaultdict(list)
        self._rents: dict[str, dict[int, Record]] = defaultdict(dict)
        # target key -> (from, until) of each live override of it
        self._overrides: dict[Key, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
        self._disregarded: dict[dt.date, frozenset[Key]] = {}
        for r in self.records:
            target = override_target(r)
            if target is not None:
                self._overrides[target].append((required_date(r, "from"), r.date("until")))
            if r.type == "complex_rent":
                self._rents[str(r.get("complex_id"))][int(r.get("year"))] = r
                continue
            if r.id_number:
                self._by_subject[r.id_number][r.type].append(r)
            if r.type == "marriage":
                for person in (r.id_number, r.get("spouse_id_number")):
                    if person:
                        self._marriages[person].append(r)
            elif r.type == "guardianship" and r.get("child_id_number"):
                self._guardians[r.get("child_id_number")].append(r)

    def disregarded(self, as_of: dt.date) -> frozenset[Key]:
        """The keys (source, record_id) set aside at D by an override in force at D."""
        if not self._overrides:
            return frozenset()
        keys = self._disregarded.get(as_of)
        if keys is None:
            keys = frozenset(k for k, spans in self._overrides.items()
                             if any(in_force(start, until, as_of) for start, until in spans))
            if len(self._disregarded) >= _DISREGARDED_CACHE:
                self._disregarded.clear()
            self._disregarded[as_of] = keys
        return keys

    def _kept(self, records: Iterable[Record], as_of: dt.date | None) -> list[Record]:
        """``records`` without those disregarded at D (all of them when no D is given)."""
        gone = self.disregarded(as_of) if as_of is not None else frozenset()
        if not gone:
            return list(records)
        return [r for r in records if (r.source, r.record_id) not in gone]

    def of(self, id_number: str, type_: str, as_of: dt.date | None = None) -> list[Record]:
        """The subject's live records of one type (empty list if none); given D, without
        the records an override disregards at D. Scoring always passes D; without it the
        result is every live record (what was received, not what counts)."""
        by_type = self._by_subject.get(id_number)
        return self._kept(by_type.get(type_, ()), as_of) if by_type else []

    def subjects(self, type_: str) -> list[str]:
        """ID numbers with at least one record of ``type_``."""
        return [i for i, by_type in self._by_subject.items() if by_type.get(type_)]

    def spouses(self, id_number: str, as_of: dt.date) -> list[tuple[str, Record]]:
        """Spouses at D: marriages linking the person either way, since ≤ D and not
        ended (ended_on absent or ≥ D)."""
        out = []
        for m in self._kept(self._marriages.get(id_number, ()), as_of):
            if in_force(m.date("since"), m.date("ended_on"), as_of):
                other = m.get("spouse_id_number") if m.id_number == id_number else m.id_number
                if other and other != id_number:
                    out.append((other, m))
        return out

    def guardians(self, child_id_number: str, as_of: dt.date) -> list[tuple[str, Record]]:
        """Guardians of a child at D (guardianship: subject = guardian, since ≤ D)."""
        return [(g.id_number, g)
                for g in self._kept(self._guardians.get(child_id_number, ()), as_of)
                if g.id_number and ((since := g.date("since")) is None or since <= as_of)]

    def complex_rent(self, complex_id: str, year: int, as_of: dt.date | None = None
                     ) -> Record | None:
        """The complex's average-rent record for ``year``, else the latest earlier year
        (given D, among those not disregarded at D)."""
        by_year = self._rents.get(complex_id, {})
        gone = self.disregarded(as_of) if as_of is not None else frozenset()
        years = [y for y, r in by_year.items() if y <= year and r.key not in gone]
        return by_year[max(years)] if years else None


@dataclass(frozen=True)
class PersonInputs:
    """One person as the rules see them at D."""

    id_number: str
    as_of: dt.date
    birth_date: dt.date
    age: int
    index: RecordIndex = field(repr=False)

    def records(self, type_: str) -> list[Record]:
        """The person's records of one type that count at D (overrides applied)."""
        return self.index.of(self.id_number, type_, self.as_of)

    @property
    def is_minor(self) -> bool:
        return self.age < 18

    def spouses(self) -> list[tuple[str, Record]]:
        return self.index.spouses(self.id_number, self.as_of)


def person_inputs(index: RecordIndex, id_number: str, as_of: dt.date) -> PersonInputs:
    """Build the inputs of one person (age from the ID number's birth date)."""
    birth = parse_id_number(id_number, today=dt.date.max).birth_date
    return PersonInputs(id_number, as_of, birth, age_in_full_years(birth, as_of), index)


# ---- facts (each returns the record refs behind it) -------------------------------------

def matches(record: Record, flt: Mapping[str, tuple[str, ...]] | None) -> bool:
    """A record matches a filter when every field's str value is one of the accepted."""
    return not flt or all(str(record.get(k)) in v for k, v in flt.items())


def distinct_months(periods: Iterable[Record], as_of: dt.date) -> tuple[int, list[str]]:
    """Distinct "YYYY-MM" months covered by periods, up to D's month, and the refs of
    the periods contributing at least one month."""
    last = as_of.year * 12 + as_of.month - 1
    months: set[int] = set()
    refs = []
    for p in periods:
        first = month_index(p.get("first_month"))
        end = min(month_index(p.get("last_month")), last)
        if first <= end:
            months.update(range(first, end + 1))
            refs.append(record_ref(p))
    return len(months), refs


@dataclass(frozen=True)
class Spell:
    """A joined spell: start, end (None = open) and the records joined."""

    start: dt.date
    end: dt.date | None
    refs: tuple[str, ...]


def join_spells(records: Iterable[Record], as_of: dt.date, gap_days: int) -> list[Spell]:
    """Join spells (start, end?) starting ≤ D: the next joins when the days strictly
    between (next start − previous end − 1) are ≤ gap_days; an open spell never breaks."""
    spells: list[Spell] = []
    dated = sorted((r for r in records if (start := r.date("start")) and start <= as_of),
                   key=lambda r: (r.date("start"), record_ref(r)))
    for r in dated:
        start, end = r.date("start"), r.date("end")
        assert start is not None
        if spells:
            cur = spells[-1]
            if cur.end is None or (start - cur.end - ONE_DAY).days <= gap_days:
                new_end = None if cur.end is None or end is None else max(cur.end, end)
                spells[-1] = Spell(cur.start, new_end, (*cur.refs, record_ref(r)))
                continue
        spells.append(Spell(start, end, (record_ref(r),)))
    return spells


def in_window(records: Iterable[Record], date_field: str, as_of: dt.date,
              window_months: int | None, flt: Mapping[str, tuple[str, ...]] | None = None
              ) -> list[Record]:
    """Records dated (by ``date_field``) in (D − window, D] (no window: ≤ D), filtered."""
    return [r for r in records if within(r.date(date_field), as_of, window_months)
            and matches(r, flt)]


def latest_counts(records: Iterable[Record], as_of: dt.date, group_field: str,
                  date_field: str, count_field: str) -> tuple[int, list[str]]:
    """Per group the latest record dated ≤ D (higher count on a tie); Σ counts, refs."""
    best: dict[str, Record] = {}
    for r in records:
        d = r.date(date_field)
        if d is None or d > as_of:
            continue
        key = str(r.get(group_field))
        seen = best.get(key)
        if seen is None or (d, int(r.get(count_field))) > (
                seen.date(date_field), int(seen.get(count_field))):
            best[key] = r
    return (sum(int(r.get(count_field)) for r in best.values()),
            sorted(record_ref(r) for r in best.values()))


def sum_amount(records: Iterable[Record], amount_field: str) -> Decimal:
    return sum((Decimal(r.get(amount_field) or 0) for r in records), Decimal(0))
