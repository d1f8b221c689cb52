"""Command-line tasks behind the Makefile: prepare the database, serve the app, create the first
admin, back up and restore. ``python manage.py --help``."""
from __future__ import annotations

import argparse
import getpass
import os
import sys


def cmd_prepare(_args) -> int:
    from db.engine import safe_url
    from services.bootstrap import prepare

    outcome = prepare()
    msg = {"ready": "database ready", "demo": "empty database: demo data loaded (accounts admin, supervisor, "
           "manager, staff, volunteer)", "empty": "database ready and empty: run `make admin` to create "
           "the first administrator"}[outcome]
    print(f"{safe_url()}: {msg}", file=sys.stderr)
    return 0


def cmd_admin(args) -> int:
    from db.engine import session_scope
    from services.bootstrap import prepare
    from services.errors import DomainError, ValidationError
    from services.users import create_first_admin

    prepare(load_demo=False)
    username = args.username or os.environ.get("ADMIN_USERNAME") or input("Username for the administrator: ")
    display = args.name or os.environ.get("ADMIN_NAME") or input("Display name: ") or username
    password = os.environ.get("ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("Password (at least 8 characters): ")
        if getpass.getpass("Repeat the password: ") != password:
            print("The passwords differ; nothing was created.", file=sys.stderr)
            return 1
    try:
        with session_scope(write=True) as s:
            user = create_first_admin(s, username, display, password)
            print(f"Administrator '{user.username}' created. Log in with `make run`.", file=sys.stderr)
    except ValidationError as e:
        print(f"Not created: {', '.join(f'{k}: {v}' for k, v in e.errors.items())}", file=sys.stderr)
        return 1
    except DomainError as e:
        reason = {"err.admin_exists": "an administrator already exists; manage users on the `users` page",
                  "err.duplicate_field": "that username is taken"}.get(e.key, e.key)
        print(f"Not created: {reason}.", file=sys.stderr)
        return 1
    return 0


def cmd_backup(args) -> int:
    from services.backup import backup

    path = backup(args.dir)
    print(f"backup written: {path}", file=sys.stderr)
    return 0


def cmd_restore(args) -> int:
    from services.backup import restore

    if not args.file:
        print("usage: make restore FILE=backups/<file>", file=sys.stderr)
        return 2
    restore(args.file)
    print(f"restored from {args.file}", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    """``streamlit run app.py`` with the server options given, in this process.

    Streamlit treats an app with a ``pages/`` folder beside its script as an old-style multipage
    app until the first ``st.navigation`` call of the process: on a freshly started server the
    first visitor's deep link (``/visits``) is resolved against the old-style page list, finds
    nothing and shows an English "Page not found" dialog. The pages here are registered only
    through ``st.navigation`` (``components/nav.py``), so the server is told so before it starts.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", os.path.join(os.path.dirname(os.path.abspath(__file__)), "app.py"),
                *args.options]
    return cli.main()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="manage.py")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("prepare", help="migrate to head, seed settings, load the demo into an empty database")
    sub.add_parser("serve", help="serve the app (options as for `streamlit run`, e.g. --server.port 8501)")
    p = sub.add_parser("admin", help="create the first administrator of a database without one")
    p.add_argument("--username")
    p.add_argument("--name")
    p = sub.add_parser("backup", help="write a backup of the database")
    p.add_argument("--dir", default=None)
    p = sub.add_parser("restore", help="replace the database with a backup")
    p.add_argument("file", nargs="?")
    args, rest = parser.parse_known_args(argv)
    if args.cmd == "serve":
        args.options = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return {"prepare": cmd_prepare, "serve": cmd_serve, "admin": cmd_admin, "backup": cmd_backup, "restore": cmd_restore}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
