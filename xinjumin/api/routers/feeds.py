"""Department systems send records (X-API-Key): a batch in, one result per record out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status

from xinjumin.api.auth import MACHINE_AUTH
from xinjumin.api.idempotency import idempotent
from xinjumin.api.schemas import NO_CONTROL, ErrorOut
from xinjumin.api.schemas_feeds import FeedRecordsIn, FeedResultOut
from xinjumin.records.services import records_ingest

router = Router(tags=["feeds"], auth=MACHINE_AUTH)


def _result(batch: Any, outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"batch_id": batch.pk, "counts": batch.counts(),
            "results": [{"index": o["row"], "record_id": o["record_id"],
                         "outcome": o["outcome"], "errors": o["errors"]} for o in outcomes]}


@router.post("/records",
             response={200: FeedResultOut, 400: ErrorOut, 401: ErrorOut, 409: ErrorOut,
                       413: ErrorOut, 415: ErrorOut},
             summary="报送数据记录 / Send department records")
def feed_records(
    request: HttpRequest,
    payload: FeedRecordsIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=128, pattern=NO_CONTROL,
        description="幂等键: 同键同内容重放首次结果, 不同内容 409 / the same key and body "
                    "replays the first answer; a different body is a 409"),
) -> Status:
    """部门系统按 feeds.md 格式报送一批记录, 每条记录单独返回结果: 校验不通过或不属于本密钥可发送
    的类型的记录被拒绝 (写明字段和原因), 其余记录照常入库。重复报送同一内容得到 "unchanged",
    不会重复入库。入库后自动重新计算相关居民的积分。 / A department system sends a batch of
    records (feeds.md); each record gets its own result: a record that is invalid, or of a
    type this key may not send, is rejected with its reasons per field, and the others are
    applied. Sending the same content again gives "unchanged" and changes nothing. The
    residents concerned are re-scored."""
    api_key = request.auth  # type: ignore[attr-defined]

    def run() -> tuple[int, Any]:
        batch, outcomes = records_ingest(
            rows=payload.records, source_scope=(api_key.source, tuple(api_key.record_types)),
            channel="api", api_key_id=api_key.pk)
        return 200, _result(batch, outcomes)

    status, body = idempotent(api_key=api_key, operation="feed_records", key=idempotency_key,
                              body=payload.model_dump(mode="json"), run=run)
    return Status(status, body)
