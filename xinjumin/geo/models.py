"""Geography of domain.md §3: district → street → residential complex → building → unit.

District and street codes are data (fixtures/geography.json, loaded by a migration), never
code.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

district_code_validator = RegexValidator(r"^33\d{4}$", "区县代码为 6 位数字 / 6-digit code")
street_code_validator = RegexValidator(r"^33\d{7}$", "街道代码为 9 位数字 / 9-digit code")


class District(models.Model):
    code = models.CharField(_("区县代码"), max_length=6, primary_key=True,
                            validators=[district_code_validator])
    name = models.CharField(_("名称"), max_length=32)
    name_en = models.CharField(_("英文名称"), max_length=32)

    class Meta:
        ordering = ["code"]
        verbose_name = _("区县")
        verbose_name_plural = _("区县")

    def __str__(self) -> str:
        return f"{self.name} {self.code}"


class Street(models.Model):
    code = models.CharField(_("街道代码"), max_length=9, primary_key=True,
                            validators=[street_code_validator])
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(_("名称"), max_length=32)

    class Meta:
        ordering = ["code"]
        verbose_name = _("街道/乡镇")
        verbose_name_plural = _("街道/乡镇")

    def __str__(self) -> str:
        return f"{self.name} {self.code}"


class Complex(models.Model):
    """A residential complex (小区); `code` is the complex_id used in housing feeds."""

    code = models.CharField(_("小区编号"), max_length=64, unique=True)
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="complexes")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="complexes")
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("小区")
        verbose_name_plural = _("小区")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The district always follows the street, so scope filters can use either.
        self.district_id = self.street.district_id
        super().save(*args, **kwargs)


class Building(models.Model):
    complex = models.ForeignKey(Complex, on_delete=models.CASCADE, related_name="buildings")
    number = models.CharField(_("楼号"), max_length=16)

    class Meta:
        ordering = ["complex", "number"]
        constraints = [models.UniqueConstraint(fields=["complex", "number"],
                                               name="building_unique_in_complex")]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")

    def __str__(self) -> str:
        return f"{self.complex.name} {self.number}幢"


class Unit(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units")
    number = models.CharField(_("房号"), max_length=16)

    class Meta:
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"],
                                               name="unit_unique_in_building")]
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")

    def __str__(self) -> str:
        return f"{self.building} {self.number}室"
