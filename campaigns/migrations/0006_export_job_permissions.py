from django.db import migrations


def forwards(apps, schema_editor):
    from campaigns.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Every staff group may view export jobs. After the awards migrations, so
    that the groups keep the award permissions the sync sets exactly."""

    dependencies = [
        ("campaigns", "0005_export_jobs"),
        ("awards", "0003_lean_standings"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
