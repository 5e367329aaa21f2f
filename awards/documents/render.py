"""Filling a dossier template for a phase (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from awards.documents.context import document_context
from awards.documents.layout import SHIPPED
from awards.models import DocumentTemplate
from campaigns.models import Phase
from collectors.models import Unit
from core.errors import InvalidTransition

KINDS = tuple(DocumentTemplate.Kind.values)
MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# File names as an office files them.
_FILENAMES = {
    DocumentTemplate.Kind.SUBMISSION: "To trinh",
    DocumentTemplate.Kind.MINUTES: "Bien ban hop Hoi dong",
    DocumentTemplate.Kind.DECISION: "Quyet dinh khen thuong",
}


@dataclass(frozen=True)
class Rendered:
    content: bytes
    filename: str
    template: str  # which template was used: a unit's upload, or "shipped"


def template_for(unit: Unit, kind: str) -> DocumentTemplate | None:
    """The template ``unit`` uses for ``kind``: its own, else the nearest one above it; None: the shipped one."""
    seen = set()
    current = unit
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        found = DocumentTemplate.objects.filter(unit=current, kind=kind).first()
        if found is not None:
            return found
        current = current.parent
    return None


def shipped_template(kind: str) -> Path:
    return SHIPPED / f"{kind}.docx"


def render_document(*, phase: Phase, kind: str, number: str = "", signer: str = "") -> Rendered:
    """Fill ``kind``'s template for ``phase``; ``InvalidTransition`` when the phase lacks what the
    document needs, or an office's template cannot be filled (it names what is wrong)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown document {kind!r}")
    context = document_context(phase=phase, kind=kind, number=number, signer=signer)
    uploaded = template_for(phase.campaign.organizer, kind)
    if uploaded is not None:
        with uploaded.file.open("rb") as source:
            template = DocxTemplate(BytesIO(source.read()))
        used = f"{uploaded.unit.code}: {uploaded.file.name}"
    else:
        template = DocxTemplate(shipped_template(kind))
        used = "shipped"
    try:
        template.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    except TemplateError as error:
        raise InvalidTransition(
            _("The template %(template)s cannot be filled: %(error)s") % {"template": used, "error": error},
            field="template",
        ) from None
    output = BytesIO()
    template.save(output)
    filename = f"{_FILENAMES[kind]} {phase.campaign.code} {phase.name}.docx"
    return Rendered(content=output.getvalue(), filename=filename, template=used)
