"""Fixtures: the sample feeds imported once per module through the records service.

The import runs inside one transaction that is rolled back when the module ends (tests run
in savepoints inside it), so every test sees the same 885 records and no other module
sees them. Staff are the suite's personas (`world`, tests/personas.py); the sample
residents are registered with make_resident.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from points.tests.samples import JSONL, samples_dir


def assert_nightly_rows(rows: list[dict[str, str]], run) -> None:  # type: ignore[no-untyped-def]
    """Every expected row is stored as a current nightly score of `run` (its date, its
    rule set), with the expected common score, district scores, permit points and
    freeze; minors without scores."""
    from xinjumin.scoring.models import StoredScore
    from xinjumin.scoring.sources import subject_hash
    from xinjumin.scoring.stored import points_text as text

    for row in rows:
        s = StoredScore.objects.get(subject_hash=subject_hash(row["id_number"]),
                                    is_current=True)
        assert s.source == StoredScore.Source.NIGHTLY
        assert s.rule_set_hash == run.rule_set_hash and s.as_of == run.as_of
        if row["is_minor"] == "true":
            assert s.common is None and s.scores is None
            continue
        assert str(s.common) == row["common"]
        assert {d: text(h) for d, h in s.score_map.items()} == {
            k[6:]: v for k, v in row.items() if k.startswith("score_")}
        assert text(s.items["city"].get("permit", 0)) == row["permit"]
        assert s.frozen is (row["frozen"] == "true")


def import_samples() -> None:
    from points.feeds.readers import feed_files
    from xinjumin.records.services import records_import_file

    samples_dir()
    for path in feed_files([JSONL]):
        batch = records_import_file(path=path)
        assert batch.rejected == 0, (path, batch.counts())


@pytest.fixture(scope="module")
def samples(django_db_setup, django_db_blocker):
    """The sample feeds, imported (rolled back at the end of the module)."""
    with django_db_blocker.unblock(), transaction.atomic():
        import_samples()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def make_resident(db):
    """A registered Resident (and their account) for a sample ID number."""
    from xinjumin.accounts.services import resident_account_for
    from xinjumin.people.services import resident_create

    def make(id_number: str, district: str = "330212", name: str = "张三") -> tuple:
        resident = resident_create(id_number=id_number, name=name, district=district)
        return resident, resident_account_for(resident)
    return make
