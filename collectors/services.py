"""Writes about agents: a login for an agent, with an initial password."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from collectors.imports import initial_password
from collectors.models import Agent
from collectors.signals import initial_password_given
from core.errors import InvalidTransition
from core.reach import Reach, acting_reach, require_reach


@transaction.atomic
def agent_login_create(*, agent: Agent, username: str = "", by=None, reach: Reach | None = None) -> tuple[object, str]:
    """Give ``agent`` a new login named ``username`` (default: the agent's code in lower case)
    with a random initial password, which they must change at their first login
    (``collectors.signals.initial_password_given``). Answers the user and the password,
    which is shown once and stored only as a hash. Staff act on the agents of the offices
    they reach (``core.reach``). An agent who already has a login keeps it (``InvalidTransition``);
    a username that is taken or not valid is a ``ValidationError`` on ``username``."""
    require_reach(agent, acting_reach(by=by, reach=reach))
    agent = Agent.objects.select_for_update().get(pk=agent.pk)
    if agent.user_id is not None:
        raise InvalidTransition(_("Agent %(code)s already has a login.") % {"code": agent.code}, field="agent")
    User = get_user_model()
    username = (username or agent.code.lower()).strip()
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise ValidationError({"username": error.messages}) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("The username %(username)s is taken.") % {"username": username}]})
    password = initial_password()
    user = User.objects.create_user(username=username, password=password, first_name=agent.full_name[:150])
    initial_password_given.send(sender=None, user=user)  # the agent chooses their own at first login
    agent.user = user
    agent.save(update_fields=["user"])
    return user, password
