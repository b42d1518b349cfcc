"""Scoring admin: read-only views of indicator versions, runs and stored scores.

Changes go through the services (upload / publish with their validation, permission
checks and audit events), never through these pages. Stored scores are personal data (a
breakdown names blood donations, credit and criminal records: domain.md §13): the
district admin sees those of the residents in their scope and the city admin those of
every resident, by accounts.access.residents_in_scope; window staff and reviewers read
scores in the back office. Only hashes, never ID numbers, are listed; lists, searches and
views are audit events (accounts.admin_base has the table of who sees what)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet

from xinjumin.accounts.access import residents_in_scope
from xinjumin.accounts.admin_base import ViewOnlyAdmin, roles
from xinjumin.accounts.roles import Role
from xinjumin.scoring.models import IndicatorSystem, ScoreRun, StoredScore


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(ViewOnlyAdmin):
    # District admins work on their own layer in the back office (/staff/indicators/).
    may_view = staticmethod(roles(Role.CITY_ADMIN))
    audited = False
    list_display = ("id", "profile", "layer", "status", "effective_from", "short_hash",
                    "uploaded_at", "published_at")
    list_filter = ("layer", "status")
    readonly_fields = ("profile", "name", "layer", "yaml_text", "content_hash", "status",
                       "effective_from", "uploaded_by", "uploaded_at", "published_by",
                       "published_at", "validation", "comparison")

    @admin.display(description="hash")
    def short_hash(self, obj: IndicatorSystem) -> str:
        return obj.content_hash[:12]


@admin.register(ScoreRun)
class ScoreRunAdmin(ViewOnlyAdmin):
    may_view = staticmethod(roles(Role.CITY_ADMIN, Role.SYSTEM_ADMIN))
    audited = False
    list_display = ("id", "kind", "as_of", "count", "seconds", "started_at")
    list_filter = ("kind",)


@admin.register(StoredScore)
class StoredScoreAdmin(ViewOnlyAdmin):
    may_view = staticmethod(roles(Role.DISTRICT_ADMIN, Role.CITY_ADMIN))
    list_display = ("id", "short_subject", "as_of", "home_district", "common", "score",
                    "frozen", "source", "is_current")
    list_filter = ("is_current", "source", "home_district")
    exclude = ("explanation",)
    show_full_result_count = False

    @admin.display(description="subject")
    def short_subject(self, obj: StoredScore) -> str:
        return obj.subject_hash[:12] + "…"

    def scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # A score is a resident's: in scope when its subject is (StoredScore.subject_hash
        # is Resident.id_hash), by the one scope function of accounts.access.
        return queryset.filter(
            subject_hash__in=residents_in_scope(user=user).values("id_hash"))
