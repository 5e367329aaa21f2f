"""``manage.py build_document_templates [--output DIR]``: write the shipped Word
templates of the award dossier (``awards.documents.layout``) again."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from awards.documents.layout import SHIPPED, write_shipped


class Command(BaseCommand):
    help = "Write the shipped Word templates of the award dossier (submission, council minutes, decision)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=SHIPPED, help="Directory to write into (default: the shipped templates)."
        )

    def handle(self, *args, output: Path, **options):
        for path in write_shipped(output):
            self.stdout.write(_("Wrote %(path)s") % {"path": path})
