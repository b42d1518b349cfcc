"""Indicator-system versions and stored scores (domain §7.6, §7.9; issue #4).

- `IndicatorSystem`: one uploaded rule-set document. The city layer is a whole
  `points.rules` YAML (profile); a district layer is an *override document* for one
  district (`district: "330226"`, `cap`, `items`, `drop`), because `points.rules` models
  district layers as overrides inside the city file: the layers in force are merged into
  the city YAML's `districts:` section before loading (see `scoring.rulesets`).
- `StoredScore`: one computed score of one subject as of a date under one merged rule set.
  Points are stored as integer hundredths of a point (exact; "82.25" ↔ 8225) in compact
  JSON (format: `scoring.stored`); `is_current` marks the one current row per subject
  (partial unique index).
- `ScoreRun`: one nightly (population) or event (per-subject) re-score run. A nightly run
  is recorded "running" at its start with its process (host, pid) and a heartbeat; a run
  whose process died is marked "interrupted" (bulk.scores_mark_interrupted).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinjumin.scoring.fields import CompactJSONField

CITY = "city"


class IndicatorSystem(models.Model):
    """A version of the city indicator system or of one district's layer."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    profile = models.CharField(_("规则版本编号"), max_length=64)
    name = models.CharField(_("名称"), max_length=128, blank=True)
    layer = models.CharField(_("层级"), max_length=6, default=CITY,
                             help_text=_('"city" 或区县代码 / "city" or a district code'))
    yaml_text = models.TextField(_("YAML 源文本"))
    content_hash = models.CharField(_("内容哈希"), max_length=64, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    effective_from = models.DateField(_("生效日期"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    validation = models.JSONField(_("校验结果"), default=dict, blank=True)
    comparison = models.JSONField(_("对比结果"), null=True, blank=True)

    class Meta:
        ordering = ["layer", "-effective_from", "-id"]
        verbose_name = _("积分指标体系版本")
        verbose_name_plural = _("积分指标体系版本")
        constraints = [
            # two published versions of one layer never take effect on the same day
            models.UniqueConstraint(fields=["layer", "effective_from"],
                                    condition=models.Q(status="published"),
                                    name="indicator_one_published_per_day"),
        ]
        indexes = [models.Index(fields=["layer", "status", "effective_from"],
                                name="indicator_in_force")]

    def __str__(self) -> str:
        return f"{self.profile} [{self.layer}] {self.content_hash[:12]} ({self.status})"

    @property
    def is_city(self) -> bool:
        return self.layer == CITY


class ScoreRun(models.Model):
    """One re-score run: nightly over the population, or per subjects after new records."""

    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("夜间全量")
        SUBJECTS = "subjects", _("按人重算")

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("完成")
        INTERRUPTED = "interrupted", _("已中断")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    as_of = models.DateField()
    rule_set_hash = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    count = models.IntegerField(default=0)
    seconds = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # runs recorded when they end (per subjects) are done; the nightly says "running"
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.DONE)
    owner_host = models.CharField(max_length=255, blank=True)
    owner_pid = models.IntegerField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="scorerun_status",
                                condition=models.Q(status="running"))]
        verbose_name = _("重算批次")
        verbose_name_plural = _("重算批次")

    def __str__(self) -> str:
        return f"{self.kind} run #{self.pk} as of {self.as_of} ({self.count})"


class StoredScore(models.Model):
    """A subject's score as of a date (all ten districts), per item, with record ids.

    The format of `scores`, `items` and `explanation` is specified, written and read in
    one place: `xinjumin.scoring.stored` (`score_map` gives {code: hundredths})."""

    class Source(models.TextChoices):
        NIGHTLY = "nightly", _("夜间全量")
        EVENT = "event", _("新数据触发")
        DEMAND = "demand", _("查询时计算")

    subject_hash = models.CharField(max_length=64)
    resident = models.ForeignKey("people.Resident", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 db_constraint=False, db_index=False)
    as_of = models.DateField(_("评分日"))
    rule_set_hash = models.CharField(_("规则版本哈希"), max_length=64)
    rule_set_profile = models.CharField(_("规则版本"), max_length=64)
    is_minor = models.BooleanField(default=False)
    common = models.DecimalField(_("通用积分"), max_digits=8, decimal_places=2, null=True)
    home_district = models.CharField(_("居住区县"), max_length=6, blank=True)
    score = models.DecimalField(_("居住区县积分"), max_digits=8, decimal_places=2, null=True)
    scores = CompactJSONField(_("各区县积分(百分之一分)"), null=True)
    items = CompactJSONField(_("各项得分(百分之一分)"), null=True)
    explanation = models.JSONField(null=True, blank=True)
    frozen = models.BooleanField(_("冻结"), default=False)
    frozen_until = models.DateField(_("冻结至"), null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    computed_at = models.DateTimeField(_("计算时间"))
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("积分结果")
        verbose_name_plural = _("积分结果")
        constraints = [
            models.UniqueConstraint(fields=["subject_hash"],
                                    condition=models.Q(is_current=True),
                                    name="storedscore_one_current"),
        ]

    def __str__(self) -> str:
        return f"score {self.subject_hash[:8]}… {self.score} as of {self.as_of}"

    @property
    def score_map(self) -> dict[str, int]:
        """{district code: score in hundredths} for the ten districts (empty for minors)."""
        from points import DISTRICT_CODES

        return dict(zip(DISTRICT_CODES, self.scores, strict=True)) if self.scores else {}

    @property
    def explained(self) -> bool:
        return self.explanation is not None
