"""audit_record: the one way to write an audit event. Call it inside the service's
transaction, so the event and the change commit or roll back together.

audit_verify_chain walks the keyed chain against the head checkpointed outside the
database (audit.checkpoints) and checkpoints it again; audit_purge removes, through the
one controlled path the database triggers allow, the oldest events past their retention
(audit.retention) and records the chain's new base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from xinjumin.audit.chain import GENESIS, Base, ChainReport, event_hash, verify
from xinjumin.audit.checkpoints import BASE, checkpoint_append, checkpoints_read
from xinjumin.audit.context import current_actor
from xinjumin.audit.keys import audit_current_key, audit_keys
from xinjumin.audit.models import AuditCheck, AuditEvent
from xinjumin.audit.retention import MIN_MONTHS, longer_retentions, months_before
from xinjumin.core.context import current_request_id
from xinjumin.core.errors import DomainError

_PG_LOCK_KEY = 7_210_001  # advisory lock serialising appends to the chain on PostgreSQL
PURGE = "audit.purge"


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def audit_record(
    *,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Append one event, keyed with the current audit key. `actor` defaults to the
    request's user (audit.context).

    `detail` must not contain personal data in clear: pass masked values or ids.
    """
    who = actor if actor is not None else current_actor()
    if who is not None and not isinstance(who, str) and not who.is_authenticated:
        who = None
    kid, _ = audit_current_key()
    with transaction.atomic():
        _lock_chain()
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
            "key_id": kid,
        }
        digest = event_hash(prev_hash, fields, audit_keys())
        fields["at"] = dt.datetime.fromisoformat(fields["at"])
        return AuditEvent.objects.create(prev_hash=prev_hash, hash=digest, **fields)


def _rows() -> Iterator[dict[str, Any]]:
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
            "key_id": ev.key_id,
            "prev_hash": ev.prev_hash,
            "hash": ev.hash,
        }


def _base() -> Base:
    """The chain's base: the one the latest lawful purge recorded (that event is itself
    verified by the walk, so a forged base shows), else the genesis."""
    purge = AuditEvent.objects.filter(action=PURGE).order_by("-seq").values("detail").first()
    if purge is None:
        return Base()
    detail = purge["detail"] or {}
    try:
        return Base(int(detail["base_seq"]), str(detail["base_hash"]))
    except (KeyError, TypeError, ValueError):
        return Base()  # the walk reports the first event as removed before the base


def audit_verify_chain(*, store: bool = True) -> ChainReport:
    """Verify the whole chain against the checkpoints kept outside the database; when it
    is intact, checkpoint its head. `store`: keep the result as an AuditCheck row."""
    checkpoints = checkpoints_read()
    if checkpoints.problem:
        report = ChainReport(0, False, None, checkpoints.problem)
    else:
        report = verify(_rows(), keys=audit_keys(), base=_base(),
                        checkpoints=checkpoints.heads())
        if report.ok and report.head_seq:
            checkpoint_append(seq=report.head_seq, hash=report.head_hash)
    if store:
        AuditCheck.objects.create(events_checked=report.events_checked, ok=report.ok,
                                  first_broken_seq=report.first_broken_seq,
                                  reason=report.reason[:200])
    return report


@dataclass(frozen=True)
class PurgeResult:
    removed: int
    base_seq: int
    kept_from: int | None  # first seq kept, None if nothing is left before the purge event
    event: AuditEvent | None  # the audit.purge event (None when nothing was removed)


def _refuse(message: str, message_en: str, field: str = "before") -> DomainError:
    return DomainError("audit_retention", message, message_en,
                       {field: f"{message} / {message_en}"}, 409)


def _first_kept(before: dt.datetime, now: dt.datetime) -> int | None:
    """The first event to keep: the first on or after `before`, or still within a longer
    retention than the minimum (credit queries)."""
    keep = Q(at__gte=before)
    for prefix, since in longer_retentions(now):
        keep |= Q(action__startswith=prefix, at__gte=since)
    first: int | None = AuditEvent.objects.filter(keep).aggregate(m=Min("seq"))["m"]
    return first


def _delete_through(seq: int) -> int:
    """Delete events up to `seq` through the one path the triggers allow: a permit row of
    this transaction (and, on PostgreSQL, of this transaction id)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("INSERT INTO audit_auditpurgepermit (upto, txid) "
                        "VALUES (%s, txid_current())", [seq])
        else:
            cur.execute("INSERT INTO audit_auditpurgepermit (upto) VALUES (%s)", [seq])
        cur.execute("DELETE FROM audit_auditevent WHERE seq <= %s", [seq])
        removed = cur.rowcount
        cur.execute("DELETE FROM audit_auditpurgepermit")
    return removed


def audit_purge(*, before: dt.datetime, actor: Any = None,
                now: dt.datetime | None = None) -> PurgeResult:
    """Remove the oldest events written before `before` that are past their retention
    (audit.retention), keeping the chain whole: it stops at the first event still kept.
    Refused (409) when `before` is within the minimum retention or the chain does not
    verify (a broken chain is evidence). Records "audit.purge" with the chain's new base,
    checkpointed outside the database too."""
    now = now or timezone.now()
    limit = months_before(now, MIN_MONTHS)
    if before > limit:
        raise _refuse(f"审计记录至少保存 {MIN_MONTHS} 个月: 只能清除 {limit:%Y-%m-%d} 之前的记录",
                      f"audit events are kept at least {MIN_MONTHS} months: only events "
                      f"before {limit:%Y-%m-%d} may be removed")
    report = audit_verify_chain(store=True)
    if not report.ok:
        raise _refuse(f"审计链校验未通过, 不得清除: {report.reason}",
                      f"the audit chain does not verify, nothing may be removed: "
                      f"{report.reason}", field="chain")
    with transaction.atomic():
        _lock_chain()
        first_kept = _first_kept(before, now)
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        # The newest event always stays: seqs are the last one's plus one (audit_record),
        # so an emptied table would hand out seq 1 again.
        upto = min(first_kept - 1 if first_kept is not None else last, last - 1)
        oldest = AuditEvent.objects.order_by("seq").values("seq", "hash").first()
        if oldest is None or upto < oldest["seq"]:
            return PurgeResult(0, _base().seq, first_kept, None)
        base_hash = AuditEvent.objects.values_list("hash", flat=True).get(seq=upto)
        removed = _delete_through(upto)
        event = audit_record(action=PURGE, object_type="audit_chain", object_id=upto, detail={
            "before": before.isoformat(), "removed": removed, "base_seq": upto,
            "base_hash": base_hash, "kept_from": first_kept,
        }, actor=actor)
        transaction.on_commit(lambda: checkpoint_append(seq=upto, hash=base_hash, kind=BASE))
    return PurgeResult(removed, upto, first_kept, event)
