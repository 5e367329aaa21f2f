"""The personal ID and the social insurance code hold the ASCII digits 0–9 only.

Until now the database checked only their length, and the API took any Unicode
digit: a participant may have been stored twice, once in ASCII and once in
full-width digits (０–９). The constraints cannot be added over such rows, so
this migration first looks for them and, when it finds any, refuses to apply,
listing each one and what to do with it.
"""

import unicodedata

from django.core.management.base import CommandError
from django.db import migrations, models
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact

MAX_LISTED = 100


def _ascii_digits(field, length):
    """As ``enrollments.models.ascii_digits`` was when this migration was written."""
    rest = F(field)
    for digit in "0123456789":
        rest = Replace(rest, Value(digit), Value(""))
    return Q(Exact(Length(field), length), Exact(rest, Value("")))


PERSONAL_ID_12_DIGITS = _ascii_digits("personal_id", 12)
SI_CODE_10_DIGITS = Q(social_insurance_code__isnull=True) | _ascii_digits("social_insurance_code", 10)


def _advice(value, length, holders):
    """What the operator should do with an irregular ``value``."""
    meant = unicodedata.normalize("NFKC", value).strip()
    if not (len(meant) == length and meant.isascii() and meant.isdigit()):
        return "correct it to its digits 0-9"
    holder = holders.get(meant)
    if holder is not None:
        return (
            f"participant {holder} already holds {meant}: move this participant's enrollments and coverage "
            f"to participant {holder}, then delete this one"
        )
    return f"correct it, probably to {meant}"


def refuse_irregular_identities(apps, schema_editor):
    Participant = apps.get_model("enrollments", "Participant")
    people = Participant.objects.using(schema_editor.connection.alias)
    irregular = list(
        people.filter(~PERSONAL_ID_12_DIGITS | ~SI_CODE_10_DIGITS)
        .annotate(
            id_ok=ExpressionWrapper(PERSONAL_ID_12_DIGITS, output_field=BooleanField()),
            code_ok=ExpressionWrapper(SI_CODE_10_DIGITS, output_field=BooleanField()),
        )
        .order_by("pk")
        .values_list("pk", "personal_id", "social_insurance_code", "id_ok", "code_ok")
    )
    if not irregular:
        return
    listed = irregular[:MAX_LISTED]
    meant_ids = {unicodedata.normalize("NFKC", row[1]).strip() for row in listed}
    id_holders = dict(people.filter(personal_id__in=meant_ids).values_list("personal_id", "pk"))
    meant_codes = {unicodedata.normalize("NFKC", row[2]).strip() for row in listed if row[2]}
    code_holders = dict(people.filter(social_insurance_code__in=meant_codes).values_list("social_insurance_code", "pk"))
    lines = []
    for pk, personal_id, code, id_ok, code_ok in listed:
        if not id_ok:
            advice = _advice(personal_id, 12, id_holders)
            lines.append(f"  participant {pk}: personal ID {personal_id!a} is not 12 digits 0-9; {advice}")
        if not code_ok:
            advice = _advice(code, 10, code_holders)
            lines.append(f"  participant {pk}: social insurance code {code!a} is not 10 digits 0-9; {advice}")
    more = len(irregular) - MAX_LISTED
    if more > 0:
        lines.append(f"  … and {more} more participants.")
    raise CommandError(
        f"{len(irregular)} participants have a personal ID or social insurance code that is not written with "
        "the ASCII digits 0-9 only (full-width, superscript or other digits, spaces, letters). Correct them "
        "(Django admin → Participants, or SQL), then run migrate again:\n" + "\n".join(lines)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("enrollments", "0005_covering_standings_index"),
    ]

    operations = [
        migrations.RunPython(refuse_irregular_identities, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="participant",
            name="participant_personal_id_12_chars",
        ),
        migrations.RemoveConstraint(
            model_name="participant",
            name="participant_si_code_10_chars",
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=PERSONAL_ID_12_DIGITS,
                name="participant_personal_id_12_digits",
                violation_error_message="A personal ID (CCCD) has exactly 12 digits.",
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.CheckConstraint(
                condition=SI_CODE_10_DIGITS,
                name="participant_si_code_10_digits",
                violation_error_message="A social insurance code has exactly 10 digits.",
            ),
        ),
    ]
