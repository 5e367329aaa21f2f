from django.conf import settings
from django.db import migrations

MODEL = "exportjob"


def _hand_over(apps, *, source: str, target: str) -> None:
    """Relabel the export job's content type from ``source`` to ``target``, so that its
    permissions, and the groups and users holding them, follow the model.

    Where both rows exist (a new database, whose permissions were made while the
    model stood in both apps' state), the ``target`` row stays, takes over who holds
    the ``source`` permissions and the admin's log entries, and the ``source`` row goes."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    old = ContentType.objects.filter(app_label=source, model=MODEL).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=target, model=MODEL).first()
    if new is None:
        old.app_label = target
        old.save(update_fields=["app_label"])
        return
    for permission in Permission.objects.filter(content_type=old):
        kept = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if kept is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
            continue
        for group in Group.objects.filter(permissions=permission):
            group.permissions.add(kept)
        for user in User.objects.filter(user_permissions=permission):
            user.user_permissions.add(kept)
    try:
        LogEntry = apps.get_model("admin", "LogEntry")
    except LookupError:
        pass
    else:
        LogEntry.objects.filter(content_type=old).update(content_type=new)
    old.delete()


def to_core(apps, schema_editor):
    _hand_over(apps, source="campaigns", target="core")


def to_campaigns(apps, schema_editor):
    _hand_over(apps, source="core", target="campaigns")


def grant_export_job_permissions(apps, schema_editor):
    """The staff groups hold the export job permissions their role names (``campaigns.roles``).
    Added, not set: the groups' other permissions stay as they are."""
    from campaigns.roles import GROUP_NAMES, ROLE_PERMISSIONS

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, group_name in GROUP_NAMES.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            if app_label != "core" or not codename.endswith(f"_{MODEL}"):
                continue
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)


class Migration(migrations.Migration):
    """Export jobs move to the core app (core.0001_initial adds them to its state):
    the table is renamed, the rows stay; the content type is relabelled, so the
    permissions and whoever holds them follow."""

    dependencies = [
        ("campaigns", "0006_export_job_permissions"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="exportjob", table="core_exportjob")],
            state_operations=[migrations.DeleteModel(name="ExportJob")],
        ),
        migrations.RunPython(to_core, to_campaigns),
        migrations.RunPython(grant_export_job_permissions, migrations.RunPython.noop),
    ]
