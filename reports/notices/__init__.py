"""Notices to agents (DESIGN §13): in the app (a bell on the pages, ``/notices/``,
``/api/v1/me/notices/``) and by e-mail, each kind turned off per user.

- ``texts``: what a notice says, rendered in the reader's language;
- ``services``: writing a notice once per event, reading it, preferences, e-mail;
- ``events``: which events make notices (enrollments rejected or cancelled,
  quotas reached, prize places entered or left, phases closing, awards approved);
- ``receivers``: the signals of the apps below that start them, after commit.
"""
