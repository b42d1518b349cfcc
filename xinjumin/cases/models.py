"""Cases: what a resident asks of the platform and a person decides (domain.md §7.9).

A case has one kind (evidence, objection, human review, a residence permit application or
endorsement),
one status, and moves only by
the transition table of `xinjumin.cases.machine`, applied by `services.case_act` with a
conditional UPDATE. Its history is `CaseEvent` rows; every deadline it has had, with the
reason it moved, is a `CaseDeadline` row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Case(models.Model):
    class Kind(models.TextChoices):
        EVIDENCE = "evidence", _("补充材料")
        OBJECTION = "objection", _("异议")
        REVIEW = "review", _("人工复核")
        PERMIT = "permit", _("居住证申领")
        ENDORSEMENT = "endorsement", _("居住证签注")

    class Status(models.TextChoices):
        OPEN = "open", _("待审核")
        WAITING = "waiting", _("待补充材料")
        ACCEPTED = "accepted", _("已采纳")
        REFUSED = "refused", _("未采纳")
        WITHDRAWN = "withdrawn", _("已撤回")

    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.OPEN)
    resident = models.ForeignKey("people.Resident", verbose_name=_("新居民"),
                                 on_delete=models.PROTECT, related_name="cases")
    # routing (domain.md §7.9): the owning department's reviewers in the residence district
    district = models.ForeignKey("geo.District", verbose_name=_("办理区县"),
                                 on_delete=models.PROTECT, related_name="cases")
    department = models.CharField(_("办理部门"), max_length=16)
    item_key = models.CharField(_("积分项"), max_length=64, blank=True)
    record_source = models.CharField(_("所涉记录来源"), max_length=16, blank=True)
    record_id = models.CharField(_("所涉记录编号"), max_length=128, blank=True)
    # an objection's reviewer is never who decided what is objected to
    excluded_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    statement = models.TextField(_("申请说明"), blank=True)
    # what the kind needs besides (a permit application's claims: study, investor, talent)
    detail = models.JSONField(_("申请内容"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"),
                                     on_delete=models.PROTECT, related_name="+")
    assisted = models.BooleanField(_("窗口代办"), default=False)
    client_key = models.CharField(_("请求键"), max_length=64)
    due_on = models.DateField(_("办理期限"))
    due_provisional = models.BooleanField(_("期限为暂定"), default=False)
    waited_days = models.PositiveIntegerField(_("已暂停工作日"), default=0)
    waiting_since = models.DateTimeField(_("暂停计时起"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)  # decided or withdrawn
    reasons = models.TextField(_("理由"), blank=True)
    reasons_en = models.TextField(_("理由(英文)"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        constraints = [
            # a double tap or a retry never makes two cases
            models.UniqueConstraint(fields=["resident", "client_key"],
                                    name="case_one_per_client_key"),
        ]
        indexes = [
            models.Index(fields=["district", "status", "due_on"], name="case_queue"),
            # a reviewer's queue (their department in their district) in deadline order,
            # and the counts of a queue read from the index alone (bench/bench_queue.py:
            # 100,000 open cases in a district)
            models.Index(fields=["district", "department", "due_on", "submitted_at"],
                         name="case_queue_department"),
            # a window clerk's or district admin's queue (the whole district) in deadline
            # order: without it, 100,000 open cases were sorted for each page (0.36 s)
            models.Index(fields=["district", "due_on", "submitted_at"],
                         name="case_queue_district"),
            models.Index(fields=["district", "department", "status", "kind", "due_on",
                                 "excluded_reviewer"], name="case_counts_department"),
            models.Index(fields=["district", "status", "kind", "due_on"], name="case_counts"),
            models.Index(fields=["resident", "submitted_at"], name="case_of_resident"),
            # a department's new version of a record finds the decisions about it
            models.Index(fields=["record_id"], name="case_of_record",
                         condition=~models.Q(record_id="")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind} {self.status}"


class CaseEvent(models.Model):
    """One step of a case's history: who (by role) did what, from which status to which,
    with the reasons the resident reads."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交")
        ASK = "ask", _("要求补充材料")
        SUPPLY = "supply", _("补充材料")
        ACCEPT = "accept", _("采纳")
        REFUSE = "refuse", _("不予采纳")
        WITHDRAW = "withdraw", _("撤回")
        REOPEN = "reopen", _("部门记录更新, 重新审核")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=16, choices=Action.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_role = models.CharField(max_length=32)
    reasons = models.TextField(blank=True)
    reasons_en = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class Evidence(models.Model):
    """A file a resident submits with a case (PDF, JPEG or PNG: the type read from its
    bytes), encrypted at rest (core.crypto.encrypt_bytes, the case number as associated
    data), served only to the resident's side and the case's reviewers, every view audited;
    its bytes deleted 3 years after the case closes (`data` emptied, the row kept)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(_("文件名"), max_length=128)
    content_type = models.CharField(_("文件类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField(null=True)
    uploaded_at = models.DateTimeField(_("上传时间"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["deleted_at", "case"], name="evidence_kept")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.name}"


class CaseDeadline(models.Model):
    """Every deadline a case has had, with the reason it was set or moved."""

    class Reason(models.TextChoices):
        SUBMITTED = "submitted", _("受理时确定")
        RESUMED = "resumed", _("补充材料后顺延")
        CALENDAR = "calendar", _("节假日安排公布后重算")
        REOPENED = "reopened", _("部门记录更新后重新审核")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    due_on = models.DateField()
    provisional = models.BooleanField(default=False)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    waited_days = models.PositiveIntegerField(default=0)
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["set_at", "id"]

    def __str__(self) -> str:
        return f"{self.due_on} ({self.reason})"


class WorkingCalendarYear(models.Model):
    """A year's official holiday schedule loaded by an admin (published each November by
    the State Council), for a year `chinese-calendar` does not cover yet: the days that
    differ from Monday–Friday, {"YYYY-MM-DD": true (working) | false (rest)}."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    days = models.JSONField(_("调整日期"))
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self) -> str:
        return str(self.year)
