"""No query reads the tally by the time its rows changed: the index on it only made
every write of a tally row (and every rebuild) maintain one more index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("awards", "0009_standing_screens")]

    operations = [migrations.RemoveIndex(model_name="tally", name="tally_board_changed_idx")]
