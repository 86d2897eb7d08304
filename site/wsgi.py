"""WSGI entry point. gunicorn loads it via scripts/gunicorn.conf.py, which imports
bootstrap_site first (see that module for why)."""
import os

import bootstrap_site  # noqa: F401

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")
application = get_wsgi_application()
