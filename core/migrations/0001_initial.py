import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.export_kinds


class Migration(migrations.Migration):
    """Export jobs belong to the shared machinery. Their table already exists:
    this adds the model to the migration state only, and
    campaigns.0007_export_jobs_in_core hands the table and the permissions over."""

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=core.export_kinds.export_kind_choices, max_length=12, verbose_name="kind")),
                        ("params", models.JSONField(blank=True, default=dict, verbose_name="parameters")),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="queued", max_length=8, verbose_name="status")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("rows", models.PositiveIntegerField(blank=True, null=True, verbose_name="rows")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        ("filename", models.CharField(blank=True, max_length=200, verbose_name="file name")),
                        ("content", models.BinaryField(blank=True, null=True, verbose_name="content")),
                        ("size", models.PositiveBigIntegerField(blank=True, null=True, verbose_name="size (bytes)")),
                        ("requested_by", models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="export_jobs", to=settings.AUTH_USER_MODEL, verbose_name="requested by")),
                    ],
                    options={
                        "verbose_name": "export job",
                        "verbose_name_plural": "export jobs",
                        "ordering": ["-created_at", "-pk"],
                        "indexes": [models.Index(fields=["requested_by", "-created_at"], name="exportjob_requester_idx")],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(models.Q(("status", "done"), _negated=True), models.Q(("content__isnull", False), ("finished_at__isnull", False)), _connector="OR"), name="exportjob_done_has_content", violation_error_message="A finished export job keeps its workbook."),
                            models.CheckConstraint(condition=models.Q(models.Q(("status", "failed"), _negated=True), ("error__gt", ""), _connector="OR"), name="exportjob_failed_has_error", violation_error_message="A failed export job says why."),
                        ],
                    },
                ),
            ],
        ),
    ]
