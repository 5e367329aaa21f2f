"""Campaign definition files: a campaign and its rules as a documented YAML file.

A definition file describes one campaign — phases, teams, clusters, quotas,
plan targets, indicators with per-unit targets, award rules with prize tiers —
together with the reference data it needs (localities, BHXH units, service
organizations). The format is documented in ``docs/campaign-definition.md``.

- ``schema``: the sections and their keys, the canonical form, ``DefinitionError``;
- ``values``: single values, from YAML and back;
- ``rows``: an entry's model fields, checked when read and stored when imported;
- ``reader``: ``parse_definition`` and ``campaign_import``, which runs
  ``validation`` (the file on its own, ``normalize_definition``), ``resolve``
  (the database's codes) and ``store`` (the bulk writes);
- ``writer``: ``campaign_export`` and ``dump_definition``.
"""

from campaigns.definition.reader import campaign_import, parse_definition
from campaigns.definition.schema import DefinitionError
from campaigns.definition.validation import normalize_definition
from campaigns.definition.writer import campaign_export, dump_definition

__all__ = [
    "DefinitionError",
    "campaign_export",
    "campaign_import",
    "dump_definition",
    "normalize_definition",
    "parse_definition",
]
