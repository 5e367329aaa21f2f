"""API logins for the benchmarks: a staff user and agents, each with an API
token. The national data set loads its agents without logins; these give some
of them one, through the ORM, in the caller's transaction (roll it back to leave
the data set as it was). Safe to run again: existing logins and tokens are kept."""

from __future__ import annotations

STAFF_USERNAME = "bench-staff"


def staff_token(username: str = STAFF_USERNAME) -> str:
    """The API token of a staff superuser named ``username``, created if missing.

    A superuser reads every board wherever their office is (DESIGN §10)."""
    from django.contrib.auth import get_user_model

    from accounts.services import api_token_create

    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username, f"{username}@example.vn", None)
    return api_token_create(user=user, device="bench")[1]


def agent_tokens(agent_ids: list[int]) -> dict[int, str]:
    """Agent id → a new API token for every agent in ``agent_ids``; agents without a
    login get one (``bench-<agent code>``, no usable password), in bulk."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from knox.models import get_digest_token
    from knox.settings import CONSTANTS, knox_settings

    from accounts.models import ApiToken
    from collectors.models import Agent

    User = get_user_model()
    agents = list(Agent.objects.filter(pk__in=agent_ids).only("pk", "code", "user_id"))
    missing = [agent for agent in agents if agent.user_id is None]
    if missing:
        unusable = make_password(None)
        users = User.objects.bulk_create([User(username=f"bench-{agent.code}", password=unusable) for agent in missing])
        for agent, user in zip(missing, users, strict=True):
            agent.user_id = user.pk
        Agent.objects.bulk_update(missing, ["user"])
    user_of = {agent.pk: agent.user_id for agent in agents}
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    tokens, rows = {}, []
    for user in set(user_of.values()):
        digest, token = get_digest_token()
        tokens[user] = token
        key = token[: CONSTANTS.TOKEN_KEY_LENGTH]
        rows.append(ApiToken(digest=digest, token_key=key, user_id=user, expiry=expiry, device="bench"))
    ApiToken.objects.bulk_create(rows, batch_size=2000)
    return {agent: tokens[user] for agent, user in user_of.items()}
