import importlib

from django.apps import AppConfig


def ensure_covering_index(sender, using="default", **kwargs):
    """SQLite rebuilds a table to alter it (a later migration adding a column with a CHECK
    constraint, say) and drops indexes that are not in the model state, such as the
    statistics' covering index (migration 0005). Re-create it after every migrate."""
    from django.db import DatabaseError, connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    covering = importlib.import_module("checker.migrations.0005_stats_covering_index")
    try:
        with connection.schema_editor() as editor:
            covering.create(None, editor)
    except DatabaseError:  # migrated back to before the columns existed: nothing to cover
        pass


class CheckerConfig(AppConfig):
    name = "checker"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import checks  # noqa: F401  (registers the system checks)
        from .monitoring import checks as monitoring_checks  # noqa: F401
        from .stats import latest

        post_save.connect(latest.on_save, sender="checker.Check", dispatch_uid="checker-latest-save")
        post_delete.connect(latest.on_delete, sender="checker.Check", dispatch_uid="checker-latest-delete")
        post_migrate.connect(ensure_covering_index, sender=self, dispatch_uid="checker-covering-index")
