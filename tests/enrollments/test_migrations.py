"""The migration that holds personal IDs and social insurance codes to the ASCII
digits refuses to apply over rows that break the rule, and lists them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from enrollments.models import Participant

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("enrollments", "0005_covering_standings_index")]
FULL_WIDTH = "０４９０９０４１８４４４"  # 049090418444 in full-width digits


@pytest.fixture
def before_the_check():
    """The database before the digits were checked, and its Participant model then.
    Whatever the test leaves, the irregular rows go and the database is migrated forward."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps.get_model("enrollments", "Participant")
    finally:
        MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model(
            "enrollments", "Participant"
        ).objects.all().delete()
        MigrationExecutor(connection).migrate(latest)


def _migrate_forward():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _person(model, personal_id, **fields):
    return model.objects.create(
        personal_id=personal_id, full_name="A", date_of_birth=date(1990, 1, 1), gender="male", **fields
    )


def test_irregular_rows_are_listed_and_the_constraints_are_not_added(before_the_check):
    ascii_twin = _person(before_the_check, "049090418444")
    full_width = _person(before_the_check, FULL_WIDTH)
    superscript = _person(before_the_check, "049²90418445", social_insurance_code="４９０１２３４５６７")

    with pytest.raises(CommandError) as caught:
        _migrate_forward()

    report = str(caught.value)
    assert report.startswith("2 participants have a personal ID or social insurance code")
    assert (
        f"participant {full_width.pk}: personal ID {FULL_WIDTH!a} is not 12 digits 0-9; "
        f"participant {ascii_twin.pk} already holds 049090418444: move this participant's enrollments and "
        f"coverage to participant {ascii_twin.pk}, then delete this one"
    ) in report
    assert (
        f"participant {superscript.pk}: personal ID '049\\xb290418445' is not 12 digits 0-9; "
        "correct it, probably to 049290418445"
    ) in report
    assert (
        f"participant {superscript.pk}: social insurance code {'４９０１２３４５６７'!a} is not 10 digits 0-9; "
        "correct it, probably to 4901234567"
    ) in report
    assert f"participant {ascii_twin.pk}:" not in report
    applied = MigrationExecutor(connection).loader.applied_migrations
    assert ("enrollments", "0006_participant_identity_ascii_digits") not in applied
    assert before_the_check.objects.count() == 3  # nothing was changed or deleted


def test_once_corrected_the_migration_applies_and_the_database_holds_the_rule(before_the_check):
    person = _person(before_the_check, FULL_WIDTH)
    with pytest.raises(CommandError):
        _migrate_forward()

    before_the_check.objects.filter(pk=person.pk).update(personal_id="049090418444")
    _migrate_forward()

    assert Participant.objects.get().personal_id == "049090418444"
    with pytest.raises(Exception, match="participant_personal_id_12_digits"):
        _person(Participant, "049090418445".translate({ord("5"): "５"}))


def test_a_clean_database_migrates_without_a_word(before_the_check):
    _person(before_the_check, "049090418444", social_insurance_code="4901234567")
    _migrate_forward()
    assert Participant.objects.get().social_insurance_code == "4901234567"
