"""Indicator-system versions: upload, compare on the whole population, publish (§7.6).

City admins own the city layer; a district admin owns their district's layer only. A
district layer is an override document (see `xinjumin.scoring.rulesets`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.utils import timezone

from points import DISTRICT_CODES, RuleError, content_hash, parse_yaml, validate_text
from xinjumin.accounts.roles import Role
from xinjumin.audit.services import audit_record
from xinjumin.core.errors import DomainError
from xinjumin.scoring import rulesets
from xinjumin.scoring.models import CITY, IndicatorSystem


def _error_dict(errors: list[RuleError]) -> dict[str, str]:
    """{key path: "中文 / English"} (several problems at one path joined by "; ")."""
    out: dict[str, str] = {}
    for e in errors:
        path = e.path or "_"
        msg = f"{e.message_zh} / {e.message_en}"
        out[path] = f"{out[path]}; {msg}" if path in out else msg
    return out


def _invalid(errors: list[RuleError]) -> DomainError:
    return DomainError("invalid_indicator_system",
                       f"指标体系文件有 {len(errors)} 处错误, 请按字段修改后重新上传",
                       f"the indicator file has {len(errors)} problem(s); fix the fields "
                       "listed and upload again", _error_dict(errors))


def _may_edit(actor: Any, layer: str) -> bool:
    role = getattr(actor, "role", None)
    if layer == CITY:
        return role == Role.CITY_ADMIN
    return role == Role.DISTRICT_ADMIN and getattr(actor, "district_id", None) == layer


def _forbidden(layer: str) -> DomainError:
    if layer == CITY:
        return DomainError("forbidden", "只有市级管理员可以管理市级指标体系",
                           "only city admins manage the city indicator system", {}, 403)
    return DomainError("forbidden", f"只有 {layer} 的区县管理员可以管理该区县的个性指标",
                       f"only the district admin of {layer} manages that district layer",
                       {}, 403)


def validate_document(yaml_text: str, *, as_of: dt.date | None = None
                      ) -> tuple[str, str, str, str, list[RuleError]]:
    """(layer, profile id, name, content hash, errors) of an uploaded document. A district
    layer is validated merged into the city version in force (today, or `as_of`)."""
    try:
        data = parse_yaml(yaml_text)
    except yaml.YAMLError as exc:
        return "", "", "", "", [RuleError("<upload>", "", f"YAML 语法错误: {exc}",
                                          f"YAML syntax error: {exc}")]
    if not rulesets.is_layer_document(data):
        rule_set, errors = validate_text(yaml_text, file="<upload>")
        if rule_set is None:
            return CITY, "", "", "", errors
        return CITY, rule_set.id, rule_set.name, rule_set.content_hash, []
    errors = rulesets.layer_errors(data)
    code = str(data.get("district"))
    if errors:
        return code, "", "", "", errors
    city, layers = rulesets.versions_in_force(as_of=as_of or timezone.localdate())
    others = [v.yaml_text for v in layers if v.layer != code]
    merged = rulesets.merge_text(city.yaml_text, [*others, yaml_text])
    rule_set, errors = validate_text(merged, file="<upload>")
    if rule_set is None:
        prefix = f"districts.{code}"
        mine = [rulesets.unprefix(e, code) for e in errors
                if e.path == prefix or e.path.startswith(prefix + ".")]
        return code, "", "", "", mine or errors
    profile = str(data.get("id") or f"{city.profile}-{code}")
    return code, profile, str(data.get("name") or profile), content_hash(data), []


def indicator_upload(*, actor: Any, yaml_text: str) -> IndicatorSystem:
    """Validate an uploaded indicator document and store it as a draft. Raises DomainError
    with field-level bilingual errors keyed by YAML key path (`items.age.measure.base`);
    403 when the actor may not edit that layer; 409 when the same content exists."""
    layer, profile, name, digest, errors = validate_document(yaml_text)
    known = layer == CITY or layer in DISTRICT_CODES
    if known and not _may_edit(actor, layer):
        raise _forbidden(layer)
    if errors:
        raise _invalid(errors)
    existing = IndicatorSystem.objects.filter(content_hash=digest).first()
    if existing is not None:
        raise DomainError("duplicate", f"相同内容的版本已存在 (#{existing.pk})",
                          f"a version with the same content exists (#{existing.pk})",
                          {"yaml_text": f"重复 / duplicate of #{existing.pk}"}, 409)
    with transaction.atomic():
        version = IndicatorSystem.objects.create(
            profile=profile[:64], name=name[:128], layer=layer, yaml_text=yaml_text,
            content_hash=digest, uploaded_by=actor, validation={"ok": True, "errors": []})
        audit_record(action="indicator.upload", object_type="indicator_system",
                     object_id=version.pk, actor=actor,
                     detail={"layer": layer, "profile": profile, "hash": digest})
    return version


def candidate_rule_set(version: IndicatorSystem, as_of: dt.date):
    """The merged rule set that would be in force at D if `version` were published."""
    city, layers = rulesets.versions_in_force(as_of=as_of)
    if version.is_city:
        try:
            return rulesets.merged_rule_set(version.yaml_text, [v.yaml_text for v in layers])
        except rulesets.RuleSetError:  # layers written for the old city: compare as uploaded
            return rulesets.merged_rule_set(version.yaml_text)
    others = [v.yaml_text for v in layers if v.layer != version.layer]
    return rulesets.merged_rule_set(city.yaml_text, [*others, version.yaml_text])


def indicator_compare(*, version: IndicatorSystem, as_of: dt.date | None = None
                      ) -> dict[str, Any]:
    """Compare `version` with the rule set in force on the whole current population
    (records read from the database → points.compare); the summary is stored on the
    version and returned. Queue `tasks.indicator_compare_task` for a city-sized run."""
    from points import compare_rule_sets
    from xinjumin.scoring import sources

    as_of = as_of or timezone.localdate()
    in_force = rulesets.rule_set_in_force(as_of=as_of)
    candidate = candidate_rule_set(version, as_of)
    report = compare_rule_sets(sources.current_frames(), as_of, in_force, candidate)
    summary = report.to_dict()
    summary.update(against=in_force.content_hash, candidate=candidate.content_hash,
                   computed_at=timezone.now().isoformat())
    with transaction.atomic():
        IndicatorSystem.objects.filter(pk=version.pk).update(comparison=summary)
        audit_record(action="indicator.compare", object_type="indicator_system",
                     object_id=version.pk, actor="system",
                     detail={"as_of": as_of.isoformat(), "count": summary["count"],
                             "changed": summary["changed"]})
    version.comparison = summary
    return summary


def indicator_compare_enqueue(*, actor: Any, version: IndicatorSystem,
                              as_of: dt.date | None = None) -> None:
    """Queue the whole-population comparison (a Huey task, after the commit); the result
    lands in `version.comparison`. Same permission as publishing the version's layer."""
    if not _may_edit(actor, version.layer):
        raise _forbidden(version.layer)
    from xinjumin.scoring.tasks import indicator_compare_task

    day = as_of.isoformat() if as_of else None
    with transaction.atomic():
        audit_record(action="indicator.compare_requested", object_type="indicator_system",
                     object_id=version.pk, actor=actor, detail={"as_of": day})
        transaction.on_commit(lambda: indicator_compare_task(version.pk, day))


def _check_dates(version: IndicatorSystem, effective_from: dt.date) -> None:
    today = timezone.localdate()
    if effective_from < today:
        raise DomainError("effective_in_past", "生效日期不能早于今天(已计算的积分不能被改写)",
                          "the effective date cannot be in the past (scores already "
                          "computed must not change)",
                          {"effective_from": "不能早于今天 / not before today"})
    latest = (IndicatorSystem.objects.filter(layer=version.layer,
                                             status=IndicatorSystem.Status.PUBLISHED)
              .order_by("-effective_from").values_list("effective_from", flat=True).first())
    if latest is not None and effective_from <= latest:
        raise DomainError("effective_overlap",
                          f"生效日期必须晚于该层级已发布版本的生效日期 {latest}",
                          f"the effective date must be after {latest}, the effective date "
                          "of the latest published version of this layer",
                          {"effective_from": f"须晚于 {latest} / must be after {latest}"})


def indicator_publish(*, actor: Any, version: IndicatorSystem, effective_from: dt.date
                      ) -> IndicatorSystem:
    """Publish a draft with an effective date (not in the past, after the latest published
    version of its layer). City admins publish the city layer; a district admin only their
    district's layer. A conditional UPDATE (status still draft) makes a concurrent second
    publish fail; audited."""
    if not _may_edit(actor, version.layer):
        raise _forbidden(version.layer)
    _check_dates(version, effective_from)
    if not version.is_city:  # the layer must still merge into the city in force then
        _, _, _, _, errors = validate_document(version.yaml_text, as_of=effective_from)
        if errors:
            raise _invalid(errors)
    else:  # the district layers in force then must still merge into the new city version
        _, layers = rulesets.versions_in_force(as_of=effective_from)
        try:
            rulesets.merged_rule_set(version.yaml_text, [v.yaml_text for v in layers])
        except rulesets.RuleSetError as exc:
            raise DomainError(
                "layers_incompatible",
                "现行区县个性指标与新的市级版本不兼容, 请区县先上传新的区县层",
                "the district layers in force do not fit the new city version; the "
                "districts must upload new layers first", _error_dict(exc.errors)) from None
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = IndicatorSystem.objects.filter(
                pk=version.pk, status=IndicatorSystem.Status.DRAFT).update(
                status=IndicatorSystem.Status.PUBLISHED, effective_from=effective_from,
                published_by=actor, published_at=now)
            if claimed != 1:
                raise DomainError("not_draft", "该版本已发布或已停用, 不能再次发布",
                                  "this version is already published or retired",
                                  {"status": "不是草稿 / not a draft"}, 409)
            audit_record(action="indicator.publish", object_type="indicator_system",
                         object_id=version.pk, actor=actor,
                         detail={"layer": version.layer, "hash": version.content_hash,
                                 "effective_from": effective_from.isoformat()})
    except IntegrityError:
        raise DomainError("effective_overlap", "该层级在此日期已有发布的版本",
                          "this layer already has a version published for that date",
                          {"effective_from": "日期冲突 / date taken"}, 409) from None
    version.refresh_from_db()
    return version
