"""Back office: indicator-system versions (domain §7.6). City admins upload, compare and
publish the city layer; a district admin does the same for their district's layer and
reads the others. Validation, comparison and publishing are scoring.indicators services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinjumin.accounts.roles import Role
from xinjumin.backoffice.web import page, staff_required
from xinjumin.core.errors import DomainError
from xinjumin.core.web import bilingual, error_message, is_htmx
from xinjumin.geo.models import District
from xinjumin.scoring.indicators import indicator_publish, indicator_upload
from xinjumin.scoring.models import CITY, IndicatorSystem
from xinjumin.scoring.selectors import indicators_list
from xinjumin.scoring.tasks import indicator_compare_task

YAML_MAX = 512_000


class IndicatorUploadForm(forms.Form):
    yaml_file = forms.FileField(label=_("YAML 文件"), required=False)
    yaml_text = forms.CharField(label=_("或粘贴 YAML 内容"), required=False,
                                max_length=YAML_MAX, widget=forms.Textarea(attrs={"rows": 8}))

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        upload = data.get("yaml_file")
        if upload is not None:
            if upload.size > YAML_MAX:
                raise forms.ValidationError(_("文件过大 (最多 500 KB)"))
            try:
                data["yaml_text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("文件须为 UTF-8 编码的 YAML")) from None
        if not (data.get("yaml_text") or "").strip():
            raise forms.ValidationError(_("请选择 YAML 文件或粘贴内容"))
        return data


class PublishForm(forms.Form):
    effective_from = forms.DateField(label=_("生效日期"),
                                     widget=forms.DateInput(attrs={"type": "date"}),
                                     error_messages={"required": _("请填写生效日期"),
                                                     "invalid": _("日期格式应为 YYYY-MM-DD")})
    confirm = forms.BooleanField(label=_("我已查看与现行版本的对比结果, 确认发布"),
                                 error_messages={"required": _("请确认已查看对比结果")})


def _require_config(request: HttpRequest) -> None:
    if request.user.role not in (Role.CITY_ADMIN, Role.DISTRICT_ADMIN):
        raise Http404


def _visible_layers(user: Any) -> set[str] | None:
    """None = every layer (city admin); a district admin sees the city and their own."""
    return None if user.role == Role.CITY_ADMIN else {CITY, user.district_id or ""}


def may_edit(user: Any, version: IndicatorSystem) -> bool:
    if version.layer == CITY:
        return user.role == Role.CITY_ADMIN
    return user.role == Role.DISTRICT_ADMIN and user.district_id == version.layer


def _version(request: HttpRequest, version_id: int) -> IndicatorSystem:
    version = IndicatorSystem.objects.filter(pk=version_id).first()
    layers = _visible_layers(request.user)
    if version is None or (layers is not None and version.layer not in layers):
        raise Http404
    return version


def _layer_names() -> dict[str, str]:
    return {CITY: str(_("全市")), **dict(District.objects.values_list("code", "name"))}


def _errors_by_path(error: DomainError) -> list[tuple[str, str]]:
    return [(path, bilingual(text)) for path, text in (error.fields or {}).items()]


@require_http_methods(["GET", "POST"])
@staff_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    _require_config(request)
    form = IndicatorUploadForm(request.POST or None, request.FILES or None)
    status, error, paths = 200, "", []
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                version = indicator_upload(actor=request.user,
                                           yaml_text=form.cleaned_data["yaml_text"])
            except DomainError as exc:
                error, paths, status = error_message(exc), _errors_by_path(exc), exc.status
            else:
                return redirect("backoffice:indicator_detail", version_id=version.pk)
    layers = _visible_layers(request.user)
    versions = [v for v in indicators_list() if layers is None or v.layer in layers]
    names = _layer_names()
    for v in versions:
        v.layer_name = names.get(v.layer, v.layer)
    context = {"form": form, "versions": versions, "error": error, "paths": paths}
    return page(request, "backoffice/indicators.html", context, active="indicators",
                status=status)


def _detail_context(request: HttpRequest, version: IndicatorSystem, **extra: Any
                    ) -> dict[str, Any]:
    names = _layer_names()
    comparison = version.comparison or None
    if comparison:
        for row in comparison.get("by_district", []):
            row["name"] = names.get(row.get("district") or "", row.get("district") or "—")
    return {"version": version, "layer_name": names.get(version.layer, version.layer),
            "editable": may_edit(request.user, version), "comparison": comparison,
            "comparing": request.GET.get("comparing") == "1" and not comparison,
            "publish_form": extra.pop("publish_form", None) or PublishForm(), **extra}


@require_GET
@staff_required
def indicator_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    _require_config(request)
    version = _version(request, version_id)
    context = _detail_context(request, version)
    template = ("backoffice/_indicator_comparison.html" if is_htmx(request)
                else "backoffice/indicator_detail.html")
    return page(request, template, context, active="indicators")


@require_POST
@staff_required
def indicator_compare_view(request: HttpRequest, version_id: int) -> HttpResponse:
    """Queue the comparison with the version in force over the whole population."""
    _require_config(request)
    version = _version(request, version_id)
    if not may_edit(request.user, version):
        raise Http404
    IndicatorSystem.objects.filter(pk=version.pk).update(comparison=None)
    transaction.on_commit(lambda: indicator_compare_task(version.pk))
    return redirect(reverse("backoffice:indicator_detail", args=[version.pk]) + "?comparing=1")


@require_POST
@staff_required
def indicator_publish_view(request: HttpRequest, version_id: int) -> HttpResponse:
    _require_config(request)
    version = _version(request, version_id)
    form = PublishForm(request.POST)
    error, status = "", 400
    if form.is_valid():
        try:
            indicator_publish(actor=request.user, version=version,
                              effective_from=form.cleaned_data["effective_from"])
        except DomainError as exc:
            error, status = error_message(exc), exc.status
            for name, text in (exc.fields or {}).items():
                if name in form.fields:
                    form.add_error(name, bilingual(text))
        else:
            return redirect("backoffice:indicator_detail", version_id=version.pk)
    context = _detail_context(request, version, publish_form=form, error=error)
    return page(request, "backoffice/indicator_detail.html", context, active="indicators",
                status=status)
