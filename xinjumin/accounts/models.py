"""Accounts: one user model for residents and staff, carrying role and scope (domain §2)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinjumin.accounts.roles import DISTRICT_SCOPED_ROLES, Role
from xinjumin.core.fields import EncryptedTextField
from xinjumin.geo.models import District, Street
from xinjumin.people.models import Resident


class User(AbstractBaseUser, PermissionsMixin):
    """Staff log in with username + password + TOTP; residents by phone + SMS code.

    A resident account is linked to its Resident; staff carry a district (and optionally
    a street) scope when their role is district-scoped.
    """

    username = models.CharField(_("用户名"), max_length=64, unique=True)
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    district = models.ForeignKey(District, verbose_name=_("所属区县"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="staff")
    street = models.ForeignKey(Street, verbose_name=_("所属街道"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="staff")
    department = models.CharField(_("所属部门"), max_length=16, blank=True,
                                  help_text=_("部门审核员的数据来源部门代码, 如 EDU、HRSS"))
    resident = models.OneToOneField(Resident, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="account")
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可登录管理后台"), default=False)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.CheckConstraint(
                name="resident_role_has_resident",
                condition=~models.Q(role="resident") | models.Q(resident__isnull=False),
            ),
            models.CheckConstraint(
                name="scoped_role_has_district",
                condition=~models.Q(role__in=["window_staff", "reviewer", "district_admin"])
                | models.Q(district__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.role in DISTRICT_SCOPED_ROLES and not self.district_id:
            raise ValidationError({"district": _("该角色必须指定所属区县")})
        if self.street_id and self.street.district_id != self.district_id:
            raise ValidationError({"street": _("街道必须属于所属区县")})
        if self.role == Role.RESIDENT and not self.resident_id:
            raise ValidationError({"resident": _("居民账户必须关联居民")})

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT


class SmsCode(models.Model):
    """A one-time login code: stored hashed, expires, single use, limited attempts."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    # Set by the service (not auto_now_add) so rate limits and expiry share one clock.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self) -> str:
        return f"sms code #{self.pk} ({self.created_at:%Y-%m-%d %H:%M})"


class SmsMessage(models.Model):
    """Outbox of the local SMS backend (LocalOutboxBackend): what would have been sent."""

    phone = EncryptedTextField()
    phone_hash = models.CharField(max_length=64, db_index=True)
    body = EncryptedTextField()
    backend = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("短信发件箱")
        verbose_name_plural = _("短信发件箱")

    def __str__(self) -> str:
        return f"sms #{self.pk} via {self.backend}"


class SmsAddressWindow(models.Model):
    """How many login codes one client address asked for in one window (any numbers).

    One row per (address, window), unique; the count is raised only by a conditional UPDATE
    (count < limit), so concurrent requests cannot pass the limit. The address is kept as a
    keyed hash.
    """

    address_hash = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("验证码请求计数")
        verbose_name_plural = _("验证码请求计数")
        constraints = [models.UniqueConstraint(fields=["address_hash", "window_start"],
                                               name="sms_address_window_unique")]

    def __str__(self) -> str:
        return f"{self.count} codes from {self.address_hash[:8]}… at {self.window_start}"


class UserSession(AbstractBaseSession):
    """A browser session that knows its account (accounts.sessions.SessionStore), so that
    a lockout ends all of an account's sessions with one indexed DELETE."""

    user_id = models.BigIntegerField(null=True, db_index=True)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")

    @classmethod
    def get_session_store_class(cls):  # type: ignore[no-untyped-def]
        from xinjumin.accounts.sessions import SessionStore

        return SessionStore
