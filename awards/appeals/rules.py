"""Who may appeal about whom, and what an attachment may be.

- An agent appeals about their own result and their own enrollments; a service
  organization's manager about its agents; an agent about a team they belong
  to; a staff member about the unit they work for (a collective's result).
- An attachment is at most ``UPLOAD_MAX_SIZE`` and one of PDF, JPEG, PNG, Word
  (.docx) or Excel (.xlsx), recognized by its first bytes (and, for the Office
  formats, by the parts inside the package), and named with the matching
  extension: the name alone is never trusted.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from campaigns.models import Phase, Team
from collectors.models import Agent, Unit
from core.parsers import upload_size_error
from enrollments.models import Enrollment

# type → (extensions, what it is called in a message)
ATTACHMENT_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": (("pdf",), "PDF"),
    "jpg": (("jpg", "jpeg"), "JPEG"),
    "png": (("png",), "PNG"),
    "docx": (("docx",), "Word (.docx)"),
    "xlsx": (("xlsx",), "Excel (.xlsx)"),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_HEAD = 16


def appealable_agents(user) -> QuerySet[Agent]:
    """The agents ``user`` may appeal about: themself, and the agents of the organizations they manage."""
    if not user.is_authenticated:
        return Agent.objects.none()
    return Agent.objects.filter(Q(user=user) | Q(organization__managers=user)).distinct()


def appealable_units(user) -> QuerySet[Unit]:
    """The unit ``user`` works for, as a competitor."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(staff_assignments__user=user)


def appealable_teams(user) -> QuerySet[Team]:
    """The teams ``user``'s agent belongs to."""
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(members__user=user).distinct()


def appealable_enrollments(user, phase: Phase) -> QuerySet[Enrollment]:
    """The enrollments of ``phase`` whose agent ``user`` may appeal about."""
    return Enrollment.objects.filter(phase=phase, agent__in=appealable_agents(user))


def detect_type(upload) -> str | None:
    """The attachment type the file's content says it is (``ATTACHMENT_TYPES``), or None."""
    upload.seek(0)
    head = upload.read(_HEAD)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


def attachment_error(upload) -> str | None:
    """Why ``upload`` cannot be attached, or None when it can."""
    too_large = upload_size_error(upload.size)
    if too_large:
        return too_large
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    detected = detect_type(upload)
    accepted = ", ".join(label for _extensions, label in ATTACHMENT_TYPES.values())
    if detected is None:
        return _("The file is not one of the accepted types (%(types)s).") % {"types": accepted}
    extensions, label = ATTACHMENT_TYPES[detected]
    if extension not in extensions:
        return _("The file's content is %(type)s but its name ends in “.%(extension)s”.") % {
            "type": label,
            "extension": extension,
        }
    return None


@dataclass(frozen=True)
class Subject:
    """What an appeal is about: one competitor, and perhaps one of an agent's enrollments."""

    kind: str
    agent: Agent | None = None
    team: Team | None = None
    unit: Unit | None = None
    enrollment: Enrollment | None = None

    @property
    def competitor(self) -> Agent | Team | Unit:
        return self.agent or self.team or self.unit
