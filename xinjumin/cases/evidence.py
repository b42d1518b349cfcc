"""Services for a case's evidence files (domain.md §7.9, §13): add, open (audited), purge.

A file is accepted only as PDF, JPEG or PNG, the type read from its first bytes (a name or
a declared type proves nothing), within the size limit (XJM_MAX_EVIDENCE_BYTES, 10 MB
[default]) and at most EVIDENCE_PER_CASE per case. Its bytes are encrypted at rest with
the data key (the case number bound in as associated data: a file copied under another
case does not decrypt). It is served to the resident's side (the resident, a guardian, a
window clerk of the district) and the case's reviewers only, every view audited
"evidence.viewed"; 3 years after its case closes its bytes are deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinjumin.audit.services import audit_record
from xinjumin.cases import machine
from xinjumin.cases.models import Case, Evidence
from xinjumin.cases.selectors import acts_for, cases_in_scope
from xinjumin.core.crypto import decrypt_bytes, encrypt_bytes
from xinjumin.core.errors import DomainError, NotFound

EVIDENCE_PER_CASE = 10
KEEP_YEARS = 3  # after the case closes [default]
# the first bytes of each accepted type
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def sniffed_type(data: bytes) -> str | None:
    """The file's type from its bytes, or None when it is none of those accepted."""
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def _invalid(fields: dict[str, str]) -> DomainError:
    return DomainError("invalid", "提交的内容有误, 请按提示修改", "Some fields need correcting",
                       fields)


def evidence_add(*, case: Case, by: Any, name: str, data: bytes,
                 now: dt.datetime | None = None) -> Evidence:
    """Attach a file to an undecided case, for the resident's side. Audited
    "evidence.added" (name and type, never the content)."""
    now = now or timezone.now()
    if not acts_for(by, case.resident_id, case.district_id):
        raise NotFound("案件", "case")
    if case.status not in machine.OPEN_STATUSES:
        raise DomainError("case_action_not_allowed", "案件已办结, 不能再提交材料",
                          "The case is closed: no more files", status=409)
    limit = settings.XJM_MAX_EVIDENCE_BYTES
    kind = sniffed_type(data)
    clean = _UNSAFE_NAME.sub("_", (name or "").strip())[-128:] or "file"
    if not data:
        raise _invalid({"file": "文件为空 / the file is empty"})
    if len(data) > limit:
        raise _invalid({"file": f"文件不能超过 {limit // 1_000_000} MB / at most "
                                f"{limit // 1_000_000} MB"})
    if kind is None:
        raise _invalid({"file": "只接受 PDF、JPEG 或 PNG 文件 (按文件内容判断, 而非文件名) / "
                                "only PDF, JPEG or PNG files (judged by the content, not the "
                                "name)"})
    with transaction.atomic():
        if Case.objects.select_for_update().filter(pk=case.pk).get().evidence.count() \
                >= EVIDENCE_PER_CASE:
            raise _invalid({"file": f"每个案件最多 {EVIDENCE_PER_CASE} 个文件 / at most "
                                    f"{EVIDENCE_PER_CASE} files per case"})
        item = Evidence.objects.create(
            case=case, name=clean, content_type=kind, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=encrypt_bytes(data, associated=case.number.encode()), uploaded_at=now,
            uploaded_by=by)
        audit_record(action="evidence.added", object_type="evidence", object_id=item.pk,
                     actor=by, detail={"case": case.number, "type": kind, "size": len(data)})
    return item


@dataclass(frozen=True)
class OpenedFile:
    name: str
    content_type: str
    data: bytes


def evidence_open(*, evidence_id: int, user: Any) -> OpenedFile:
    """A file's bytes for the resident's side or the case's reviewers (in scope); anyone
    else, or a deleted file, is NotFound. Every view audited "evidence.viewed"."""
    item = (Evidence.objects.select_related("case").filter(pk=evidence_id).first())
    if item is None or item.data is None:
        raise NotFound("材料", "file")
    case = item.case
    allowed = acts_for(user, case.resident_id, case.district_id) or (
        cases_in_scope(user).filter(pk=case.pk).exists() and user.role == "reviewer")
    if not allowed:
        raise NotFound("材料", "file")
    data = decrypt_bytes(bytes(item.data), associated=case.number.encode())
    audit_record(action="evidence.viewed", object_type="evidence", object_id=item.pk,
                 actor=user, detail={"case": case.number})
    return OpenedFile(item.name, item.content_type, data)


def evidence_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the bytes of the files whose case closed more than 3 years ago (the row
    stays: name, type, size, digest). Audited "evidence.purged"."""
    now = now or timezone.now()
    try:
        cutoff = now.replace(year=now.year - KEEP_YEARS)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - KEEP_YEARS, day=28)
    with transaction.atomic():
        n = Evidence.objects.filter(deleted_at__isnull=True, case__closed_at__lte=cutoff
                                    ).update(data=None, deleted_at=now)
        audit_record(action="evidence.purged", object_type="evidence", object_id="",
                     actor="evidence-purge", detail={"files": n,
                                                     "closed_before": cutoff.isoformat()})
    return n
