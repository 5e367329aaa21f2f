from django.db import migrations


def forwards(apps, schema_editor):
    from campaigns.roles import sync_role_groups

    sync_role_groups(apps)


class Migration(migrations.Migration):
    """Campaign managers record bars from commendation; the council and the
    director read them. After the awards migrations, so that the groups keep
    the award permissions the sync sets exactly."""

    dependencies = [
        ("campaigns", "0009_plan_target_measure"),
        ("collectors", "0003_commendation_bar"),
        ("awards", "0009_standing_screens"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
