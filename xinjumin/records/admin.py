"""Read-only admin pages for import batches and their rejected rows.

Records themselves carry personal data and are read through the back office
(selectors.records_history_for, scoped and audited), not here. A rejected row can quote
the wrong value it refused (an ID number typed as a number, say), so batches are for the
city admin only, and their lists and views are audit events (accounts.admin_base); a
district admin sees their own batches in the back office.
"""

from __future__ import annotations

from django.contrib import admin

from xinjumin.accounts.admin_base import ScopedInline, ViewOnlyAdmin, roles
from xinjumin.accounts.roles import Role
from xinjumin.records.models import ImportBatch, RowRejection


class RowRejectionInline(ScopedInline):
    model = RowRejection
    fields = ("row", "record_id", "field", "code", "message", "message_en")
    readonly_fields = fields


@admin.register(ImportBatch)
class ImportBatchAdmin(ViewOnlyAdmin):
    may_view = staticmethod(roles(Role.CITY_ADMIN))
    list_display = ("pk", "started_at", "channel", "source", "file_name", "status", "rows",
                    "created", "updated", "unchanged", "ignored", "conflict", "retracted",
                    "rejected")
    list_filter = ("channel", "status", "source")
    inlines = [RowRejectionInline]
