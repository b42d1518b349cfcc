"""audit_record: the one way to write an audit event. Call it inside the service's
transaction, so the event and the change commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinjumin.audit.chain import GENESIS, ChainReport, event_hash, verify
from xinjumin.audit.context import current_actor
from xinjumin.audit.models import AuditCheck, AuditEvent
from xinjumin.core.context import current_request_id

_PG_LOCK_KEY = 7_210_001  # advisory lock serialising appends to the chain on PostgreSQL


def audit_record(
    *,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Append one event. `actor` defaults to the request's user (audit.context).

    `detail` must not contain personal data in clear: pass masked values or ids.
    """
    who = actor if actor is not None else current_actor()
    if who is not None and not isinstance(who, str) and not who.is_authenticated:
        who = None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        prev_hash = last["hash"] if last else GENESIS
        seq = (last["seq"] if last else 0) + 1
        fields: dict[str, Any] = {
            "seq": seq,
            "at": timezone.now().isoformat(timespec="microseconds"),
            "actor": getattr(who, "username", "") or (who if isinstance(who, str) else ""),
            "actor_role": getattr(who, "role", "") or "",
            "actor_district": getattr(who, "district_id", "") or "",
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "detail": detail or {},
            "request_id": current_request_id(),
        }
        digest = event_hash(prev_hash, fields)
        fields["at"] = timezone.datetime.fromisoformat(fields["at"])
        return AuditEvent.objects.create(prev_hash=prev_hash, hash=digest, **fields)


def _rows():  # type: ignore[no-untyped-def]
    for ev in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield {
            "seq": ev.seq,
            "at": ev.at.isoformat(timespec="microseconds"),
            "actor": ev.actor,
            "actor_role": ev.actor_role,
            "actor_district": ev.actor_district,
            "action": ev.action,
            "object_type": ev.object_type,
            "object_id": ev.object_id,
            "detail": ev.detail,
            "request_id": ev.request_id,
            "prev_hash": ev.prev_hash,
            "hash": ev.hash,
        }


def audit_verify_chain(*, store: bool = True) -> ChainReport:
    """Verify the whole chain; keep the result as an AuditCheck row."""
    report = verify(_rows())
    if store:
        AuditCheck.objects.create(events_checked=report.events_checked, ok=report.ok,
                                  first_broken_seq=report.first_broken_seq,
                                  reason=report.reason)
    return report
