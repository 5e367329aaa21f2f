"""Staff roles (DESIGN §1) as Django groups, and the permissions each holds.

Groups are created and kept in step by migrations that call
``sync_role_groups``; a permission whose model does not exist yet is skipped
and picked up by the migration that adds the model.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    CAMPAIGN_MANAGER = "campaign_manager", _("Campaign manager")
    REVIEWER = "reviewer", _("Enrollment reviewer")
    COUNCIL = "council", _("Emulation and rewards council")
    DIRECTOR = "director", _("Director")


# Group names are stored data, read by staff in the admin: Vietnamese.
GROUP_NAMES: dict[str, str] = {
    StaffRole.CAMPAIGN_MANAGER: "Quản lý phong trào thi đua",
    StaffRole.REVIEWER: "Cán bộ thẩm định hồ sơ thu",
    StaffRole.COUNCIL: "Hội đồng thi đua – khen thưởng",
    StaffRole.DIRECTOR: "Giám đốc",
}

_CONFIG_MODELS = [
    "campaigns.campaign",
    "campaigns.phase",
    "campaigns.cluster",
    "campaigns.team",
    "campaigns.quota",
    "campaigns.plantarget",
    "campaigns.indicator",
    "campaigns.indicatortarget",
    "campaigns.indicatorvalue",
    "campaigns.awardrule",
    "campaigns.prizetier",
    "collectors.locality",
    "collectors.unit",
    "collectors.serviceorganization",
    "collectors.agent",
    "collectors.commendationbar",
]
_HISTORY_MODELS = ["campaigns.phasetransition", "enrollments.enrollmenttransition"]
_DATA_MODELS = ["enrollments.participant", "enrollments.coverageperiod", "enrollments.enrollment"]
_RESULT_MODELS = [
    "awards.finalization",
    "awards.standing",
    "awards.award",
    "awards.awardtransition",
    "awards.appeal",
    "awards.appealevent",
    "awards.nominationtransition",
    "awards.councilmeeting",
    "awards.documenttemplate",
]
_ALL = ["view", "add", "change", "delete"]
# Every staff group follows export jobs (their own workbooks; others' where the kind allows).
_EXPORT_JOBS = ["core.exportjob"]


def _perms(models_: list[str], actions: list[str]) -> list[str]:
    return [f"{label.split('.')[0]}.{action}_{label.split('.')[1]}" for label in models_ for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    StaffRole.CAMPAIGN_MANAGER: [
        *_perms(_CONFIG_MODELS, _ALL),
        *_perms(_HISTORY_MODELS, ["view"]),
        *_perms(_DATA_MODELS, ["view"]),
        *_perms(["enrollments.parameter"], ["view", "add", "change"]),
        # Writing public holidays is further kept to staff who reach every office (campaigns.admin).
        *_perms(["campaigns.publicholiday"], _ALL),
        "campaigns.close_phase",
        "campaigns.finalize_phase",
        "campaigns.reopen_phase",
        # Loading a campaign's history from the collection software (enrollments.history).
        *_perms(["enrollments.enrollmentimport"], ["view", "add", "change"]),
        *_perms(_RESULT_MODELS, ["view"]),
        *_perms(["awards.nomination"], ["view", "add", "change"]),
        # An office's own Word templates of the award dossier.
        *_perms(["awards.documenttemplate"], ["add", "change", "delete"]),
        # Linking an agent to its login and naming an organization's managers
        # means choosing user accounts.
        "auth.view_user",
        *_perms(_EXPORT_JOBS, ["view"]),
    ],
    StaffRole.REVIEWER: [
        *_perms(
            [
                "campaigns.campaign",
                "campaigns.phase",
                "collectors.agent",
                "collectors.serviceorganization",
                # A participant's locality and an agent's unit are chosen or read while reviewing.
                "collectors.locality",
                "collectors.unit",
            ],
            ["view"],
        ),
        *_perms(_HISTORY_MODELS, ["view"]),
        *_perms(["enrollments.enrollment", "enrollments.participant"], ["view", "change"]),
        *_perms(["enrollments.coverageperiod"], ["view", "add", "change"]),
        *_perms(["enrollments.parameter"], ["view"]),
        "enrollments.review_enrollment",
        *_perms(_EXPORT_JOBS, ["view"]),
    ],
    StaffRole.COUNCIL: [
        *_perms(_CONFIG_MODELS, ["view"]),
        *_perms(_HISTORY_MODELS, ["view"]),
        *_perms(_DATA_MODELS, ["view"]),
        *_perms(_RESULT_MODELS, ["view"]),
        *_perms(["awards.nomination"], ["view", "add", "change"]),
        # The council records its meetings and their votes.
        *_perms(["awards.councilmeeting"], ["add", "change"]),
        "awards.review_award",
        "awards.answer_appeal",
        *_perms(_EXPORT_JOBS, ["view"]),
    ],
    StaffRole.DIRECTOR: [
        *_perms(_CONFIG_MODELS, ["view"]),
        *_perms(_HISTORY_MODELS, ["view"]),
        *_perms(_DATA_MODELS, ["view"]),
        *_perms(_RESULT_MODELS, ["view"]),
        *_perms(["awards.nomination"], ["view", "change"]),
        "awards.approve_award",
        "awards.revoke_award",
        *_perms(_EXPORT_JOBS, ["view"]),
    ],
}


def sync_role_groups(apps) -> None:
    """Create the role groups and give each exactly its permissions. Safe to run again."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, group_name in GROUP_NAMES.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = []
        for dotted in ROLE_PERMISSIONS[role]:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)
