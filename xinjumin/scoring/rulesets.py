"""Rule sets from stored indicator versions: parse, merge district layers, pick in force.

`points.rules` models district layers as overrides inside ONE city document
(`districts: {code: {cap, items, drop}}`); it cannot load separate district documents.
So a district layer is stored as an override document

    district: "330226"          # which layer
    id: ningbo-2021-330226-2027 # optional name of this layer version
    cap: 30                     # optional; items / drop as in points.rules
    items: {patrol: {max: 12}}

and the layers in force replace `districts.<code>` of the city YAML before loading
(`merged_rule_set`). The merged rule set's content hash is what a score names.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml

from points import DISTRICT_CODES, RuleError, RuleSet, RuleSetError, parse_yaml, validate_text

LAYER_META = ("district", "id", "name", "notes")
LAYER_KEYS = {"district", "id", "name", "notes", "cap", "items", "drop"}


class _Dumper(yaml.SafeDumper):
    """Dumps Decimal as a YAML float scalar so that points' loader reads it back exactly."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


_Dumper.add_representer(Decimal, _decimal)



def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def is_layer_document(data: Any) -> bool:
    """A district-layer override document has a top-level `district` key."""
    return isinstance(data, Mapping) and "district" in data


def layer_errors(data: Mapping[str, Any]) -> list[RuleError]:
    """Structural problems of a district-layer document (before merging)."""
    errors = []
    code = str(data.get("district"))
    codes, allowed = ", ".join(DISTRICT_CODES), ", ".join(sorted(LAYER_KEYS))
    if code not in DISTRICT_CODES:
        errors.append(RuleError("<layer>", "district",
                                f"区县代码 {code} 不是宁波十个区县之一: {codes}",
                                f"district code {code} is not one of the ten: {codes}"))
    for key in sorted(set(map(str, data)) - LAYER_KEYS):
        errors.append(RuleError("<layer>", key,
                                f"区县层文件没有字段 {key!r}; 可用: {allowed}",
                                f"a district-layer file has no field {key!r}; "
                                f"allowed: {allowed}"))
    return errors


def layer_override(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a layer document that goes under `districts.<code>`."""
    return {k: v for k, v in data.items() if k not in LAYER_META}


def merge_text(city_text: str, layers: Sequence[str]) -> str:
    """The city YAML with each layer document replacing its district's override."""
    if not layers:
        return city_text
    data = parse_yaml(city_text)
    districts = dict(data.get("districts") or {})
    for text in layers:
        layer = parse_yaml(text)
        code = str(layer["district"])
        districts.pop(int(code), None)
        districts[code] = layer_override(layer)
    data["districts"] = districts
    return dump_yaml(data)


def unprefix(error: RuleError, code: str) -> RuleError:
    """An error found in the merged document, with the key path of the layer document."""
    prefix = f"districts.{code}"
    path = error.path
    if path == prefix:
        path = ""
    elif path.startswith(prefix + "."):
        path = path[len(prefix) + 1:]
    return RuleError("<layer>", path, error.message_zh, error.message_en)


@lru_cache(maxsize=64)
def _load(city_text: str, layers: tuple[str, ...]) -> RuleSet:
    rule_set, errors = validate_text(merge_text(city_text, layers), file="<indicator>")
    if rule_set is None:
        raise RuleSetError(errors)
    return rule_set


def merged_rule_set(city_text: str, layers: Sequence[str] = ()) -> RuleSet:
    """Load the city document with the given district-layer documents merged (cached:
    stored versions never change); raises `RuleSetError`."""
    return _load(city_text, tuple(sorted(layers)))


def _published_by_layer(as_of: dt.date) -> Any:
    """Published versions effective by D, each layer's latest first: the first row per
    layer is the one in force."""
    from xinjumin.scoring.models import IndicatorSystem

    return (IndicatorSystem.objects.filter(status=IndicatorSystem.Status.PUBLISHED,
                                           effective_from__lte=as_of)
            .order_by("layer", "-effective_from"))


def versions_in_force(*, as_of: dt.date) -> tuple[Any, list[Any]]:
    """(city IndicatorSystem, [district-layer IndicatorSystems]) published and in force at
    D (the one with the latest effective_from ≤ D per layer). Raises LookupError when no
    city version is in force."""
    from xinjumin.scoring.models import CITY

    rows = _published_by_layer(as_of).only(
        "id", "layer", "profile", "effective_from", "yaml_text", "content_hash")
    latest: dict[str, Any] = {}
    for row in rows:  # one query
        latest.setdefault(row.layer, row)
    city = latest.get(CITY)
    if city is None:
        raise LookupError(f"no published indicator system is in force on {as_of}")
    layers = [latest[code] for code in DISTRICT_CODES if code in latest]
    return city, layers


def versions_in_force_key(*, as_of: dt.date) -> tuple[tuple[str, int, str], ...]:
    """(layer, id, content hash) of each published version in force at D, by layer: names
    the rule set in force without reading the documents (one small query)."""
    rows = _published_by_layer(as_of).values_list("layer", "id", "content_hash")
    latest: dict[str, tuple[str, int, str]] = {}
    for layer, pk, content_hash in rows:
        latest.setdefault(layer, (layer, pk, content_hash))
    return tuple(latest[layer] for layer in sorted(latest))


# {versions_in_force_key: RuleSet}: stored versions never change (the key holds their
# content hashes), so a rule set once loaded is found again without its documents
_IN_FORCE: dict[tuple[tuple[str, int, str], ...], RuleSet] = {}


def rule_set_in_force(*, as_of: dt.date, district: str | None = None) -> RuleSet:
    """The points RuleSet in force at D: the published city version in force with every
    published district layer in force merged in. All layers are merged whatever
    `district` is (a score is computed for all ten districts, so one hash names it);
    `district`, when given, must be one of the ten codes."""
    if district is not None and district not in DISTRICT_CODES:
        raise ValueError(f"unknown district {district}")
    rule_set = _IN_FORCE.get(versions_in_force_key(as_of=as_of))
    if rule_set is not None:
        return rule_set
    city, layers = versions_in_force(as_of=as_of)
    rule_set = merged_rule_set(city.yaml_text, [v.yaml_text for v in layers])
    if len(_IN_FORCE) >= 64:
        _IN_FORCE.clear()
    # keyed by what was read (a version published in between names this rule set)
    _IN_FORCE[tuple(sorted((v.layer, v.pk, v.content_hash) for v in (city, *layers)))] = (
        rule_set)
    return rule_set


_STRIPPED: dict[str, RuleSet] = {}


def stripped(rule_set: RuleSet) -> RuleSet:
    """The rule set without city items (to evaluate district items alone, cheaply)."""
    out = _STRIPPED.get(rule_set.content_hash)
    if out is None:
        out = dataclasses.replace(rule_set, items=(), categories=())
        _STRIPPED[rule_set.content_hash] = out
    return out
