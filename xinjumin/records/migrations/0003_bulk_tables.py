# The bulk tables: plain rowid keys on SQLite (RowIdAutoField), no database constraint on batch.

import django.db.models.deletion
from django.db import migrations, models

import xinjumin.core.fields


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0002_history_without_current'),
    ]

    operations = [
        migrations.AlterField(
            model_name='recordversion',
            name='batch',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='records.importbatch'),
        ),
        migrations.AlterField(
            model_name='recordversion',
            name='id',
            field=xinjumin.core.fields.RowIdAutoField(primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name='sourcerecord',
            name='batch',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='records.importbatch'),
        ),
        migrations.AlterField(
            model_name='sourcerecord',
            name='id',
            field=xinjumin.core.fields.RowIdAutoField(primary_key=True, serialize=False),
        ),
    ]
