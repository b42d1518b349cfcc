"""The points engine: indicator systems as data, one person explained, a whole city at once.

A plain library (no Django, no apps: import-linter keeps it so). The platform uses the names
below, ``from points import load_profile, evaluate_person, …``; the submodules are the
engine's own::

    rules = load_profile("ningbo-2021")                          # a rule set
    score = evaluate_person(RecordIndex(records), id_number, as_of, "330212", rules)
    frames = load_current("feeds/")                              # a population
    scores = score_population(prepare_inputs(frames, as_of, rules), as_of, rules)
    report = compare_rule_sets(frames, as_of, rules, other_rules)

Names are resolved on first use (PEP 562 module ``__getattr__``; the imports under
TYPE_CHECKING are what mypy and readers see). ``import points`` runs before every
``import points.<module>``, so it must load nothing itself: the rule loader (PyYAML, decimal)
or the Polars backend are imported only where they are used. Measured with
``python -X importtime -c "import points"`` (median of 7, on the shared 2-core machine):
the empty package before took 2.7 ms; importing these names eagerly would take 650 ms
(Polars, PyArrow, PyYAML); lazily it takes 3.1 ms (6.9 ms with `typing` and `importlib`),
and neither Polars nor PyYAML is loaded (points/tests/test_public_api.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from points.cli import main as cli_main
    from points.compare import ComparisonReport, compare_rule_sets
    from points.evaluate import (
        ItemScore,
        PersonScore,
        RentSubsidy,
        evaluate_person,
        highest_guardian_score,
        home_district,
        rent_subsidy_figure,
        scored_people,
    )
    from points.feeds import (
        FIELD_ORDER,
        SOURCES,
        TYPES,
        FileError,
        Kind,
        Outcome,
        Record,
        RowError,
        RowParser,
        arrow_schema,
        current_records,
        decide,
        feed_files,
        jsonl_line,
        read_file,
        read_paths,
    )
    from points.feeds.record import Op
    from points.feeds.schema import (
        DECIMAL_KINDS,
        ENVELOPE,
        OPS,
        PLATFORM_RECORD_PREFIX,
        PLATFORM_SOURCE,
        TYPES_BY_SOURCE,
        VERSION_MAX,
        TypeSpec,
    )
    from points.identifiers import (
        IdentifierError,
        IdNumber,
        age_in_full_years,
        control_character,
        id_check_character,
        mask_id_number,
        mask_name,
        mask_phone,
        parse_id_number,
        parse_uscc,
        uscc_check_character,
    )
    from points.inputs import RecordIndex
    from points.measures.dates import add_months, in_force, month_index
    from points.population import (
        district_item_column,
        frames_from_records,
        load_current,
        prepare_inputs,
        render,
        score_population,
    )
    from points.population.load import pid
    from points.population.measures import hundredths
    from points.rules import (
        DEFAULT_PROFILE,
        PROFILES_DIR,
        RuleError,
        RuleSet,
        RuleSetError,
        content_hash,
        list_profiles,
        load_profile,
        load_rule_set,
        parse_yaml,
        resolve_rules,
        validate_file,
        validate_text,
    )
    from points.rules.model import DISTRICT_CODES, MEASURE_KINDS, Item
    from points.synth import generate

# name → the module that defines it, group by group
_GROUPS: dict[str, dict[str, str]] = {
    # Load a rule set (an indicator system): shipped profiles or YAML text, validated with
    # bilingual errors; its content hash names the version a score used.
    "rule sets": {
        "DEFAULT_PROFILE": "points.rules",
        "PROFILES_DIR": "points.rules",
        "RuleError": "points.rules",
        "RuleSet": "points.rules",
        "RuleSetError": "points.rules",
        "content_hash": "points.rules",
        "list_profiles": "points.rules",
        "load_profile": "points.rules",
        "load_rule_set": "points.rules",
        "parse_yaml": "points.rules",
        "resolve_rules": "points.rules",
        "validate_file": "points.rules",
        "validate_text": "points.rules",
        "DISTRICT_CODES": "points.rules.model",
        "Item": "points.rules.model",
        "MEASURE_KINDS": "points.rules.model",
    },
    # Evaluate one person, every point explained, from their records (RecordIndex).
    "one person": {
        "RecordIndex": "points.inputs",
        "ItemScore": "points.evaluate",
        "PersonScore": "points.evaluate",
        "RentSubsidy": "points.evaluate",
        "evaluate_person": "points.evaluate",
        "highest_guardian_score": "points.evaluate",
        "home_district": "points.evaluate",
        "rent_subsidy_figure": "points.evaluate",
        "scored_people": "points.evaluate",
    },
    # Load a population and score it (Polars, columnar, exact integer hundredths).
    "population": {
        "district_item_column": "points.population",
        "frames_from_records": "points.population",
        "load_current": "points.population",
        "prepare_inputs": "points.population",
        "render": "points.population",
        "score_population": "points.population",
        "pid": "points.population.load",
        "hundredths": "points.population.measures",
    },
    # Compare two rule sets on the same population.
    "compare": {
        "ComparisonReport": "points.compare",
        "compare_rule_sets": "points.compare",
    },
    # ID numbers (GB 11643), credit codes (GB 32100), masking for display and logs.
    "identifiers": {
        "IdNumber": "points.identifiers",
        "IdentifierError": "points.identifiers",
        "age_in_full_years": "points.identifiers",
        "control_character": "points.identifiers",
        "id_check_character": "points.identifiers",
        "mask_id_number": "points.identifiers",
        "mask_name": "points.identifiers",
        "mask_phone": "points.identifiers",
        "parse_id_number": "points.identifiers",
        "parse_uscc": "points.identifiers",
        "uscc_check_character": "points.identifiers",
    },
    # The department feed format (shared/docs/feeds.md): types, rows, files, versions.
    "feeds": {
        "FIELD_ORDER": "points.feeds",
        "SOURCES": "points.feeds",
        "TYPES": "points.feeds",
        "FileError": "points.feeds",
        "Kind": "points.feeds",
        "Outcome": "points.feeds",
        "Record": "points.feeds",
        "RowError": "points.feeds",
        "RowParser": "points.feeds",
        "arrow_schema": "points.feeds",
        "current_records": "points.feeds",
        "decide": "points.feeds",
        "feed_files": "points.feeds",
        "jsonl_line": "points.feeds",
        "read_file": "points.feeds",
        "read_paths": "points.feeds",
        "Op": "points.feeds.record",
        "DECIMAL_KINDS": "points.feeds.schema",
        "ENVELOPE": "points.feeds.schema",
        "OPS": "points.feeds.schema",
        "PLATFORM_RECORD_PREFIX": "points.feeds.schema",
        "PLATFORM_SOURCE": "points.feeds.schema",
        "TYPES_BY_SOURCE": "points.feeds.schema",
        "VERSION_MAX": "points.feeds.schema",
        "TypeSpec": "points.feeds.schema",
    },
    # The calendar arithmetic of domain.md §7.8 (months clamped, in force, month counter).
    "dates": {
        "add_months": "points.measures.dates",
        "in_force": "points.measures.dates",
        "month_index": "points.measures.dates",
    },
    # A synthetic city in the feed format (bench, demo) and the engine's command line.
    "tools": {
        "generate": "points.synth",
        "cli_main": "points.cli",
    },
}
# Exported under another name than the one its module gives it.
_RENAMED = {"cli_main": "main"}
_EXPORTS = {name: module for group in _GROUPS.values() for name, module in group.items()}

__all__ = [
    "DECIMAL_KINDS",
    "DEFAULT_PROFILE",
    "DISTRICT_CODES",
    "ENVELOPE",
    "FIELD_ORDER",
    "MEASURE_KINDS",
    "OPS",
    "PLATFORM_RECORD_PREFIX",
    "PLATFORM_SOURCE",
    "PROFILES_DIR",
    "SOURCES",
    "TYPES",
    "TYPES_BY_SOURCE",
    "VERSION_MAX",
    "ComparisonReport",
    "FileError",
    "IdNumber",
    "IdentifierError",
    "Item",
    "ItemScore",
    "Kind",
    "Op",
    "Outcome",
    "PersonScore",
    "Record",
    "RecordIndex",
    "RentSubsidy",
    "RowError",
    "RowParser",
    "RuleError",
    "RuleSet",
    "RuleSetError",
    "TypeSpec",
    "add_months",
    "age_in_full_years",
    "arrow_schema",
    "cli_main",
    "compare_rule_sets",
    "content_hash",
    "control_character",
    "current_records",
    "decide",
    "district_item_column",
    "evaluate_person",
    "feed_files",
    "frames_from_records",
    "generate",
    "highest_guardian_score",
    "home_district",
    "hundredths",
    "id_check_character",
    "in_force",
    "jsonl_line",
    "list_profiles",
    "load_current",
    "load_profile",
    "load_rule_set",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "month_index",
    "parse_id_number",
    "parse_uscc",
    "parse_yaml",
    "pid",
    "prepare_inputs",
    "read_file",
    "read_paths",
    "render",
    "rent_subsidy_figure",
    "resolve_rules",
    "score_population",
    "scored_people",
    "uscc_check_character",
    "validate_file",
    "validate_text",
]


if not TYPE_CHECKING:  # mypy reads the imports above (and flags any other name)

    def __getattr__(name: str) -> object:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'points' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
        globals()[name] = value  # resolved once
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
