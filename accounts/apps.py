from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Registers the schema extension (drf-spectacular finds extensions by import).
        from accounts import schema  # noqa: F401
        from accounts.services import password_mark_initial
        from collectors.signals import initial_password_given

        # A password an import made for someone is initial: they choose their own at first login.
        initial_password_given.connect(
            lambda sender, user, **kwargs: password_mark_initial(user=user), weak=False, dispatch_uid="accounts.initial"
        )
