"""gunicorn settings. Loading this file first makes ./site importable (bootstrap_site)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import bootstrap_site  # noqa: E402,F401

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
wsgi_app = "site.wsgi:application"
