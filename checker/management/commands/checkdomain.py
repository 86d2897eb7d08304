"""python manage.py checkdomain DOMAIN [--json]: the engine from the command line (checker/cli.py)."""
import sys

from django.core.management.base import BaseCommand

from checker import cli
from checker.cli import render_json, render_text  # noqa: F401  (the command's rendering, for tests)


class Command(BaseCommand):
    # The CLI needs no web configuration (SECRET_KEY, hosts): only the engine's settings.
    requires_system_checks = []
    help = cli.HELP

    def add_arguments(self, parser):
        cli.add_arguments(parser)

    def handle(self, *args, **options):
        status = cli.run(options["domain"], options["json"], self.stdout, self.stderr)
        if status:
            sys.exit(status)
