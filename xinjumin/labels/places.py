"""Names of districts and streets, from the geography fixture (xinjumin/geo/fixtures): the
same names the geography tables hold, read without the database."""

from __future__ import annotations

from functools import cache

from xinjumin.geo.reference import geography
from xinjumin.labels.base import Label


@cache
def _districts() -> dict[str, Label]:
    return {d["code"]: Label(d["name"], d.get("name_en") or d["name"]) for d in geography()}


@cache
def _streets() -> dict[str, str]:
    return {s["code"]: s["name"] for d in geography() for s in d["streets"]}


def district_label(code: str) -> Label | None:
    """The name of one of the ten districts of domain §3 (None for another code)."""
    return _districts().get(str(code))


def district_name(code: str, lang: str) -> str:
    """海曙区 / Haishu; another Zhejiang county code (social insurance counts province-wide)
    reads 浙江省区县 330102 / Zhejiang county 330102."""
    label = district_label(code)
    if label is None:
        label = Label(f"浙江省区县 {code}", f"Zhejiang county {code}") if str(code).startswith(
            "33") else Label(str(code), str(code))
    return label.in_(lang)


def street_name(code: str, lang: str) -> str:
    """南门街道 (the fixture has Chinese street names only; English shows it with its code)."""
    name = _streets().get(str(code))
    if name is None:
        return str(code)
    return f"{name} ({code})" if lang.lower().startswith("en") else name
