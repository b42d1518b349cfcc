"""Scoring admin: read-only views of indicator versions, runs and stored scores.

Changes go through the services (upload / publish with their validation, permission
checks and audit events), never through these pages. Stored scores are personal data:
only roles that read residents see them, and only hashes, never ID numbers, are listed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xinjumin.accounts.access import can_read_residents, otp_verified
from xinjumin.accounts.roles import Role
from xinjumin.scoring.models import IndicatorSystem, ScoreRun, StoredScore


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _config_reader(request: HttpRequest) -> bool:
    user = request.user
    return (getattr(user, "role", None) in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN)
            and otp_verified(user))


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(_ReadOnly):
    list_display = ("id", "profile", "layer", "status", "effective_from", "short_hash",
                    "uploaded_at", "published_at")
    list_filter = ("layer", "status")
    readonly_fields = ("profile", "name", "layer", "yaml_text", "content_hash", "status",
                       "effective_from", "uploaded_by", "uploaded_at", "published_by",
                       "published_at", "validation", "comparison")

    @admin.display(description="hash")
    def short_hash(self, obj: IndicatorSystem) -> str:
        return obj.content_hash[:12]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _config_reader(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _config_reader(request)


@admin.register(ScoreRun)
class ScoreRunAdmin(_ReadOnly):
    list_display = ("id", "kind", "as_of", "count", "seconds", "started_at")
    list_filter = ("kind",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _config_reader(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _config_reader(request)


@admin.register(StoredScore)
class StoredScoreAdmin(_ReadOnly):
    list_display = ("id", "short_subject", "as_of", "home_district", "common", "score",
                    "frozen", "source", "is_current")
    list_filter = ("is_current", "source", "home_district")
    exclude = ("explanation",)
    show_full_result_count = False

    @admin.display(description="subject")
    def short_subject(self, obj: StoredScore) -> str:
        return obj.subject_hash[:12] + "…"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_read_residents(request.user) and otp_verified(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_read_residents(request.user) and otp_verified(request.user)
