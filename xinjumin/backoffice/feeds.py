"""Back office: department feed files uploaded by city and district admins, imported as a
Huey task over an ImportBatch; an htmx-polled progress bar and an error report (CSV).

Data come from departments (domain §2, §9): an admin uploads a department's file on its
behalf; the system admin has no rights over personal data and may not. The import and
every rule about rows are records.services; this module only stores the upload, queues
the task and shows the batch.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from xinjumin.accounts.roles import Role
from xinjumin.backoffice.tasks import feed_upload_task
from xinjumin.backoffice.web import page, staff_required
from xinjumin.core.spreadsheet import spreadsheet_row
from xinjumin.core.web import is_htmx
from xinjumin.records.models import ImportBatch
from xinjumin.records.selectors import batch_rejections

UPLOAD_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_ADMIN})
SUFFIXES = (".jsonl", ".csv", ".xlsx", ".parquet")
TOKEN_SALT = "xjm.feed-upload"  # noqa: S105 (a signing namespace, not a secret)
TOKEN_MAX_AGE = 7 * 24 * 3600


def can_upload_feeds(user: Any) -> bool:
    return getattr(user, "role", None) in UPLOAD_ROLES


class FeedUploadForm(forms.Form):
    file = forms.FileField(label=_("数据文件"), error_messages={
        "required": _("请选择要上传的文件"), "empty": _("文件是空的")})

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(
                _("只接受 .jsonl、.csv、.xlsx 或 .parquet 文件"))
        return upload


def _upload_dir() -> Path:
    folder = Path(settings.VAR_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _count_rows(path: Path) -> int | None:
    """Rows in the file, for the progress bar (None when it cannot be told cheaply)."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".jsonl", ".csv"):
            with path.open("rb") as f:
                lines = sum(1 for line in f if line.strip())
            return lines - 1 if suffix == ".csv" else lines
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            return sum(max(0, (ws.max_row or 1) - 1) for ws in book.worksheets)
    except Exception:  # only a progress estimate
        return None
    return None


def _require_uploader(request: HttpRequest) -> None:
    if not can_upload_feeds(request.user):
        raise Http404


def _batches_for(user: Any) -> Any:
    qs = ImportBatch.objects.filter(channel=ImportBatch.Channel.UPLOAD)
    return qs if user.role == Role.CITY_ADMIN else qs.filter(actor=user)


@require_http_methods(["GET", "POST"])
@staff_required
def feed_upload(request: HttpRequest) -> HttpResponse:
    _require_uploader(request)
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            name = Path(upload.name).name[:200]
            path = _upload_dir() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            token = signing.dumps({"n": name, "t": time.time(), "u": request.user.pk,
                                   "r": _count_rows(path)}, salt=TOKEN_SALT)
            user_id = request.user.pk
            transaction.on_commit(lambda: feed_upload_task(str(path), name, user_id))
            return redirect("backoffice:feed_upload_status", token=token)
    recent = list(_batches_for(request.user).select_related("actor")[:20])
    return page(request, "backoffice/feed_upload.html", {"form": form, "recent": recent},
                active="feeds", status=status)


def _batch_for_token(request: HttpRequest, token: str) -> tuple[ImportBatch | None, dict]:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    if data.get("u") != request.user.pk:
        raise Http404
    from datetime import UTC, datetime

    since = datetime.fromtimestamp(data["t"] - 1, tz=UTC)
    batch = (ImportBatch.objects.filter(channel=ImportBatch.Channel.UPLOAD,
                                        actor=request.user, file_name=data["n"],
                                        started_at__gte=since)
             .order_by("started_at", "id").first())
    return batch, data


def _progress(batch: ImportBatch | None, total: int | None) -> dict[str, Any]:
    done = batch is not None and batch.status != ImportBatch.Status.RUNNING
    rows = batch.rows if batch else 0
    if done:
        total = rows if batch.status == ImportBatch.Status.DONE else total
    percent = 100 if done else (min(99, rows * 100 // total) if total else 0)
    return {"batch": batch, "rows": rows, "total": total, "percent": percent, "done": done,
            "counts": batch.counts() if batch else {},
            "rejections": batch_rejections(batch=batch)[:50] if done and batch else []}


@require_GET
@staff_required
def feed_upload_status(request: HttpRequest, token: str) -> HttpResponse:
    """The progress of one upload (htmx polls the progress block until it is done)."""
    _require_uploader(request)
    batch, data = _batch_for_token(request, token)
    context = {"token": token, "file_name": data["n"], **_progress(batch, data.get("r"))}
    template = ("backoffice/_feed_progress.html" if is_htmx(request)
                else "backoffice/feed_upload_status.html")
    return page(request, template, context, active="feeds")


def _own_batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    batch = _batches_for(request.user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


@require_GET
@staff_required
def feed_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    _require_uploader(request)
    batch = _own_batch(request, batch_id)
    context = {"token": None, "file_name": batch.file_name, **_progress(batch, batch.rows)}
    return page(request, "backoffice/feed_upload_status.html", context, active="feeds")


REPORT_COLUMNS = ("row", "record_id", "field", "code", "message", "message_en")


@require_GET
@staff_required
def feed_batch_errors(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The rejected rows of a batch as CSV (UTF-8 with BOM, so that Excel opens it)."""
    _require_uploader(request)
    batch = _own_batch(request, batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for r in batch_rejections(batch=batch):  # the cells come from the uploaded file
        writer.writerow(spreadsheet_row(
            [r.row, r.record_id, r.field, r.code, r.message, r.message_en]))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    stem = Path(batch.file_name or "batch").stem
    ascii_name = f"errors-batch-{batch.pk}.csv"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; "
        f"filename*=UTF-8''{_quote(f'{stem}-errors-{batch.pk}.csv')}")
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")

