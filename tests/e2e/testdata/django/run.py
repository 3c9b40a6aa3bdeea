"""Django 3.2 (psycopg2) against a server: migrate, then the ORM as an
application uses it. Usage: run.py HOST PORT, or run.py makemigrations
[args] to regenerate shop/migrations (no server needed). Prints one line
per step; exits non-zero at the first step whose result is not what
PostgreSQL gives."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django
from django.conf import settings

if sys.argv[1] == "makemigrations":
    host, port = "127.0.0.1", "1"
else:
    host, port = sys.argv[1], sys.argv[2]

settings.configure(
    DEBUG=bool(os.environ.get("DJANGO_SQL")),
    USE_TZ=True,
    TIME_ZONE="UTC",
    SECRET_KEY="e2e-only",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "shop.apps.ShopConfig"],
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "nodedb",
        "USER": "admin",
        "HOST": host,
        "PORT": port,
    }},
    LOGGING={
        "version": 1,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}},
        # DJANGO_SQL=1 prints every statement Django sends.
        "loggers": {"django.db.backends": {"handlers": ["stderr"],
                                           "level": "DEBUG" if os.environ.get("DJANGO_SQL") else "WARNING"}},
    },
)
django.setup()

from django.core.management import call_command  # noqa: E402

if sys.argv[1] == "makemigrations":
    call_command("makemigrations", "shop", *sys.argv[2:])
    sys.exit(0)

import steps  # noqa: E402

steps.run()
