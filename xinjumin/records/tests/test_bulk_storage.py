"""How bulk loads store records: caches shared between imports never outlive a key, the
connection is given back as it was, and SQLite keys the record tables by plain rowid."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test import override_settings

from xinjumin.core import crypto
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_import_file

pytestmark = pytest.mark.django_db

ID = "522422198906076619"
OTHER = "34122119971011652X"


def _lines(path, *rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _diploma(record_id, id_number, version=1):
    return {"source": "EDU", "type": "diploma", "record_id": record_id, "version": version,
            "id_number": id_number, "level": "bachelor", "issued_on": "2012-06-30"}


def _raw_id(record_id):
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, subject_hash FROM records_sourcerecord "
                    "WHERE record_id = %s", [record_id])
        return cur.fetchone()


def test_a_new_data_key_is_used_at_once_by_the_next_import(tmp_path):
    k1, k2 = (base64.b64encode(bytes([n]) * 32).decode() for n in (7, 8))
    with override_settings(XJM_DATA_KEYS=f"k1:{k1}", XJM_DATA_KEY_ID=None):
        records_import_file(path=_lines(tmp_path / "a.jsonl", _diploma("D-1", ID)))
        first, hash1 = _raw_id("D-1")
    assert crypto.key_id_of(first) == "k1"
    # the same person in the next import, after the key was rotated: sealed with k2
    with override_settings(XJM_DATA_KEYS=f"k1:{k1},k2:{k2}", XJM_DATA_KEY_ID="k2"):
        records_import_file(path=_lines(tmp_path / "b.jsonl", _diploma("D-2", ID)))
        second, hash2 = _raw_id("D-2")
        assert crypto.decrypt(first) == crypto.decrypt(second) == ID
    assert crypto.key_id_of(second) == "k2" and hash1 == hash2


def test_a_new_hash_key_is_used_at_once_by_the_next_import(tmp_path):
    records_import_file(path=_lines(tmp_path / "a.jsonl", _diploma("D-1", ID)))
    _, before = _raw_id("D-1")
    other_key = base64.b64encode(bytes([9]) * 32).decode()
    with override_settings(XJM_HASH_KEY=other_key):
        records_import_file(path=_lines(tmp_path / "b.jsonl", _diploma("D-2", ID)))
        _, after = _raw_id("D-2")
        assert after == crypto.keyed_hash(ID, purpose="id")
    assert after != before


def test_people_seen_in_an_earlier_import_are_stored_alike(tmp_path):
    """The caches carried between imports give the right hash and ciphertext for each
    person (never another person's)."""
    records_import_file(path=_lines(tmp_path / "a.jsonl", _diploma("D-1", ID),
                                    _diploma("D-2", OTHER)))
    records_import_file(path=_lines(tmp_path / "b.jsonl", _diploma("D-3", OTHER),
                                    _diploma("D-4", ID)))
    for record_id, person in (("D-1", ID), ("D-2", OTHER), ("D-3", OTHER), ("D-4", ID)):
        sealed, subject = _raw_id(record_id)
        assert crypto.decrypt(sealed) == person
        assert subject == crypto.keyed_hash(person, purpose="id")
    assert SourceRecord.objects.count() == 4


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_the_connection_is_given_back_as_it_was(tmp_path):
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_autocheckpoint")
        checkpoint = cur.fetchone()[0]
        cur.execute("PRAGMA cache_size")
        cache = cur.fetchone()[0]
    records_import_file(path=_lines(tmp_path / "a.jsonl", _diploma("D-1", ID)))
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_autocheckpoint")
        assert cur.fetchone()[0] == checkpoint
        cur.execute("PRAGMA cache_size")
        assert cur.fetchone()[0] == cache


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_keys_record_tables_by_plain_rowid():
    with connection.cursor() as cur:
        cur.execute("SELECT name, sql FROM sqlite_master WHERE name IN "
                    "('records_sourcerecord', 'records_recordversion', 'records_importbatch')")
        tables = dict(cur.fetchall())
    assert "AUTOINCREMENT" not in tables["records_sourcerecord"]
    assert "AUTOINCREMENT" not in tables["records_recordversion"]
    assert "AUTOINCREMENT" in tables["records_importbatch"]  # batches keep their promise


def test_every_stored_version_names_an_existing_batch(tmp_path):
    """Without a database constraint on `batch`, the import itself must never leave a
    record or a history row pointing at a batch that is not there."""
    first = records_import_file(path=_lines(tmp_path / "a.jsonl", _diploma("D-1", ID),
                                            _diploma("D-2", OTHER)))
    second = records_import_file(path=_lines(tmp_path / "b.jsonl",
                                             _diploma("D-1", ID, version=2)))
    from xinjumin.records.models import ImportBatch, RecordVersion

    batches = set(ImportBatch.objects.values_list("pk", flat=True))
    assert {first.pk, second.pk} <= batches
    current = dict(SourceRecord.objects.values_list("record_id", "batch_id"))
    assert current == {"D-1": second.pk, "D-2": first.pk}
    history = list(RecordVersion.objects.values_list("record_id", "version", "batch_id"))
    assert history == [("D-1", 1, first.pk)]
