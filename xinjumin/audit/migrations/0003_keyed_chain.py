"""The chain keyed, and one controlled path for a lawful purge.

- `key_id` on every event: the events written before this migration carry "unkeyed-v1"
  and still verify with the plain SHA-256 of their time; new ones are keyed (HMAC).
- `audit_auditpurgepermit`: the DELETE trigger lets a row go only while a permit row
  covering its seq exists (inside the purge's transaction; on PostgreSQL, of that very
  transaction id). UPDATE and TRUNCATE stay refused; so does every other DELETE.

The triggers are dropped and created again around the schema change: SQLite rebuilds the
table to add a column, and dropping the old table drops its triggers.
"""

from importlib import import_module

from django.db import migrations, models

_0002 = import_module("xinjumin.audit.migrations.0002_append_only")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF EXISTS (SELECT 1 FROM audit_auditpurgepermit p
               WHERE p.upto >= OLD.seq AND p.txid = txid_current()) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGERS = """
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS audit_no_update ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
SQLITE_UP = [
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END;",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_auditpurgepermit WHERE upto >= OLD.seq) "
    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END;",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update;",
               "DROP TRIGGER IF EXISTS audit_no_delete;"]


def triggers_create(apps, schema_editor):
    """The current triggers (also used by `xjm flush`)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # A plain cursor: the function body contains '%' that must not be interpolated.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_FUNCTION)
            cursor.execute(PG_TRIGGERS)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [
        migrations.RunPython(_0002.down, _0002.up),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="unkeyed-v1", max_length=16),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditPurgePermit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("upto", models.BigIntegerField()),
                ("txid", models.BigIntegerField(blank=True, null=True)),
            ],
            options={"default_permissions": ()},
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
