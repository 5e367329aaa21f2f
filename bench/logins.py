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
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username, f"{username}@example.vn", None)
    return Token.objects.get_or_create(user=user)[0].key


def agent_tokens(agent_ids: list[int]) -> dict[int, str]:
    """Agent id → API token for every agent in ``agent_ids``; agents without a
    login get one (``bench-<agent code>``, no usable password), in bulk."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token

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
    tokens = dict(Token.objects.filter(user_id__in=user_of.values()).values_list("user_id", "key"))
    new = [Token(user_id=user, key=Token.generate_key()) for user in user_of.values() if user not in tokens]
    Token.objects.bulk_create(new)
    tokens.update({token.user_id: token.key for token in new})
    return {agent: tokens[user] for agent, user in user_of.items()}
