"""The tally is rewritten row by row all day: PostgreSQL vacuums it after 1% of its
rows changed (not the default 20%), so that counting a board stays an index-only
scan. Nothing to do on other databases."""

from django.db import migrations

AUTOVACUUM = (
    "ALTER TABLE awards_tally SET (autovacuum_vacuum_scale_factor = 0.01, "
    "autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.01)"
)
DEFAULT = (
    "ALTER TABLE awards_tally RESET (autovacuum_vacuum_scale_factor, "
    "autovacuum_analyze_scale_factor, autovacuum_vacuum_insert_scale_factor)"
)


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("awards", "0004_tallies")]

    operations = [migrations.RunPython(_run(AUTOVACUUM), _run(DEFAULT))]
