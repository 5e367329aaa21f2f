"""The award dossier as Word files (DESIGN §11.4): the submission (tờ trình)
with the proposed list, the council minutes (biên bản họp Hội đồng thi đua –
khen thưởng) with the votes, and the award decision (quyết định khen thưởng)
with its annex list.

Each is a .docx template with Jinja tags, filled by docxtpl
(``awards.documents.render``) from ``awards.documents.context``. The template is the
one the campaign's organizer uploaded (``DocumentTemplate``), else the nearest
one uploaded by a unit above it, else the shipped file in ``shipped/``
(rebuilt by ``manage.py build_document_templates`` from
``awards.documents.layout``). Templates run in Jinja's sandbox with
autoescaping: nothing a user typed becomes markup.
"""
