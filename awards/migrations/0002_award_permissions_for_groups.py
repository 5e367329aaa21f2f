from django.db import migrations


def forwards(apps, schema_editor):
    from campaigns.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Staff groups receive the award permissions: the council reviews, the
    director approves and revokes, everyone of them reads the results."""

    dependencies = [
        ("awards", "0001_initial"),
        ("campaigns", "0004_strict_indicator_comparators"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
