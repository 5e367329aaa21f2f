"""``manage.py export_campaign CODE [-o FILE]``: write a campaign's definition file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from campaigns.definition import campaign_export, dump_definition
from campaigns.models import Campaign


class Command(BaseCommand):
    help = "Export a campaign as a YAML definition file (see docs/campaign-definition.md)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="The campaign's code.")
        parser.add_argument("-o", "--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args, code: str, output: Path | None, **options):
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise CommandError(_('No campaign has the code "%(code)s".') % {"code": code})
        text = dump_definition(campaign_export(campaign=campaign))
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc}) from exc
        self.stderr.write(_("Wrote %(file)s.") % {"file": output})
