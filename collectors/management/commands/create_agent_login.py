"""``manage.py create_agent_login <agent code> [--username NAME]``: a login for an agent,
with an initial password printed once, to be changed at the first login."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from collectors.models import Agent
from collectors.services import agent_login_create
from core.errors import InvalidTransition


class Command(BaseCommand):
    help = "Create a login for an agent, with an initial password they must change at their first login."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the agent's code")
        parser.add_argument("--username", default="", help="the login's name (default: the code in lower case)")

    def handle(self, *args, code, username, **options):
        agent = Agent.objects.filter(code=code).first()
        if agent is None:
            raise CommandError(f"No agent has the code {code}.")
        try:
            user, password = agent_login_create(agent=agent, username=username)
        except InvalidTransition as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"username: {user.username}\ninitial password: {password}")
        self.stdout.write("The agent must change it at their first login.")
