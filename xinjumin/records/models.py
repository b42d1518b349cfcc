"""Department records (docs: ../shared/docs/feeds.md) as the platform keeps them.

- `ImportBatch`: one file, upload or API call, with its counts per outcome.
- `SourceRecord`: the CURRENT version per (source, record_id) — possibly a retraction, kept
  so that a lower version arriving later is still ignored.
- `RecordVersion`: every accepted version that has been superseded (append-only,
  retractions included). The complete history of a record is its RecordVersion rows plus
  its SourceRecord row (selectors.records_history_for joins them): the current version is
  stored once, which halves what a bulk load writes.
- `RowRejection`: why a row was rejected (one row per error), never the raw row.

Personal data are encrypted at rest: the subject's ID number and the linked person's
(child_id_number / spouse_id_number) are `EncryptedTextField`s, joined through their keyed
hashes (`subject_hash` = people.selectors.id_number_hash = Resident.id_hash, `linked_hash`).
`fields` holds the payload as JSON text (PayloadField: dates ISO, money/hours as decimal
strings) WITHOUT any ID number. `digest` is a SHA-256 of the content in which ID numbers
appear only as keyed hashes (replay detection without decrypting).
Records are referred to elsewhere by "SOURCE:record_id" (points.inputs.record_ref), not by
primary key: an update replaces the row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinjumin.core.fields import EncryptedTextField, RowIdAutoField
from xinjumin.records.fields import PayloadField


class ImportBatch(models.Model):
    """One import: a file, a back-office upload, or one API call.

    A running batch names its process (`owner_host`, `owner_pid`) and keeps `heartbeat_at`
    fresh (every committed chunk): a batch whose process is gone, or whose heartbeat is too
    old, is marked "interrupted" (services.records_mark_interrupted); its committed chunks
    stay, and importing the same rows again completes them.
    """

    class Channel(models.TextChoices):
        FILE = "file", _("文件")
        API = "api", _("接口")
        UPLOAD = "upload", _("上传")

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("完成")
        FAILED = "failed", _("失败")
        INTERRUPTED = "interrupted", _("已中断")

    COUNTS = ("created", "updated", "unchanged", "ignored", "conflict", "retracted",
              "rejected")

    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    source = models.CharField(_("来源部门"), max_length=16, blank=True,
                              help_text="a source code, or 'mixed'")
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    api_key_id = models.IntegerField(_("接口密钥"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.RUNNING)
    owner_host = models.CharField(_("进程主机"), max_length=255, blank=True)
    owner_pid = models.IntegerField(_("进程号"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)
    rows = models.IntegerField(_("已处理行数"), default=0)
    created = models.IntegerField(_("新增"), default=0)
    updated = models.IntegerField(_("更新"), default=0)
    unchanged = models.IntegerField(_("未变"), default=0)
    ignored = models.IntegerField(_("忽略(旧版本)"), default=0)
    conflict = models.IntegerField(_("冲突"), default=0)
    retracted = models.IntegerField(_("撤回"), default=0)
    rejected = models.IntegerField(_("拒绝"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        # the running batches (a handful among millions of API calls' batches)
        indexes = [models.Index(fields=["status"], name="records_batch_running",
                                condition=models.Q(status="running"))]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"batch #{self.pk} {self.channel} {self.file_name or self.source}"

    def counts(self) -> dict[str, int]:
        """{outcome: rows} for the seven outcomes."""
        return {name: getattr(self, name) for name in self.COUNTS}


def linked_hash_in(hashes: Iterable[str]) -> models.Q:
    """Records whose linked person (spouse, child) is one of these keyed hashes. Always
    filter linked_hash through this: the index on it is partial (non-empty values), and
    SQLite uses a partial index only when the query repeats the index's condition
    (without it, a scan of every record: ~13 s on a city-sized table)."""
    return models.Q(linked_hash__in=list(hashes)) & ~models.Q(linked_hash="")


def complex_id_in(ids: Iterable[str]) -> models.Q:
    """Records about one of these housing complexes (lease, complex_rent), through the
    partial index on complex_id (see linked_hash_in)."""
    return models.Q(complex_id__in=list(ids)) & ~models.Q(complex_id="")


class SourceRecord(models.Model):
    """The current (latest accepted) version of one record, per (source, record_id)."""

    id = RowIdAutoField(primary_key=True)
    source = models.CharField(_("来源部门"), max_length=16)
    record_id = models.CharField(_("记录编号"), max_length=64)
    type = models.CharField(_("记录类型"), max_length=32)
    version = models.IntegerField(_("版本"))
    op = models.CharField(_("操作"), max_length=8)  # upsert | retract
    subject_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number = EncryptedTextField(_("身份证号码"), blank=True)
    linked_hash = models.CharField(max_length=64, blank=True)
    linked_id_number = EncryptedTextField(_("关联人身份证号码"), blank=True)
    complex_id = models.CharField(max_length=64, blank=True)
    fields = PayloadField(_("内容"), default=dict)
    digest = models.CharField(max_length=64)
    # No index on batch: bulk loads stay fast; a batch's rows are found through history.
    # No database constraint either (here and in RecordVersion): the import writes its
    # batch row first and batches are never deleted (PROTECT), while PostgreSQL checks a
    # foreign key row by row at commit (measured ~8 µs of ~50 µs per record of a bulk load).
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    received_at = models.DateTimeField(_("接收时间"))
    first_received_at = models.DateTimeField(_("首次接收时间"))

    class Meta:
        verbose_name = _("部门记录")
        verbose_name_plural = _("部门记录")
        constraints = [models.UniqueConstraint(fields=["source", "record_id"],
                                               name="records_source_record_unique")]
        indexes = [
            # Most records have neither: partial indexes keep bulk loads fast. Queries
            # go through linked_hash_in / complex_id_in, which repeat the condition.
            models.Index(fields=["linked_hash"], name="records_linked_hash",
                         condition=~models.Q(linked_hash="")),
            # (complex_id, type): a complex's rent figures are found without reading
            # each of its leases (hundreds in a big complex), and the reverse
            models.Index(fields=["complex_id", "type"], name="records_complex_type",
                         condition=~models.Q(complex_id="")),
            # the daily permit job reads every permit and every override (a tenth of the
            # city's records) without scanning the others: one partial index each (SQLite
            # uses a partial index only for a query that repeats its condition exactly)
            models.Index(fields=["type"], name="records_permit_type",
                         condition=models.Q(type="residence_permit")),
            models.Index(fields=["type"], name="records_override_type",
                         condition=models.Q(type="record_override")),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} v{self.version}"

    @property
    def retracted(self) -> bool:
        return self.op == "retract"

    @property
    def ref(self) -> str:
        """How explanations name the record: "SOURCE:record_id"."""
        return f"{self.source}:{self.record_id}"


class RecordVersion(models.Model):
    """One accepted version of a record that a higher version has superseded (append-only;
    retractions included). The current version is the SourceRecord row, not here."""

    id = RowIdAutoField(primary_key=True)
    source = models.CharField(max_length=16)
    record_id = models.CharField(max_length=64)
    type = models.CharField(max_length=32)
    version = models.IntegerField()
    op = models.CharField(max_length=8)
    linked_id_number = EncryptedTextField(blank=True)
    fields = PayloadField(default=dict)
    digest = models.CharField(max_length=64)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="+",
                              db_index=False, db_constraint=False)
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("记录版本")
        verbose_name_plural = _("记录版本")
        constraints = [models.UniqueConstraint(fields=["source", "record_id", "version"],
                                               name="records_version_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} v{self.version} ({self.op})"


class RowRejection(models.Model):
    """Why one row of a batch was rejected (one row per error; nothing of the row is kept
    except its number, record_id and the reason, ID numbers masked)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE,
                              related_name="rejections")
    row = models.IntegerField(_("行号"))
    record_id = models.CharField(_("记录编号"), max_length=64, blank=True)
    source = models.CharField(max_length=16, blank=True)
    type = models.CharField(max_length=32, blank=True)
    field = models.CharField(_("字段"), max_length=64, blank=True)
    code = models.CharField(_("错误代码"), max_length=40)
    message = models.TextField(_("原因"))
    message_en = models.TextField(_("原因 (英文)"))

    class Meta:
        ordering = ["batch", "row", "id"]
        verbose_name = _("拒绝的行")
        verbose_name_plural = _("拒绝的行")

    def __str__(self) -> str:
        return f"row {self.row}: {self.code}"
