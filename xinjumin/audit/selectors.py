"""Reading the audit trail: audit admins only (三员分立)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from xinjumin.accounts.access import can_read_audit
from xinjumin.audit.models import AuditEvent


def audit_events(
    *, user: Any, actor: str | None = None, action: str | None = None,
    object_type: str | None = None, object_id: str | int | None = None,
    since: dt.datetime | None = None, until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered; an empty queryset for anyone but an audit
    admin. `action` ending in "." matches a prefix (e.g. "auth."); `since` is inclusive,
    `until` exclusive."""
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor=actor)
    if action:
        events = (events.filter(action__startswith=action) if action.endswith(".")
                  else events.filter(action=action))
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id not in (None, ""):
        events = events.filter(object_id=str(object_id))
    if since:
        events = events.filter(at__gte=since)
    if until:
        events = events.filter(at__lt=until)
    return events.order_by("-seq")
