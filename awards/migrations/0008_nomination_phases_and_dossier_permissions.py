from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    """Nominations made before they named a phase take their award's, or their
    campaign's last phase; staff groups receive the dossier's permissions."""
    from campaigns.roles import sync_role_groups

    Nomination = apps.get_model("awards", "Nomination")
    Phase = apps.get_model("campaigns", "Phase")
    Nomination.objects.filter(phase__isnull=True, award__isnull=False).update(
        phase_id=Subquery(apps.get_model("awards", "Award").objects.filter(pk=OuterRef("award_id")).values("phase_id"))
    )
    last = Phase.objects.filter(campaign_id=OuterRef("campaign_id")).order_by("-number").values("pk")[:1]
    Nomination.objects.filter(phase__isnull=True).update(phase_id=Subquery(last))
    sync_role_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0007_nominations_reviewed_council_meetings_document_templates"),
        ("campaigns", "0007_export_jobs_in_core"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
