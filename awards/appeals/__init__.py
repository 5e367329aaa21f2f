"""Public notice and appeals (DESIGN §11.1–2).

Finalizing a phase publishes its proposed results for a notice period counted
in working days (``Campaign.notice_days``, ``campaigns.calendar``); the period's
end is stored on the finalization. Until it ends, an agent (about their own
result or one of their own enrollments), an organization's manager (about their
agents), a team's member (about the team) or the staff of a competing unit
(about their unit) may file an appeal, with an optional attachment. The council
answers each one: upheld (the phase is reopened, with the appeal as the reason,
and the next finalization records it as corrected) or dismissed. Awards of the
phase are approved only once the notice period has ended and no appeal is open.

- ``models``: ``Appeal`` and its history (``AppealEvent``);
- ``rules``: who may appeal about whom, and the attachment checks;
- ``workflow``: the appeal states, the notice period of a finalization and the
  approval guard, used by ``awards.services``;
- ``services``: filing and answering;
- ``selectors``: the notice, who may read it, the appeals a user sees;
- ``api`` and ``admin``: the adapters.
"""
