"""The base of every Django admin page of the project: one role check, one scope, audited.

The admin is for the configuration roles of domain.md §2 (city and district admin, and the
system, security and audit admins with separated powers, 三员分立). Staff whose daily work
has a back-office page (window staff and department reviewers read residents, their
records and scores under /staff/) find none of that data here. Every page needs the TOTP
check (django-otp's admin site and `otp_verified`); nobody adds or deletes anything, and
only the security admin changes anything (accounts, through `staff_update`).

Decisions, model by model (tests/security/test_admin_scope.py holds the same table and
fails when a registered model has none):

| model | open to | rows in the admin | audited |
|---|---|---|---|
| people.Resident | district, city admin | `residents_in_scope`, object: `access_resident` | all |
| scoring.StoredScore | district, city admin | subjects of `residents_in_scope` | all |
| people.Employer | city admin | the city (no district scope for employers) | all |
| records.ImportBatch (+ rejected rows) | city admin | the city; own batches: back office | all |
| scoring.IndicatorSystem | city admin | the city; a district's layer: back office | refusals |
| scoring.ScoreRun | city, system admin | no personal data | refusals |
| geo.District, Street, Complex, Building | system, city admin | reference data | refusals |
| accounts.User | security admin (changes) | every account | all |
| audit.AuditEvent | audit admin | `audit.selectors.audit_events` | all |
| audit.AuditCheck | audit admin | no personal data | refusals |
| axes.AccessAttempt, AccessLog, AccessFailureLog | security admin | logins | all |
| auth.Group, otp_totp.TOTPDevice | nobody: unregistered | no page | - |

"all": lists, searches, object views and refusals are audit events. `residents_in_scope`
and `access_resident` are accounts.access's. The rejected rows of a batch can quote the
wrong value they refused (an ID number typed as a number), hence the city admin only.
Geography is loaded by migrations and comes with the data: a change here would leave no
audit event, so nobody changes it here. Roles are accounts.roles, not groups; TOTP
secrets are enrolled by `xjm create_staff` and never shown again. Login records (django-
axes) hold usernames and client addresses.

Window staff, reviewers and resident accounts are refused every model page (403; resident
accounts are not admin staff at all, the login form answers). A district admin's scope is
a queryset filter by the function accounts.access uses (`ScopedAdmin.scope`), so a page or
object outside it does not exist (404, audited as a refusal); a page of a model the role
may not read answers 403, audited too.

Audit events (xinjumin.audit.services.audit_record), object_type the model's label:
- "admin.list": a changelist of personal data; detail {model, rows, shown, filters (names
  of the lookup parameters, never their values)};
- "admin.search": the same with a search term (`q`): the term is kept as a keyed hash
  (`q_hash`, HMAC with the platform's hash key, purpose "audit_search": whoever holds
  the key can tell whether a given term was searched) and masked (`q_masked`: an ID or phone
  number as the masking of core.logging shows it, anything else as a masked name);
- "admin.view": an object page (change form or history) of personal data; detail {model,
  page};
- "admin.refused": any refused page (list, view, history, add, delete, autocomplete);
  detail {model, page, reason: "power" (403, the role may not) or "scope" (404, no such
  object in the user's scope)}; the id asked for is masked as accounts.access masks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.exceptions import DisallowedModelAdminToField
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import IGNORED_PARAMS
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from points import mask_name
from xinjumin.accounts.access import otp_verified
from xinjumin.accounts.roles import Role
from xinjumin.audit.services import audit_record
from xinjumin.core.crypto import keyed_hash
from xinjumin.core.logging import mask_text

ADMIN_LIST, ADMIN_SEARCH, ADMIN_VIEW, ADMIN_REFUSED = (
    "admin.list", "admin.search", "admin.view", "admin.refused")
SEARCH_HASH_PURPOSE = "audit_search"
_OBJECTS = "_xjm_admin_objects"  # the objects one request looked up, by (model, id, field)


def roles(*allowed: Role) -> Callable[[Any], bool]:
    """A role check for `may_view` / `may_change`: an active account of one of `allowed`."""
    names = frozenset(allowed)

    def check(user: Any) -> bool:
        return bool(user is not None and getattr(user, "is_authenticated", False)
                    and getattr(user, "is_active", False)
                    and getattr(user, "role", None) in names)

    check.__name__ = "roles_" + "_".join(sorted(names))
    return check


def nobody(user: Any) -> bool:
    return False


def search_detail(term: str) -> dict[str, Any]:
    """How an admin search term is kept in the audit trail: never in clear."""
    term = term.strip()
    masked = mask_text(term)
    return {"q_hash": keyed_hash(term, purpose=SEARCH_HASH_PURPOSE),
            "q_masked": (masked if masked != term else mask_name(term))[:64]}


def _masked_id(object_id: Any) -> str:
    return mask_text(str(object_id if object_id is not None else ""))[:64]


def _is_autocomplete(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


class ScopedAdmin(admin.ModelAdmin):
    """Every ModelAdmin of the project. `may_view(user)` says which roles read the model,
    `may_change(user)` which change it (nobody by default); `scope(user, queryset)`
    narrows the rows to the user's scope with the function accounts.access uses (the
    whole table by default, for models only unscoped roles read); `audited` says whether
    the rows are personal data, whose lists, searches and views are audit events.
    Refusals are audit events whatever the model."""

    may_view: ClassVar[staticmethod[[Any], bool]]
    may_change: ClassVar[staticmethod[[Any], bool]]
    audited: ClassVar[bool] = True

    # --- who -----------------------------------------------------------------------------
    def scope(self, user: Any, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset

    def _reader(self, request: HttpRequest) -> bool:
        check = getattr(type(self), "may_view", nobody)
        return check(request.user) and otp_verified(request.user)

    def _writer(self, request: HttpRequest) -> bool:
        check = getattr(type(self), "may_change", nobody)
        return check(request.user) and otp_verified(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._reader(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.audited and _is_autocomplete(request):
            # No page of ours asks for personal data by autocomplete: such a request is a
            # search outside the audited changelist (Django asks this once per request).
            self.audit_refused(request, page="autocomplete", reason="power")
            return False
        return self._reader(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._writer(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- which rows ----------------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if not self._reader(request):
            return queryset.none()
        return self.scope(request.user, queryset)

    def scoped_object(self, request: HttpRequest, object_id: str,
                      from_field: str | None = None) -> Any:
        """The object in the user's scope, or None (the default: by `get_queryset`)."""
        return super().get_object(request, object_id, from_field)

    def get_object(self, request: HttpRequest, object_id: str,
                   from_field: str | None = None) -> Any:
        # Looked up once per request: the guard of the object pages and Django's view
        # both ask, and a look-up through accounts.access is itself an audit event.
        seen = request.__dict__.setdefault(_OBJECTS, {})
        key = (self.opts.label_lower, object_id, from_field)
        if key not in seen:
            seen[key] = self.scoped_object(request, object_id, from_field)
        return seen[key]

    # --- the audit trail -----------------------------------------------------------------
    def audit_refused(self, request: HttpRequest, *, page: str, reason: str,
                      object_id: Any = "") -> None:
        audit_record(action=ADMIN_REFUSED, object_type=self.opts.label_lower,
                     object_id=_masked_id(object_id),
                     detail={"model": self.opts.label_lower, "page": page, "reason": reason},
                     actor=request.user)

    def _audit_list(self, request: HttpRequest, changelist: Any) -> None:
        term = (changelist.query or "").strip()
        detail: dict[str, Any] = {
            "model": self.opts.label_lower, "rows": changelist.result_count,
            "shown": len(changelist.result_list),
            "filters": sorted(k for k in changelist.filter_params
                              if k not in IGNORED_PARAMS)[:20],
        }
        if term:
            detail.update(search_detail(term))
        audit_record(action=ADMIN_SEARCH if term else ADMIN_LIST,
                     object_type=self.opts.label_lower, detail=detail, actor=request.user)

    def _audit_view(self, request: HttpRequest, obj: Any, page: str) -> None:
        audit_record(action=ADMIN_VIEW, object_type=self.opts.label_lower, object_id=obj.pk,
                     detail={"model": self.opts.label_lower, "page": page}, actor=request.user)

    # --- the pages -----------------------------------------------------------------------
    def _guarded_object(self, request: HttpRequest, object_id: str, page: str,
                        to_field: str | None = None) -> Any:
        """The object of an object page, or a refusal: 403 when the role may not read the
        model, 404 when the object is not in the user's scope (both audited)."""
        if not self.has_view_or_change_permission(request):
            self.audit_refused(request, page=page, reason="power", object_id=object_id)
            raise PermissionDenied
        if to_field and not self.to_field_allowed(request, to_field):
            raise DisallowedModelAdminToField(f"The field {to_field} cannot be referenced.")
        obj = self.get_object(request, unquote(object_id), to_field)
        if obj is None:
            self.audit_refused(request, page=page, reason="scope", object_id=object_id)
            raise Http404
        return obj

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            self.audit_refused(request, page="list", reason="power")
            raise PermissionDenied
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if self.audited and changelist is not None:
            self._audit_list(request, changelist)
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        obj = self._guarded_object(request, object_id, "view", to_field)
        response = super().change_view(request, object_id, form_url, extra_context)
        if self.audited and response.status_code == 200:
            self._audit_view(request, obj, "view")
        return response

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict[str, Any] | None = None) -> HttpResponse:
        obj = self._guarded_object(request, object_id, "history")
        response = super().history_view(request, object_id, extra_context)
        if self.audited and response.status_code == 200:
            self._audit_view(request, obj, "history")
        return response

    def add_view(self, request: HttpRequest, form_url: str = "",
                 extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_add_permission(request):
            self.audit_refused(request, page="add", reason="power")
            raise PermissionDenied
        return super().add_view(request, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str,
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        obj = self._guarded_object(request, object_id, "delete")
        if not self.has_delete_permission(request, obj):
            self.audit_refused(request, page="delete", reason="power", object_id=object_id)
            raise PermissionDenied
        return super().delete_view(request, object_id, extra_context)


class ViewOnlyAdmin(ScopedAdmin):
    """A ScopedAdmin that nobody changes (the default; kept as the name pages use)."""


class ScopedInline(admin.TabularInline):
    """An inline of a ScopedAdmin page: read by whoever reads the page, changed by nobody
    (its rows are the parent object's, already in scope)."""

    extra = 0
    max_num = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.admin_site._registry[self.parent_model].has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def unregister(models: Iterable[Any]) -> None:
    """Take third-party models off the admin (the table above says why)."""
    for model in models:
        if admin.site.is_registered(model):
            admin.site.unregister(model)
