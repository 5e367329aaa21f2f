import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation_config.settings")

application = get_wsgi_application()

# What loading the project made (modules, models, URL patterns, translations) lives as
# long as the process: set it apart from the collector, whose full passes would otherwise
# walk it again and again while a request builds a large leaderboard or workbook.
gc.freeze()
