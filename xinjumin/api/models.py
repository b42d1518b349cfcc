"""Credentials of the API: bearer tokens for people, API keys for department systems, and
the idempotency records of retried submissions.

Secrets are never stored: a token or key is kept as its SHA-256 digest (they are long
random strings, so a plain digest is enough; no salt needed), plus a short prefix that
identifies a key to people without revealing it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from points import SOURCES

SOURCE_CHOICES = [(s, s) for s in SOURCES]


class ApiToken(models.Model):
    """A bearer token of a resident or a staff member (8 hours, revocable)."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("居民")
        STAFF = "staff", _("工作人员")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"token #{self.pk} of {self.user_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class MachineKey(models.Model):
    """What every machine key keeps: its public prefix (to find it), the SHA-256 of the
    whole key (shown once when issued, never stored), whether it is active and when it
    was last used."""

    prefix = models.CharField(_("密钥前缀"), max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        abstract = True


class ApiKey(MachineKey):
    """A department system (data source) calling the API with the X-API-Key header."""

    name = models.CharField(_("名称"), max_length=100)
    source = models.CharField(_("数据来源部门"), max_length=16, choices=SOURCE_CHOICES)
    record_types = models.JSONField(_("允许发送的记录类型"), default=list)

    class Meta:
        ordering = ["source", "name"]
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.source}, {self.prefix}…)"

    def may_send(self, record_type: str) -> bool:
        return self.active and record_type in self.record_types


class ReporterKey(MachineKey):
    """An employer, landlord, property manager or agency reporting the people it houses or
    hires (domain.md §5) with the X-Reporter-Key header: it may only report, and sees
    nothing of anyone."""

    KINDS = (("employer", _("用人单位")), ("landlord", _("房东")),
             ("property_manager", _("物业服务企业")), ("agency", _("房屋中介")))

    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类型"), max_length=16, choices=KINDS)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("报告单位密钥")
        verbose_name_plural = _("报告单位密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The first successful answer to a request sent with an Idempotency-Key header.

    The same key (per caller — a user, or a department system's API key — and operation)
    with the same body replays the answer; with a different body it is refused (409).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", null=True, blank=True)
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+",
                                null=True, blank=True)
    operation = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "operation", "key"],
                                    name="idempotency_unique_key"),
            models.UniqueConstraint(fields=["api_key", "operation", "key"],
                                    condition=models.Q(api_key__isnull=False),
                                    name="idempotency_unique_key_per_api_key"),
            models.CheckConstraint(condition=(models.Q(user__isnull=False)
                                              | models.Q(api_key__isnull=False)),
                                   name="idempotency_has_caller"),
        ]
        verbose_name = _("幂等请求记录")
        verbose_name_plural = _("幂等请求记录")

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
