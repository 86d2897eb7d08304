"""SQLite only: an index holding every column the statistics read, so their scans never touch
the table rows. SQLite keeps a row's columns in one record, and the summary columns come after
the report JSON (8-12 KB, on overflow pages): reading them from the table means walking every
report's overflow pages. PostgreSQL keeps large jsonb out of line (TOAST), so it needs none.
The index is not part of the model state (it is physical tuning for one backend)."""
from django.db import migrations

NAME = "check_stats_covering"
# (status, created_at) first: a window's range is a prefix of the index.
COLUMNS = (
    "status", "created_at", "latest", "source", "survey_id", "ds_present", "dnssec_status", "mx_status",
    "dane_status", "dane_verified", "mta_sts_host", "mta_sts_policy", "mta_sts_fetch_error", "mta_sts_mode",
    "mta_sts_record", "tls_rpt_status", "starttls_coverage", "tls_version_min", "webpki_coverage", "grade",
    "finding_codes", "domain",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        columns = ", ".join(f'"{column}"' for column in COLUMNS)
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "checker_check" ({columns})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):

    dependencies = [("checker", "0004_summary_columns")]

    operations = [migrations.RunPython(create, drop)]
