"""The check of an uploaded Word template: a .docx that docxtpl can read and whose Jinja tags parse."""

from __future__ import annotations

from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment


def validate_docx_template(file) -> None:
    """Refuse a file that is not a Word document, or whose tags are not valid Jinja."""
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        template = DocxTemplate(BytesIO(file.read()))
        template.get_undeclared_template_variables(jinja_env=SandboxedEnvironment())
    except TemplateError as error:
        raise ValidationError(
            _("A tag of the template is not valid: %(error)s") % {"error": error}, code="template"
        ) from None
    except Exception:  # whatever a broken file raises, it is not a Word document
        raise ValidationError(_("The file is not a Word document (.docx)."), code="docx") from None
    finally:
        file.seek(position)
