"""``manage.py verify_standings [--campaign CODE] [--phase N] [--repair]``: compare
the standings kept on write with the full recount of DESIGN §5."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from awards.tally import tally_differences
from campaigns.models import Campaign, Phase


class Command(BaseCommand):
    help = (
        "Compare every tally row (the provisional standings kept on write) with the full recount; "
        "print each difference and exit with status 1 if there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="Only this campaign (its code).")
        parser.add_argument("--phase", type=int, help="Only this phase (its number; needs --campaign).")
        parser.add_argument("--repair", action="store_true", help="Rebuild the boards that differ from the recount.")

    def handle(self, *args, campaign: str | None, phase: int | None, repair: bool, **options):
        campaigns = Campaign.objects.order_by("code")
        if campaign:
            campaigns = campaigns.filter(code=campaign)
            if not campaigns.exists():
                raise CommandError(_('No campaign has the code "%(code)s".') % {"code": campaign})
        elif phase is not None:
            raise CommandError(_("--phase needs --campaign."))
        total = 0
        for chosen in campaigns:
            phase_id = None
            if phase is not None:
                phase_id = Phase.objects.filter(campaign=chosen, number=phase).values_list("pk", flat=True).first()
                if phase_id is None:
                    raise CommandError(
                        _("The campaign %(code)s has no phase %(number)s.") % {"code": chosen.code, "number": phase}
                    )
            differences = tally_differences(campaign_id=chosen.pk, phase_id=phase_id, repair=repair)
            for difference in differences:
                self.stdout.write(f"{chosen.code} · {difference}")
            total += len(differences)
            self.stdout.write(_("%(code)s: %(count)s differences.") % {"code": chosen.code, "count": len(differences)})
        if total:
            if repair:
                self.stdout.write(_("The boards that differed were rebuilt from the recount."))
            raise SystemExit(1)
