"""Audit admin: read-only, and visible to the audit admin only (三员分立).

Nobody adds, changes or deletes an audit event here (the database refuses it anyway).
The audit admin's own reads of the trail are audit events too (accounts.admin_base).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from xinjumin.accounts.access import can_read_audit
from xinjumin.accounts.admin_base import ViewOnlyAdmin
from xinjumin.audit.models import AuditCheck, AuditEvent
from xinjumin.audit.selectors import audit_events


class _AuditReadOnly(ViewOnlyAdmin):
    may_view = staticmethod(can_read_audit)


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditReadOnly):
    list_display = ("seq", "at", "actor", "actor_role", "actor_district", "action",
                    "object_type", "object_id")
    list_filter = ("action", "actor_role", "object_type")
    search_fields = ("=actor", "=object_id", "=request_id")
    date_hierarchy = "at"
    readonly_fields = ("seq", "at", "actor", "actor_role", "actor_district", "action",
                       "object_type", "object_id", "detail", "request_id", "key_id", "prev_hash",
                       "hash")
    fields = readonly_fields

    def scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset & audit_events(user=user)


@admin.register(AuditCheck)
class AuditCheckAdmin(_AuditReadOnly):
    audited = False
    list_display = ("checked_at", "events_checked", "ok", "first_broken_seq", "reason")
    list_filter = ("ok",)
    readonly_fields = list_display
    fields = list_display
