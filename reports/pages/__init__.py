"""The web pages (DESIGN §7 "Pages"): the campaigns a user may see, a campaign's
overview with progress charts, the leaderboards per phase and cluster, and an
agent's own progress.

Who sees what follows the leaderboard rules of ``awards.permissions``:

- staff who may view phases see every campaign and every number;
- the managers of a service organization see the campaigns their agents take
  part in, and only their organization's numbers and agents;
- an agent sees the campaigns they take part in, the board of their own
  cluster and their own numbers.

Every page needs a login (``reports.urls`` wraps each view); refusals
render ``pages/forbidden.html`` with status 403. The pages are Vietnamese
unless the user picked another language with the switch (the language cookie):
a browser's Accept-Language alone does not turn them to English.

The reads come first (scopes and aggregates, each a few queries whatever the
size of the campaign), then the views, which only arrange them for templates.
"""
