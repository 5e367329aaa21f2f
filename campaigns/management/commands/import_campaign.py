"""``manage.py import_campaign FILE [--replace]``: create a campaign from a definition file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.definition import DefinitionError, campaign_import, parse_definition


class Command(BaseCommand):
    help = "Import a campaign from a YAML definition file (see docs/campaign-definition.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The YAML definition file.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the campaign with the same code, if it has no enrollments yet.",
        )

    def handle(self, *args, file: Path, replace: bool, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}) from exc
        try:
            campaign = campaign_import(definition=parse_definition(text), replace=replace)
        except DefinitionError as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            count = len(exc.errors)
            raise CommandError(
                ngettext(
                    "%(file)s has %(count)d error; nothing was imported.",
                    "%(file)s has %(count)d errors; nothing was imported.",
                    count,
                )
                % {"file": file, "count": count}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported campaign %(code)s: %(name)s.") % {"code": campaign.code, "name": campaign.name}
            )
        )
