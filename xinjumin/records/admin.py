"""Read-only admin pages for import batches and their rejected rows.

Records themselves carry personal data and are read through the back office
(selectors.records_history_for, scoped and audited), not here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from xinjumin.records.models import ImportBatch, RowRejection


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class RowRejectionInline(admin.TabularInline):
    model = RowRejection
    fields = ("row", "record_id", "field", "code", "message", "message_en")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ("pk", "started_at", "channel", "source", "file_name", "status", "rows",
                    "created", "updated", "unchanged", "ignored", "conflict", "retracted",
                    "rejected")
    list_filter = ("channel", "status", "source")
    inlines = [RowRejectionInline]
