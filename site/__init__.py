"""The Django project (settings, urls, wsgi). Loaded through bootstrap_site.py."""
