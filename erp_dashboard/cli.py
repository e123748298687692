"""Command line for operators: `python -m erp_dashboard.cli create-user …`.

A production start never creates users; this makes the first ones.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from erp_dashboard.db import unit_of_work
from erp_dashboard.services import auth
from erp_dashboard.services.errors import ServiceError
from erp_dashboard.services.permissions import Role
from erp_dashboard.startup import migrate


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m erp_dashboard.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database to the newest schema")
    create = commands.add_parser(
        "create-user", help="add a user (password from ERP_NEW_USER_PASSWORD or a prompt)"
    )
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument(
        "--company-admin", action="store_true", help="may add, deactivate and re-role people"
    )
    args = parser.parse_args(argv)

    migrate()
    if args.command == "create-user":
        password = os.environ.get("ERP_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
        try:
            with unit_of_work() as session:
                user = auth.create_user(
                    session,
                    args.email,
                    args.name,
                    password,
                    Role(args.role),
                    company_admin=args.company_admin,
                )
        except ServiceError as err:
            print(err, file=sys.stderr)
            return 1
        print(f"Created {user.email} ({Role(user.role).label}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
