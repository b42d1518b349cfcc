"""The measure-kind guard (issue #10 §5): every kind of the engine's fixed vocabulary
(points.rules.model.MEASURE_KINDS) has all of its parts —

- the one-person measure (points.measures registry, used by points.evaluate),
- the population measure (points.population.measures: BUILDERS gives the quantity,
  SELECTION the parameters that change it; age_band's quantity is the persons frame's
  age column instead),
- the rule in words and the explanation hint (xinjumin.labels RULE_TEXTS and HINTS).

Adding a kind without one of them fails here, naming the kind and the part.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

import pytest

from points.measures import registry
from points.population import measures as population
from points.population.prepare import persons
from points.rules import list_profiles, load_profile
from points.rules.model import DISTRICT_CODES, MEASURE_KINDS, Item, MeasureKind
from xinjumin.labels import HINTS, RULE_TEXTS, hints_for, rule_text

AS_OF = dt.date(2026, 12, 1)
#: Kinds whose population quantity is a column of the persons frame, not a BUILDERS entry.
PERSON_COLUMNS = {"age_band": "age_years"}

ONE_PERSON = "one-person measure (points.measures)"
POPULATION = "population measure (points.population.measures.BUILDERS)"
SELECTION = "population parameters (points.population.measures.SELECTION)"
RULE_TEXT = "rule text (xinjumin.labels.rules.RULE_TEXTS)"
HINT = "explanation hint (xinjumin.labels.hints.HINTS)"


def parts_missing(kinds: Iterable[str], *, one_person: Mapping[str, object] | None = None,
                  builders: Mapping[str, object] | None = None,
                  selection: Mapping[str, object] | None = None,
                  rule_texts: Mapping[str, object] = RULE_TEXTS,
                  hints: Mapping[str, object] = HINTS) -> dict[str, list[str]]:
    """{kind: the parts it lacks} for the kinds lacking any (the real registries unless
    others are given)."""
    one_person = registry() if one_person is None else one_person
    builders = population.BUILDERS if builders is None else builders
    selection = population.SELECTION if selection is None else selection
    out: dict[str, list[str]] = {}
    for kind in kinds:
        lacking = [part for part, present in (
            (ONE_PERSON, kind in one_person),
            (POPULATION, kind in builders or kind in PERSON_COLUMNS),
            (SELECTION, kind in selection),
            (RULE_TEXT, kind in rule_texts),
            (HINT, kind in hints),
        ) if not present]
        if lacking:
            out[kind] = lacking
    return out


def test_every_measure_kind_has_all_its_parts() -> None:
    assert parts_missing(MEASURE_KINDS) == {}


def test_the_persons_frame_has_the_columns_that_stand_in_for_a_builder() -> None:
    columns = persons({}, AS_OF).collect_schema().names()
    assert set(PERSON_COLUMNS.values()) <= set(columns)


def test_a_new_kind_without_its_parts_fails_the_guard() -> None:
    kinds = {**MEASURE_KINDS, "tree_planting": MeasureKind("tree_planting", {})}
    assert parts_missing(kinds) == {
        "tree_planting": [ONE_PERSON, POPULATION, SELECTION, RULE_TEXT, HINT]}


@pytest.mark.parametrize(("registry_name", "part"), [
    ("one_person", ONE_PERSON), ("builders", POPULATION), ("selection", SELECTION),
    ("rule_texts", RULE_TEXT), ("hints", HINT),
])
def test_each_missing_part_is_named(registry_name: str, part: str) -> None:
    real: dict[str, Mapping[str, object]] = {
        "one_person": registry(), "builders": population.BUILDERS,
        "selection": population.SELECTION, "rule_texts": RULE_TEXTS, "hints": HINTS}
    without_housing = {k: v for k, v in real[registry_name].items() if k != "housing"}
    assert parts_missing(MEASURE_KINDS, **{registry_name: without_housing}) == {
        "housing": [part]}


# ---- the words work for every kind, on the items that ship --------------------------------

def _shipped_items() -> dict[str, list[Item]]:
    """kind → every item of that kind in the shipped profiles (city and every layer)."""
    out: dict[str, list[Item]] = {}
    for name in list_profiles():
        rs = load_profile(name)
        layers = [rs.template, *(rs.layer(code) for code in DISTRICT_CODES)]
        for item in [*rs.items, *(i for layer in layers for i in layer.items)]:
            out.setdefault(item.measure.kind, []).append(item)
    return out


SHIPPED = _shipped_items()
FORMULA = re.compile(r"min\(|max\(|×|[a-z]+_[a-z]+")  # a formula or a parameter name
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_shipped_profiles_use_every_kind() -> None:
    # so the two tests below exercise the words of every kind on real items
    assert set(SHIPPED) == set(MEASURE_KINDS)


@pytest.mark.parametrize("kind", sorted(MEASURE_KINDS))
def test_rule_text_of_every_kind_is_plain_words_in_both_languages(kind: str) -> None:
    for item in SHIPPED.get(kind, []):
        zh, en = rule_text(item, AS_OF, "zh-hans"), rule_text(item, AS_OF, "en")
        assert zh != item.description_zh  # not the fallback
        assert CJK.search(zh) and not FORMULA.search(zh), zh
        assert en and not CJK.search(en) and not FORMULA.search(en), en


@pytest.mark.parametrize("kind", sorted(MEASURE_KINDS))
def test_every_kind_that_can_be_raised_has_a_hint(kind: str) -> None:
    for item in SHIPPED.get(kind, []):
        if item.max is None:  # deductions: nothing to raise
            assert hints_for(item, Decimal(0), AS_OF, has_records=False) == []
            continue
        for has_records in (False, True):
            hints = hints_for(item, Decimal(0), AS_OF, has_records)
            assert hints, (item.key, has_records)
            assert all(CJK.search(h.zh) and h.en and not CJK.search(h.en) for h in hints)
