from django.apps import AppConfig


class CheckerConfig(AppConfig):
    name = "checker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .monitoring import checks as monitoring_checks  # noqa: F401
