"""Residents, employers and the family links between residents (domain.md §2, §4, §7.1).

ID and phone numbers are encrypted at rest (core.fields.EncryptedTextField) and found
through keyed hashes (`id_hash`, `phone_hash`); never filter on the encrypted columns.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from points import mask_id_number, mask_name, mask_phone
from xinjumin.core.fields import EncryptedTextField
from xinjumin.geo.models import District, Street, Unit


class Resident(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    id_number = EncryptedTextField(_("公民身份号码"))
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=64)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    phone = EncryptedTextField(_("手机号码"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, unique=True, null=True, blank=True,
                                  editable=False)
    district = models.ForeignKey(District, verbose_name=_("居住区县"), on_delete=models.PROTECT,
                                 related_name="residents")
    street = models.ForeignKey(Street, verbose_name=_("街道"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="residents")
    unit = models.ForeignKey(Unit, verbose_name=_("住所"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="residents")
    arrived_on = models.DateField(_("来甬日期"), null=True, blank=True)
    registered_on = models.DateField(_("居住登记日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["district", "name"])]
        verbose_name = _("新居民")
        verbose_name_plural = _("新居民")

    def __str__(self) -> str:
        return f"{self.masked_name} {self.masked_id_number}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


class Employer(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位名称"), max_length=128)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="employers")

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class Guardianship(models.Model):
    guardian = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="wards")
    child = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="guardians")
    since = models.DateField(_("监护起始日期"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guardian", "child"], name="guardianship_unique"),
            models.CheckConstraint(condition=~models.Q(guardian=models.F("child")),
                                   name="guardianship_not_self"),
        ]
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")

    def __str__(self) -> str:
        return f"guardian #{self.guardian_id} → child #{self.child_id}"


class Marriage(models.Model):
    """A marriage links both spouses; `spouse_a` has the smaller primary key."""

    spouse_a = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    spouse_b = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    since = models.DateField(_("结婚日期"))
    ended_on = models.DateField(_("解除日期"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["spouse_a", "spouse_b", "since"],
                                    name="marriage_unique"),
            models.CheckConstraint(condition=models.Q(spouse_a__lt=models.F("spouse_b")),
                                   name="marriage_ordered_pair"),
        ]
        verbose_name = _("婚姻关系")
        verbose_name_plural = _("婚姻关系")

    def __str__(self) -> str:
        return f"marriage #{self.spouse_a_id} + #{self.spouse_b_id} ({self.since})"
