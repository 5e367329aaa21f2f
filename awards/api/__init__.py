"""The standings, phase and award API under ``/api/v1/``, routed by ``awards.api_urls``:

- ``phases``: a phase, its leaderboard, and its lifecycle for staff;
- ``awards``: the proposed awards and the council's and director's decisions;
- ``workbooks``: the ranking and award list as Excel downloads.

The views parse the request, check who asks, and hand over to
``awards.selectors`` (reads) or the services (writes); a refused transition
(``core.errors.InvalidTransition``) is answered 409 by the API's exception
handler.
"""
