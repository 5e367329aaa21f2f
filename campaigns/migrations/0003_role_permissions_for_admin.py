from django.db import migrations


def forwards(apps, schema_editor):
    from campaigns.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Reviewers may view localities and units; campaign managers may view users
    (to link agents to their logins and name organization managers)."""

    dependencies = [
        ("campaigns", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
