from django.apps import AppConfig


class CheckerConfig(AppConfig):
    name = "checker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .monitoring import checks as monitoring_checks  # noqa: F401
        from django.db.models.signals import post_delete, post_save

        from .stats import latest

        post_save.connect(latest.on_save, sender="checker.Check", dispatch_uid="checker-latest-save")
        post_delete.connect(latest.on_delete, sender="checker.Check", dispatch_uid="checker-latest-delete")
