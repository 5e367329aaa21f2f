"""What the awards app tells the apps above it.

``award_approved`` is sent inside the approving transaction
(``services.award_approve``) with ``award``: the award just approved. The
reports app tells its winners by it.
"""

from __future__ import annotations

from django.dispatch import Signal

award_approved = Signal()
