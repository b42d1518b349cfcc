"""An import killed (SIGKILL) halfway and run again ends in the same state as one clean run.

Runs `xjm migrate` and `xjm feeds import` in subprocesses against their own databases (a
SQLite file, or a scratch PostgreSQL database when the tests run on PostgreSQL); the test
hook XJM_RECORDS_TEST_KILL_IN_CHUNK makes the import SIGKILL itself in the middle of a
chunk (after its rows are written, before its commit).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from points.tests.samples import SAMPLES as FEEDS
from xinjumin.records.services import KILL_HOOK_ENV

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[3]
DUMP = r'''
import json, os, django
django.setup()
from xinjumin.audit.models import AuditEvent
from xinjumin.records.models import ImportBatch, RecordVersion, RowRejection, SourceRecord
current = sorted([r.source, r.record_id, r.type, r.version, r.op, r.subject_hash,
                  r.id_number, r.linked_hash, r.linked_id_number, r.complex_id, r.fields,
                  r.digest] for r in SourceRecord.objects.all())
versions = sorted([v.source, v.record_id, v.type, v.version, v.op, v.linked_id_number,
                   v.fields, v.digest] for v in RecordVersion.objects.all())
rejections = sorted({(r.row, r.record_id, r.field, r.code, r.message, r.message_en)
                     for r in RowRejection.objects.all()})
batches = list(ImportBatch.objects.order_by("pk").values_list("status", "rows"))
counts = {n: sum(getattr(b, n) for b in ImportBatch.objects.all())
          for n in (*ImportBatch.COUNTS, "rows")}
interrupted = [[e.object_id, e.detail["batch"], e.detail["rows"]] for e in
               AuditEvent.objects.filter(action="records.import_interrupted").order_by("seq")]
print(json.dumps({"current": current, "versions": versions, "rejections": rejections,
                  "batches": batches, "counts": counts, "interrupted": interrupted},
                 ensure_ascii=False))
'''


def _feed(tmp_path: Path) -> Path:
    """One file of ~870 rows: every sample type, versions, retractions, bad rows."""
    lines: list[str] = []
    for path in sorted((FEEDS / "jsonl").glob("*.jsonl")):
        lines += path.read_text().splitlines()
        if path.name == "lease.jsonl":
            lines += (FEEDS / "invalid" / "negative_hours.jsonl").read_text().splitlines()
            lines += (FEEDS / "invalid" / "bad_op.jsonl").read_text().splitlines()
    lines += (FEEDS / "invalid" / "duplicate_record_conflict.jsonl").read_text().splitlines()
    feed = tmp_path / "all.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    return feed


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """Environments of two fresh databases (clean run, killed run)."""
    base = {k: v for k, v in os.environ.items() if k != KILL_HOOK_ENV}
    base["DJANGO_SETTINGS_MODULE"] = "xinjumin.test_settings"
    # Both runs must use the same keys (hashes and digests are keyed).
    base["XJM_DATA_KEYS"], base["XJM_HASH_KEY"] = settings.XJM_DATA_KEYS, settings.XJM_HASH_KEY
    if connection.vendor != "postgresql":
        envs = []
        for name in ("clean", "killed"):
            (tmp_path / name).mkdir()
            env = dict(base, XJM_VAR_DIR=str(tmp_path / name))
            env.pop("DATABASE_URL", None)
            envs.append(env)
        yield envs[0], envs[1]
        return
    import psycopg

    url = os.environ["DATABASE_URL"]
    head = url.rsplit("/", 1)[0]
    names = [f"xjm_records_kill_{os.getpid()}_{n}" for n in ("clean", "killed")]
    params = settings.DATABASES["default"]
    admin = psycopg.connect(host=params["HOST"], port=params["PORT"] or 5432,
                            user=params["USER"], password=params["PASSWORD"] or None,
                            dbname="postgres", autocommit=True)
    try:
        for n in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{n}"')
            admin.execute(f'CREATE DATABASE "{n}"')
        yield (dict(base, DATABASE_URL=f"{head}/{names[0]}"),
               dict(base, DATABASE_URL=f"{head}/{names[1]}"))
    finally:
        for n in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)')
        admin.close()


def _xjm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xinjumin.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def _dump(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", DUMP], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout)


def test_killed_import_rerun_equals_clean_run(tmp_path: Path, databases: tuple) -> None:
    clean_env, killed_env = databases
    feed = _feed(tmp_path)
    for env in (clean_env, killed_env):
        assert _xjm(env, "migrate", "--no-input", "--skip-checks", "-v", "0").returncode == 0
    clean = _xjm(clean_env, "feeds", "import", str(feed), "--chunk-size", "100")
    assert clean.returncode == 1, clean.stderr  # it has rejected rows
    killed = _xjm(dict(killed_env, **{KILL_HOOK_ENV: "4"}), "feeds", "import", str(feed),
                  "--chunk-size", "100")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = _dump(killed_env)
    # Three chunks committed, the fourth rolled back: part of the rows, nothing half done.
    assert partial["batches"] == [["running", 300]]
    assert 0 < len(partial["current"]) < 300
    assert partial["interrupted"] == []
    rerun = _xjm(killed_env, "feeds", "import", str(feed), "--chunk-size", "100")
    assert rerun.returncode == 1, rerun.stderr
    assert "unchanged=" in rerun.stdout
    final, expected = _dump(killed_env), _dump(clean_env)
    for table in ("current", "versions", "rejections"):
        assert final[table] == expected[table], table
    assert len(expected["current"]) > 800
    codes = {r[3] for r in expected["rejections"]}
    assert {"not_positive", "invalid_op"} <= codes and len(codes) >= 3
    assert final["batches"][-1] == expected["batches"][-1] == ["done", 890]
    # The killed batch was marked before the rerun, audited with its committed rows.
    assert final["batches"] == [["interrupted", 300], ["done", 890]]
    [[object_id, batch_id, rows]] = final["interrupted"]
    assert object_id == str(batch_id) and rows == 300
    # Nothing counted twice: what the killed batch applied, the rerun finds unchanged
    # (or ignored, behind a later version it applied).
    for name in ("created", "updated", "retracted"):
        assert final["counts"][name] == expected["counts"][name], name
    assert final["counts"]["rows"] == 300 + 890
