"""Rule sets (indicator systems) as versioned data: model, loader and shipped profiles.

    >>> from points.rules import load_profile
    >>> rules = load_profile("ningbo-2021")
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from points.rules.load import (
    RuleError,
    RuleSetError,
    content_hash,
    load_rule_set,
    parse_yaml,
    validate_file,
    validate_text,
)
from points.rules.model import RuleSet

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"
DEFAULT_PROFILE = "ningbo-2021"

__all__ = [
    "DEFAULT_PROFILE", "RuleError", "RuleSet", "RuleSetError", "content_hash",
    "list_profiles", "load_profile", "load_rule_set", "parse_yaml", "resolve_rules",
    "validate_file", "validate_text",
]


def list_profiles() -> list[str]:
    """Names of the shipped profiles (``points/profiles/<name>.yaml``), sorted."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


@lru_cache(maxsize=16)
def load_profile(name: str) -> RuleSet:
    """Load a shipped profile by name, e.g. ``"ningbo-2021"``; raises ``RuleSetError``."""
    path = PROFILES_DIR / f"{name}.yaml"
    if not path.is_file():
        raise RuleSetError([RuleError(
            name, "", f"没有名为 {name} 的规则版本; 可用: {', '.join(list_profiles())}",
            f"no profile named {name}; available: {', '.join(list_profiles())}")])
    return load_rule_set(path)


def resolve_rules(file_or_profile: str | None) -> RuleSet:
    """A profile name or a path to a YAML file (None → the default profile)."""
    if not file_or_profile:
        return load_profile(DEFAULT_PROFILE)
    if file_or_profile.endswith((".yaml", ".yml")) or Path(file_or_profile).is_file():
        return load_rule_set(file_or_profile)
    return load_profile(file_or_profile)
