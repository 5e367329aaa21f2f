"""Reading a definition file into the database.

Importing runs in three steps; nothing is written unless the first two find no problem:

1. ``validation`` checks the file on its own and builds the canonical form;
2. ``resolve`` looks every referenced code up in the database, one query per
   model, and checks what needs the database;
3. ``store`` writes everything with bulk queries inside one transaction.
"""

from __future__ import annotations

import yaml
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campaigns.definition.resolve import resolve
from campaigns.definition.schema import DefinitionError, canonical
from campaigns.definition.store import write_definition
from campaigns.definition.validation import read_definition
from campaigns.models import Campaign


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an
    error (PyYAML would silently keep the last value)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen = set()
            for key_node, _value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # unhashable: the base class reports it
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"found duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_definition(text: str) -> dict:
    """Read a definition file's YAML text into a dict (no other checks)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or ""
        if mark is None:
            raise DefinitionError([_("not valid YAML: %(problem)s") % {"problem": problem}]) from None
        raise DefinitionError(
            [
                _("line %(line)d, column %(column)d: %(problem)s")
                % {"line": mark.line + 1, "column": mark.column + 1, "problem": problem}
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([_("not valid YAML: %(problem)s") % {"problem": exc}]) from None
    if data is None:
        raise DefinitionError([_("the file is empty")])
    if not isinstance(data, dict):
        raise DefinitionError([_("the file must be a mapping (key: value) at the top level")])
    return data


@transaction.atomic
def campaign_import(*, definition: dict, replace: bool = False) -> Campaign:
    """Create a campaign (and upsert the reference data it carries) from a definition.

    Everything is checked before anything is written; on any problem
    ``DefinitionError`` lists them all and the database is left unchanged. A
    campaign code that already exists is an error unless ``replace`` is set;
    replacing keeps the campaign row and swaps its rules, and is refused once
    the campaign has enrollments or reported indicator values.
    """
    data, errors = read_definition(definition)
    if data is None:
        raise DefinitionError(errors.messages())
    resolved = resolve(data, errors, replace=replace)
    if errors:
        raise DefinitionError(errors.messages())
    resolved.data = canonical(data)
    try:
        with transaction.atomic():
            return write_definition(resolved)
    except IntegrityError as exc:
        # Only a concurrent change gets here (e.g. the same code imported twice at once).
        raise DefinitionError(
            ["campaign: " + _("the database refused the definition: %(error)s") % {"error": exc}]
        ) from None
