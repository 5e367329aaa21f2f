"""What the collectors app tells the apps that follow it.

``initial_password_given`` is sent when an import gives a login a password made
for its user (``user``), who must choose their own at first login: the accounts
app records it (``accounts.services.password_mark_initial``).
"""

from __future__ import annotations

from django.dispatch import Signal

initial_password_given = Signal()
