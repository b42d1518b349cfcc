"""A deterministic demo population: about 200 residents over the ten districts, couples
with children and single workers. Pure data (no database): `load_demo` writes it."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from points import id_check_character

SEED = 20260101
FAMILY_NAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢"
                "宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程")
GIVEN_MALE = ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "建华", "志强", "国庆",
              "海峰", "俊杰", "文博", "宇航", "浩然", "子轩", "建国"]
GIVEN_FEMALE = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "秀英", "桂英", "丽娟",
                "晓燕", "海燕", "思琪", "欣怡", "雨涵", "梦洁", "佳慧"]
# Places of first registration (ID number address codes) common among Ningbo's new
# residents, plus old Ningbo codes (330204, 330227) that are still valid.
ORIGINS = ["360426", "341221", "511321", "430524", "412726", "522427", "342401", "362430",
           "421127", "500236", "330204", "330227", "330326", "331082"]
COMPLEX_NAMES = ["阳光花园", "金色家园", "和美小区", "东湖苑", "锦绣华庭", "幸福里", "翠柏新村",
                 "春晓公寓"]
PHONE_PREFIXES = ["130", "131", "132", "135", "136", "137", "139", "150", "151", "152", "157",
                  "158", "159", "180", "182", "185", "186", "187", "188", "189"]


@dataclass
class DemoPerson:
    key: str  # stable within the population, for family links
    name: str
    id_number: str
    phone: str
    district: str
    street: str
    unit: tuple[int, int, int] | None  # complex, building, unit indexes on the street
    arrived_on: dt.date | None
    registered_on: dt.date | None


@dataclass
class DemoPopulation:
    people: list[DemoPerson] = field(default_factory=list)
    marriages: list[tuple[str, str, dt.date]] = field(default_factory=list)
    guardianships: list[tuple[str, str, dt.date]] = field(default_factory=list)


class _Builder:
    def __init__(self, streets: dict[str, list[str]], reserved_ids: set[str],
                 reserved_phones: set[str]) -> None:
        self.rng = random.Random(SEED)
        self.streets = streets
        self.ids = set(reserved_ids)
        self.phones = set(reserved_phones)
        self.pop = DemoPopulation()

    def id_number(self, birth: dt.date, male: bool, origin: str | None = None) -> str:
        while True:
            seq = self.rng.randrange(1, 500) * 2 - 1 + (0 if male else 1)
            first17 = f"{origin or self.rng.choice(ORIGINS)}{birth:%Y%m%d}{seq:03d}"
            value = first17 + id_check_character(first17)
            if value not in self.ids:
                self.ids.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def birth(self, first: int, last: int) -> dt.date:
        start = dt.date(first, 1, 1).toordinal()
        return dt.date.fromordinal(self.rng.randrange(start, dt.date(last, 12, 31).toordinal()))

    def arrival(self) -> tuple[dt.date, dt.date]:
        arrived = self.birth(2012, 2024)
        return arrived, arrived + dt.timedelta(days=self.rng.randrange(0, 45))

    def person(self, *, male: bool, birth: dt.date, district: str, street: str,
               family: str | None = None, unit: tuple[int, int, int] | None = None,
               adult: bool = True, origin: str | None = None) -> DemoPerson:
        given = self.rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
        arrived, registered = self.arrival()
        person = DemoPerson(
            key=f"p{len(self.pop.people) + 1:03d}",
            name=(family or self.rng.choice(FAMILY_NAMES)) + given,
            id_number=self.id_number(birth, male, origin),
            phone=self.phone() if adult else "",
            district=district, street=street, unit=unit,
            arrived_on=arrived if adult else None,
            registered_on=registered if adult else None,
        )
        self.pop.people.append(person)
        return person

    def household(self, district: str) -> None:
        street = self.rng.choice(self.streets[district])
        unit = (self.rng.randrange(2), self.rng.randrange(2), self.rng.randrange(4))
        family = self.rng.choice(FAMILY_NAMES)
        husband = self.person(male=True, birth=self.birth(1975, 1995), district=district,
                              street=street, family=family, unit=unit)
        wife = self.person(male=False, birth=self.birth(1977, 1997), district=district,
                           street=street, unit=unit)
        first = max(int(husband.id_number[6:10]) + 22, int(wife.id_number[6:10]) + 20)
        married = self.birth(first, max(first, 2020))
        self.pop.marriages.append((husband.key, wife.key, married))
        for _ in range(self.rng.choice([1, 1, 2])):
            born = self.birth(max(married.year + 1, 2011), max(married.year + 1, 2023))
            child = self.person(male=self.rng.random() < 0.5, birth=born, district=district,
                                street=street, family=family, unit=unit, adult=False,
                                origin=district)
            for parent in (husband, wife):
                self.pop.guardianships.append((parent.key, child.key, born))

    def single(self, district: str) -> None:
        street = self.rng.choice(self.streets[district])
        unit = (self.rng.randrange(2), self.rng.randrange(2), self.rng.randrange(4))
        self.person(male=self.rng.random() < 0.6, birth=self.birth(1972, 2004),
                    district=district, street=street,
                    unit=unit if self.rng.random() < 0.7 else None)


def demo_population(*, streets: dict[str, list[str]], target: int = 200,
                    reserved_ids: set[str] = frozenset(),  # type: ignore[assignment]
                    reserved_phones: set[str] = frozenset()) -> DemoPopulation:  # type: ignore[assignment]
    """About `target` people: per district in turn, a household (couple + 1-2 children)
    or a single worker. Same streets → same population, every time."""
    builder = _Builder({k: sorted(v) for k, v in streets.items()}, set(reserved_ids),
                       set(reserved_phones))
    districts = sorted(streets)
    turn = 0
    while len(builder.pop.people) < target:
        district = districts[turn % len(districts)]
        if builder.rng.random() < 0.35:
            builder.household(district)
        else:
            builder.single(district)
        turn += 1
    return builder.pop
