"""Residence registration (居住登记, 来甬登记; domain.md §5).

A `Registration` links a resident to a home (complex → building → unit) and optionally an
employer (unified social credit code), from the day they arrived. It is declared by the
resident (online, or at a window by a clerk: assisted, with the identity document the
clerk checked), or reported by an employer, landlord, property manager or agency: then it
is `pending` and counts for nothing until the resident confirms it (or a clerk verifies
it); unconfirmed for 30 days it lapses. In force (`active`), it is a
`residence_registration` record of source PSB with record id `XJM-R-<number>` (domain.md
§9.1), written through the same ingestion as a department's, so the engine scores it.
An address change updates it (the next version of the record: where residence time
counts from stays); deregistration ends it. At most one registration is in force per
resident (the partial unique constraint `registration_one_active`).

Its certificate is the number and a verification code: anyone holding both can check, on
a public page, whether it is in force (masked data only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待本人确认")
        ACTIVE = "active", _("有效")
        REJECTED = "rejected", _("本人已否认")
        LAPSED = "lapsed", _("逾期未确认")
        ENDED = "ended", _("已注销")

    class Channel(models.TextChoices):
        SELF = "self", _("本人申报")
        COUNTER = "counter", _("窗口登记")
        REPORT = "report", _("单位或房东报告")

    class Reporter(models.TextChoices):
        EMPLOYER = "employer", _("用人单位")
        LANDLORD = "landlord", _("房东")
        PROPERTY_MANAGER = "property_manager", _("物业服务企业")
        AGENCY = "agency", _("房屋中介")

    class EndReason(models.TextChoices):
        MOVED_AWAY = "moved_away", _("离开本市")
        HOUSEHOLD = "household", _("落户本市")
        DECEASED = "deceased", _("死亡")

    number = models.CharField(_("登记凭证编号"), max_length=32, unique=True)
    verification_code = models.CharField(_("核验码"), max_length=8)
    resident = models.ForeignKey("people.Resident", verbose_name=_("新居民"),
                                 on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    district = models.ForeignKey("geo.District", verbose_name=_("区县"),
                                 on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("geo.Street", verbose_name=_("街道"), on_delete=models.PROTECT,
                               related_name="+")
    unit = models.ForeignKey("geo.Unit", verbose_name=_("住所"), on_delete=models.PROTECT,
                             related_name="+")
    employer_uscc = models.CharField(_("就业单位统一社会信用代码"), max_length=18, blank=True)
    arrived_on = models.DateField(_("来甬日期"))
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    late = models.BooleanField(_("逾期申报"), default=False)
    # a report (employer, landlord, property manager, agency)
    reporter_kind = models.CharField(_("报告人类型"), max_length=16, choices=Reporter.choices,
                                     blank=True)
    reporter_uscc = models.CharField(_("报告单位代码"), max_length=18, blank=True)
    reporter_name = models.CharField(_("报告人"), max_length=128, blank=True)
    reported_on = models.DateField(_("报告日期"), null=True, blank=True)
    report_late = models.BooleanField(_("逾期报告"), default=False)
    # who submitted: a resident's own account, a guardian, a clerk (assisted) or a
    # reporter's account; a clerk records the identity document checked
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    assisted = models.BooleanField(_("窗口代办"), default=False)
    document_checked = models.CharField(_("核验的身份证件"), max_length=32, blank=True)
    client_key = models.CharField(_("请求键"), max_length=64)
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_at = models.DateTimeField(_("确认或否认时间"), null=True, blank=True)
    ended_on = models.DateField(_("注销日期"), null=True, blank=True)
    end_reason = models.CharField(_("注销原因"), max_length=16, choices=EndReason.choices,
                                  blank=True)
    record_version = models.PositiveIntegerField(_("记录版本"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居住登记")
        verbose_name_plural = _("居住登记")
        constraints = [
            models.UniqueConstraint(fields=["resident", "client_key"],
                                    name="registration_one_per_client_key"),
            models.UniqueConstraint(fields=["resident"], name="registration_one_active",
                                    condition=models.Q(status="active")),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="registration_status"),
            models.Index(fields=["resident", "submitted_at"], name="registration_of_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.status}"

    @property
    def record_id(self) -> str:
        return f"XJM-R-{self.number}"


class AddressChange(models.Model):
    """One change of address (or workplace) of a registration in force: where from, where
    to, the day of the move and whether it was registered within 10 days."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE,
                                     related_name="changes")
    moved_on = models.DateField(_("变更日期"))
    from_unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    from_employer_uscc = models.CharField(max_length=18, blank=True)
    to_employer_uscc = models.CharField(max_length=18, blank=True)
    late = models.BooleanField(_("逾期变更"), default=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    assisted = models.BooleanField(default=False)
    client_key = models.CharField(max_length=64)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["registration", "client_key"],
                                               name="address_change_one_per_client_key")]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.moved_on}"
