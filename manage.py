#!/usr/bin/env python
import os
import sys

import bootstrap_site  # noqa: F401  (makes ./site importable; see its docstring)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")
    from checker import cli

    if cli.fast_path(sys.argv):
        sys.exit(cli.main(sys.argv))  # the same command without django.setup() (checker/cli.py)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
