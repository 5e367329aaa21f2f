from django.db import migrations


def forwards(apps, schema_editor):
    from campaigns.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Campaign managers import enrollments. After the awards migrations, so that
    the groups keep the award permissions the sync sets exactly."""

    dependencies = [
        ("campaigns", "0010_commendation_bar_permissions"),
        ("enrollments", "0007_enrollment_imports"),
        ("awards", "0009_standing_screens"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
