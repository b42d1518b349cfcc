"""RecordVersion keeps only superseded versions: the current one is the SourceRecord row
(the complete history is RecordVersion + SourceRecord). Drops the history rows that
duplicate a current row; the reverse copies the current rows back."""

from django.db import migrations
from django.db.models import Exists, OuterRef

_COLUMNS = ("source", "record_id", "type", "version", "op", "linked_id_number", "fields",
            "digest", "batch_id", "received_at")


def drop_current_from_history(apps, schema_editor):
    RecordVersion = apps.get_model("records", "RecordVersion")
    SourceRecord = apps.get_model("records", "SourceRecord")
    RecordVersion.objects.filter(Exists(SourceRecord.objects.filter(
        source=OuterRef("source"), record_id=OuterRef("record_id"),
        version=OuterRef("version")))).delete()


def copy_current_to_history(apps, schema_editor):
    RecordVersion = apps.get_model("records", "RecordVersion")
    SourceRecord = apps.get_model("records", "SourceRecord")
    rows = SourceRecord.objects.order_by("pk").values_list(*_COLUMNS)
    batch = []
    for row in rows.iterator(chunk_size=5000):
        batch.append(RecordVersion(**dict(zip(_COLUMNS, row, strict=True))))
        if len(batch) >= 5000:
            RecordVersion.objects.bulk_create(batch)
            batch = []
    RecordVersion.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(drop_current_from_history, copy_current_to_history)]
