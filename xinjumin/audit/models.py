"""The append-only, keyed hash chain of the audit trail (domain.md §2, §13).

Every change by anyone, every staff read of personal data and every refusal leaves one
AuditEvent. Each event's `hash` is an HMAC (under the audit key `key_id` names, which the
database does not hold) of its own fields and the previous event's hash, so editing or
removing a row, or recomputing the chain, shows (`xjm audit verify`, audit.chain); the
head is also checkpointed outside the database (audit.checkpoints), so removing the last
events shows too. Database triggers refuse UPDATE and DELETE on the table (PostgreSQL and
SQLite); the one exception is a lawful purge past retention (audit.services.audit_purge),
which deletes under an AuditPurgePermit row of its own transaction.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.CharField(_("操作人"), max_length=64, blank=True)
    actor_role = models.CharField(_("角色"), max_length=32, blank=True)
    actor_district = models.CharField(_("区县"), max_length=6, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    request_id = models.CharField(_("请求号"), max_length=64, blank=True)
    # "unkeyed-v1" for the events written before the chain was keyed (plain SHA-256)
    key_id = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditCheck(models.Model):
    """The result of one verification of the chain (the periodic job and `xjm audit verify`)."""

    checked_at = models.DateTimeField(auto_now_add=True)
    events_checked = models.BigIntegerField()
    ok = models.BooleanField()
    first_broken_seq = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = _("审计链校验")
        verbose_name_plural = _("审计链校验")

    def __str__(self) -> str:
        state = "OK" if self.ok else f"BROKEN at #{self.first_broken_seq}"
        return f"{self.checked_at:%Y-%m-%d %H:%M} {state} ({self.events_checked})"


class AuditPurgePermit(models.Model):
    """Lets the audit table's DELETE trigger pass for events up to `upto`, only while the
    purge's own transaction holds the row (inserted and removed inside it; on PostgreSQL
    also bound to that transaction's id). Never left behind: see audit_purge."""

    upto = models.BigIntegerField()
    txid = models.BigIntegerField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"purge permit through #{self.upto}"
