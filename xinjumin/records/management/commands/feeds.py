"""`xjm feeds import FILE|DIR...` and `xjm feeds export --out DIR`."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from points import feed_files
from xinjumin.records.models import ImportBatch
from xinjumin.records.selectors import batch_rejections
from xinjumin.records.services import CHUNK_SIZE, records_import_file


class Command(BaseCommand):
    help = "Import department feed files (feeds.md) or export the current records."
    requires_system_checks: list[str] = []  # a data load does not need the URL config

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import .jsonl/.csv/.xlsx/.parquet files or "
                                            "directories of them")
        imp.add_argument("paths", nargs="+")
        imp.add_argument("--channel", default="file", choices=["file", "upload"])
        imp.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
        imp.add_argument("--max-errors-shown", type=int, default=1000)
        exp = sub.add_parser("export", help="write the current records in the feeds format")
        exp.add_argument("--out", required=True)
        exp.add_argument("--format", default="parquet", choices=["parquet", "jsonl"])

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "export":
            return self._export(opts)
        files = feed_files(opts["paths"])
        missing = [str(p) for p in files if not p.exists()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        any_rejected = False
        for path in files:
            t0 = time.perf_counter()
            batch = records_import_file(path=path, channel=opts["channel"],
                                        chunk_size=opts["chunk_size"])
            any_rejected |= self._report(batch, time.perf_counter() - t0,
                                         opts["max_errors_shown"])
        if any_rejected:
            raise SystemExit(1)

    def _report(self, batch: ImportBatch, seconds: float, limit: int) -> bool:
        counts = " ".join(f"{k}={v}" for k, v in batch.counts().items())
        self.stdout.write(f"{batch.file_name}: batch #{batch.pk} {batch.status} "
                          f"rows={batch.rows} {counts} ({seconds:.2f}s)")
        rejections = batch_rejections(batch=batch)
        for r in rejections[:limit]:
            where = f"row {r.row}" if r.row else "file"
            self.stdout.write(f"  {where} record_id={r.record_id or '-'} "
                              f"field={r.field or '-'} [{r.code}] {r.message} / "
                              f"{r.message_en}")
        if len(rejections) > limit:
            self.stdout.write(f"  ... {len(rejections) - limit} more")
        return bool(rejections) or batch.status != ImportBatch.Status.DONE

    def _export(self, opts: dict[str, Any]) -> None:
        from xinjumin.records.export import records_export_jsonl, records_export_parquet

        export = records_export_parquet if opts["format"] == "parquet" else (
            records_export_jsonl)
        counts = export(out_dir=opts["out"])
        for name, n in sorted(counts.items()):
            self.stdout.write(f"{name}: {n}")
