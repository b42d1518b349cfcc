"""Decisions feed the engine as records (domain.md §9.1), and evidence files: accepted
evidence becomes a department record (XJM-E-…) and the score follows; an upheld objection
sets the record aside by an override (XJM-O-…); a department's later version of that
record puts the case back in front of a reviewer, the decision standing until then; a
refusal withdraws the override. Files: the type from the bytes, the size limit, encrypted
at rest, shown only in scope with every view audited, deleted 3 years after closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from xinjumin.audit.models import AuditEvent
from xinjumin.cases.evidence import evidence_add, evidence_open, evidence_purge
from xinjumin.cases.models import Case, Evidence
from xinjumin.cases.services import case_act, case_submit
from xinjumin.core.errors import DomainError, NotFound
from xinjumin.records.models import SourceRecord
from xinjumin.records.services import records_ingest
from xinjumin.scoring.tests.reading import score_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DAY = dt.date(2026, 12, 1)


def _registered(world) -> None:
    records_ingest(rows=[{"source": "PSB", "type": "residence_registration",
                          "record_id": "RR-D1", "id_number": world.adult_yz.id_number,
                          "district": "330212", "arrived_on": "2023-03-01",
                          "registered_on": "2023-03-02"}])


def _case(world, *, kind="evidence", department="HRSS", key="key-00000001", **extra) -> Case:
    return case_submit(kind=kind, resident=world.adult_yz, by=world.users["resident_yz"],
                       client_key=key, department=department, **extra)


def test_accepted_evidence_becomes_a_record_and_the_score_follows(
        world, django_capture_on_commit_callbacks):
    _registered(world)
    who = world.adult_yz.id_number
    assert score_for(id_number=who, as_of=DAY)["items"]["skill"] == "0.00"
    case = _case(world, item_key="skill", statement="外省颁发的职业技能等级证书")
    evidence_add(case=case, by=world.users["resident_yz"], name="证书.pdf", data=PDF)
    reviewer = world.users["reviewer_yz"]
    with pytest.raises(DomainError) as no_record:
        case_act(case=case, action="accept", actor=reviewer, reasons="证书属实")
    assert "record" in no_record.value.fields
    with pytest.raises(DomainError) as wrong_type:
        case_act(case=case, action="accept", actor=reviewer, reasons="证书属实",
                 decision={"record": {"type": "diploma", "level": "bachelor",
                                      "issued_on": "2015-07-01"}})
    assert "record.type" in wrong_type.value.fields
    with pytest.raises(DomainError) as bad_field:
        case_act(case=case, action="accept", actor=reviewer, reasons="证书属实",
                 decision={"record": {"type": "skill_certificate", "kind": "level",
                                      "level": 9, "issued_on": "2020-06-01"}})
    assert "record.level" in bad_field.value.fields
    case.refresh_from_db()
    assert case.status == "open"  # every refused decision changed nothing
    assert not SourceRecord.objects.filter(record_id__startswith="XJM-E-").exists()
    with django_capture_on_commit_callbacks(execute=True):  # re-scored after commit
        case = case_act(case=case, action="accept", actor=reviewer, reasons="证书属实",
                        decision={"record": {"type": "skill_certificate", "kind": "level",
                                             "level": 3, "issued_on": "2020-06-01"}})
    record = SourceRecord.objects.get(source="HRSS", record_id=f"XJM-E-{case.number}")
    assert record.fields["level"] == 3
    assert case.detail["decision"]["record"]["level"] == 3 and case.closed_at is not None
    score = score_for(id_number=who, as_of=DAY)
    assert score["items"]["skill"] == "8.00"  # a level-3 certificate
    assert f"HRSS:XJM-E-{case.number}" in score["record_ids"]["skill"]


def test_an_upheld_objection_sets_the_record_aside_until_the_department_sends_it_again(
        world, django_capture_on_commit_callbacks):
    _registered(world)
    who = world.adult_yz.id_number
    fine = {"source": "PSB", "type": "admin_penalty", "record_id": "AP-D1", "id_number": who,
            "kind": "fine", "decided_on": "2025-03-01"}
    records_ingest(rows=[fine])
    assert score_for(id_number=who, as_of=DAY)["items"]["admin_penalty"] == "-5.00"
    case = _case(world, kind="objection", department="PSB", item_key="admin_penalty",
                 record_source="PSB", record_id="AP-D1", statement="罚款已被撤销")
    psb = world.users["psb_reviewer_yz"]
    with django_capture_on_commit_callbacks(execute=True):
        case = case_act(case=case, action="accept", actor=psb, reasons="处罚决定已撤销")
    override = SourceRecord.objects.get(source="XJM", record_id=f"XJM-O-{case.number}")
    assert override.fields["target_record_id"] == "AP-D1"
    assert override.fields["case_no"] == case.number
    assert score_for(id_number=who, as_of=DAY)["items"]["admin_penalty"] == "0.00"

    # the department sends a new version (as its API key would): the decision stands and
    # the case is back in front of a reviewer
    with django_capture_on_commit_callbacks(execute=True):  # records_changed → reopen
        records_ingest(rows=[{**fine, "version": 2, "decided_on": "2025-03-02"}],
                       source_scope=("PSB", {"admin_penalty"}))
    case.refresh_from_db()
    assert (case.status, case.decided_at) == ("open", None)
    assert case.events.last().action == "reopen"
    assert case.deadlines.last().reason == "reopened"
    assert score_for(id_number=who, as_of=DAY)["items"]["admin_penalty"] == "0.00"
    with django_capture_on_commit_callbacks(execute=True):
        case = case_act(case=case, action="refuse", actor=psb, reasons="新版本处罚决定有效")
    override = SourceRecord.objects.get(source="XJM", record_id=f"XJM-O-{case.number}")
    assert (override.op, override.version) == ("retract", 2)
    assert score_for(id_number=who, as_of=DAY)["items"]["admin_penalty"] == "-5.00"


def test_nobody_reopens_a_case_by_hand(world):
    case = _case(world, kind="objection", department="HRSS", record_source="HRSS",
                 record_id="EMP-X")
    case = case_act(case=case, action="accept", actor=world.users["reviewer_yz"],
                    reasons="成立")
    for who in ("reviewer2_yz", "reviewer_yz", "resident_yz"):
        with pytest.raises((DomainError, NotFound)):
            case_act(case=case, action="reopen", actor=world.users[who])


def test_a_file_is_judged_by_its_bytes_and_the_size_limit_and_writes_nothing_when_refused(
        world):
    case = _case(world)
    by = world.users["resident_yz"]
    with pytest.raises(DomainError) as not_pdf:
        evidence_add(case=case, by=by, name="证书.pdf", data=b"GIF89a" + b"\x00" * 32)
    assert "PDF、JPEG 或 PNG" in not_pdf.value.fields["file"]
    with override_settings(XJM_MAX_EVIDENCE_BYTES=100), pytest.raises(DomainError) as big:
        evidence_add(case=case, by=by, name="big.png", data=PNG + b"\x00" * 100)
    assert "MB" in big.value.fields["file"]
    assert not Evidence.objects.exists()
    item = evidence_add(case=case, by=by, name="../证书.png", data=PNG)
    assert (item.name, item.content_type) == (".._证书.png", "image/png")
    assert PNG not in bytes(item.data)  # encrypted at rest


def test_a_file_is_shown_only_in_scope_every_view_audited_and_deleted_after_3_years(world):
    case = _case(world)
    item = evidence_add(case=case, by=world.users["resident_yz"], name="a.pdf", data=PDF)
    assert evidence_open(evidence_id=item.pk, user=world.users["resident_yz"]).data == PDF
    assert evidence_open(evidence_id=item.pk, user=world.users["reviewer_yz"]).data == PDF
    for outsider in ("resident_hs", "window_hs", "district_admin_nh"):
        with pytest.raises(NotFound):
            evidence_open(evidence_id=item.pk, user=world.users[outsider])
    assert AuditEvent.objects.filter(action="evidence.viewed").count() == 2
    case = case_act(case=case, action="withdraw", actor=world.users["resident_yz"])
    assert evidence_purge(now=case.closed_at + dt.timedelta(days=3 * 365)) == 0
    assert evidence_purge(now=case.closed_at + dt.timedelta(days=3 * 366)) == 1
    item.refresh_from_db()
    assert item.data is None and item.deleted_at is not None
    with pytest.raises(NotFound):
        evidence_open(evidence_id=item.pk, user=world.users["resident_yz"])
