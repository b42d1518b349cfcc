"""Names of score items and categories: Chinese from the rule set, English from
``items.yaml`` (by key, outside the content a rule set's hash covers)."""

from __future__ import annotations

from points import Item
from xinjumin.labels.base import data_file, is_en


def find_item_en(key: str) -> str | None:
    """The English name of an item key (None when items.yaml does not list it)."""
    raw = (data_file("items.yaml").get("items") or {}).get(key) or {}
    return str(raw["en"]) if raw.get("en") else None


def find_category_en(key: str) -> str | None:
    raw = (data_file("items.yaml").get("categories") or {}).get(key) or {}
    return str(raw["en"]) if raw.get("en") else None


def name_for_key(key: str, name_zh: str, lang: str, name_en: str = "") -> str:
    """An item's name by key: the rule set's Chinese name; in English items.yaml's name, else
    an English name the rule file itself carries, else the Chinese name with the key."""
    if not is_en(lang):
        return name_zh or key
    return find_item_en(key) or name_en or (f"{name_zh} ({key})" if name_zh else key)


def item_name(item: Item, lang: str) -> str:
    """年龄 / Age."""
    return name_for_key(item.key, item.name_zh, lang, item.name_en)


def category_name(key: str, zh_fallback: str, lang: str) -> str:
    """基础项 / Base items: Chinese is the rule set's name (``zh_fallback``)."""
    if not is_en(lang):
        return zh_fallback or key
    return find_category_en(key) or zh_fallback or key
