from django.db import migrations


def load(apps, schema_editor):
    from xinjumin.geo.reference import load_geography

    load_geography(apps.get_model("geo", "District"), apps.get_model("geo", "Street"))


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
