"""Write the demo data through the services (so values are encrypted and audited).

Idempotent: people are found by their ID number (keyed hash), staff by username, places
by code; running it again adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from xinjumin.accounts import services as accounts
from xinjumin.accounts.models import User
from xinjumin.demo import personas
from xinjumin.demo.population import COMPLEX_NAMES, DemoPerson, DemoPopulation, demo_population
from xinjumin.demo.records import demo_feed_rows
from xinjumin.geo.models import Building, Complex, District, Street, Unit
from xinjumin.people import selectors as people_selectors
from xinjumin.people import services as people
from xinjumin.people.models import Guardianship, Marriage, Resident
from xinjumin.records.models import ImportBatch
from xinjumin.records.services import records_ingest


def demo_allowed() -> None:
    """Demo credentials are public: refuse them in production."""
    if settings.XJM_ENV == "production":
        raise ImproperlyConfigured(
            "演示数据与演示账户不能用于生产环境 (XJM_ENV=production) / demo data and demo "
            "logins are refused when XJM_ENV=production")


@dataclass
class LoadReport:
    residents_created: int = 0
    staff_created: int = 0
    links_created: int = 0
    residents_total: int = 0
    records_created: int = 0


def _unit(street: Street, index: tuple[int, int, int]) -> Unit:
    c, b, u = index
    name = COMPLEX_NAMES[(int(street.code[-3:]) + c) % len(COMPLEX_NAMES)]
    complex_, _ = Complex.objects.get_or_create(
        code=f"{street.code}-{c + 1:02d}", defaults={"street": street, "name": name})
    building, _ = Building.objects.get_or_create(complex=complex_, number=str(b + 1))
    unit, _ = Unit.objects.get_or_create(building=building, number=f"{(u // 2 + 1)}0{u % 2 + 1}")
    return unit


def _resident(person: DemoPerson, report: LoadReport) -> Resident:
    existing = people_selectors.resident_by_id_number(id_number=person.id_number)
    if existing is not None:
        return existing
    street = Street.objects.get(pk=person.street)
    resident = people.resident_create(
        id_number=person.id_number, name=person.name,
        district=District.objects.get(pk=person.district), phone=person.phone,
        street=street, unit=_unit(street, person.unit) if person.unit else None,
        arrived_on=person.arrived_on, registered_on=person.registered_on)
    report.residents_created += 1
    return resident


def _spouses(a: Resident, b: Resident, since: dt.date, report: LoadReport) -> None:
    low, high = sorted((a.pk, b.pk))
    if not Marriage.objects.filter(spouse_a_id=low, spouse_b_id=high).exists():
        people.resident_link_spouse(a=a, b=b, since=since)
        report.links_created += 1


def _guardian(guardian: Resident, child: Resident, since: dt.date, report: LoadReport) -> None:
    if not Guardianship.objects.filter(guardian=guardian, child=child).exists():
        people.resident_link_guardian(guardian=guardian, child=child, since=since)
        report.links_created += 1


def persona_family() -> DemoPopulation:
    """The resident persona, spouse and child (keys "me", "spouse", "child")."""
    base = dict(district=personas.RESIDENT_DISTRICT, street=personas.RESIDENT_STREET,
                unit=(0, 0, 0))
    family = DemoPopulation()
    family.people = [
        DemoPerson("me", personas.RESIDENT_NAME, personas.RESIDENT_ID_NUMBER,
                   personas.RESIDENT_PHONE, arrived_on=dt.date(2015, 3, 1),
                   registered_on=dt.date(2015, 3, 10), **base),
        DemoPerson("spouse", personas.SPOUSE["name"], personas.SPOUSE["id_number"],
                   personas.SPOUSE["phone"], arrived_on=dt.date(2016, 6, 1),
                   registered_on=dt.date(2016, 6, 20), **base),
        DemoPerson("child", personas.CHILD["name"], personas.CHILD["id_number"], "",
                   arrived_on=None, registered_on=None, **base),
    ]
    family.marriages = [("me", "spouse", personas.SPOUSE["married_on"])]
    family.guardianships = [("me", "child", dt.date(2018, 9, 5)),
                            ("spouse", "child", dt.date(2018, 9, 5))]
    return family


def _persona_family(report: LoadReport, family: DemoPopulation) -> None:
    by_key = {p.key: _resident(p, report) for p in family.people}
    for a, b, since in family.marriages:
        _spouses(by_key[a], by_key[b], since, report)
    for guardian, child, since in family.guardianships:
        _guardian(by_key[guardian], by_key[child], since, report)
    accounts.resident_account_for(by_key["me"])


def _staff(report: LoadReport) -> None:
    for persona in personas.STAFF:
        user = User.objects.filter(username=persona.username).first()
        if user is None:
            user = accounts.staff_create(
                username=persona.username, password=personas.DEMO_PASSWORD,
                role=persona.role, district=persona.district,
                display_name=persona.display_name)
            report.staff_created += 1
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None or device.key != persona.totp_key:
            device, _ = accounts.staff_totp_device_create(user=user)
            # A fixed, published demo secret so anyone trying the demo can compute codes.
            TOTPDevice.objects.filter(pk=device.pk).update(key=persona.totp_key)


def load_demo(*, target: int = 200, today: dt.date | None = None,
              records: bool = True) -> LoadReport:
    """Load the personas and about `target` residents over the ten districts (one
    transaction), then, unless `records` is false, send their department records through
    the ingestion service (idempotent: a second run reports every record unchanged)."""
    demo_allowed()
    with transaction.atomic():
        report, populations = _load_people(target=target)
    if not records:
        return report
    # One call over everyone (keys "me"/"spouse"/"child" and "p001"... never clash), so
    # record ids and complex rents are numbered once.
    rows = demo_feed_rows(
        people=[p for pop in populations for p in pop.people],
        marriages=[m for pop in populations for m in pop.marriages],
        guardianships=[g for pop in populations for g in pop.guardianships],
        today=today or timezone.localdate())
    batch, _ = records_ingest(rows=rows, channel=ImportBatch.Channel.FILE)
    ImportBatch.objects.filter(pk=batch.pk).update(file_name="demo")
    report.records_created = batch.created
    return report


def _load_people(*, target: int) -> tuple[LoadReport, list[DemoPopulation]]:
    report = LoadReport()
    _staff(report)
    family = persona_family()
    _persona_family(report, family)
    streets: dict[str, list[str]] = {}
    for code, district in Street.objects.values_list("code", "district_id"):
        streets.setdefault(district, []).append(code)
    reserved_ids = {personas.RESIDENT_ID_NUMBER, personas.SPOUSE["id_number"],
                    personas.CHILD["id_number"]}
    population = demo_population(streets=streets, target=max(0, target - 3),
                                 reserved_ids=reserved_ids,
                                 reserved_phones={personas.RESIDENT_PHONE,
                                                  personas.SPOUSE["phone"]})
    by_key = {p.key: _resident(p, report) for p in population.people}
    for a, b, since in population.marriages:
        _spouses(by_key[a], by_key[b], since, report)
    for guardian, child, since in population.guardianships:
        _guardian(by_key[guardian], by_key[child], since, report)
    report.residents_total = Resident.objects.count()
    return report, [family, population]
