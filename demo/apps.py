from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo campaign's loader (``manage.py load_demo``). It has no models and
    writes only through the services of the apps below it."""

    name = "demo"
