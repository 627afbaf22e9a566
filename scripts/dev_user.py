"""`make run`'s development user: `dev-admin`, an admin with a random password, so that the
designer can be logged into at once on a laptop, and its credentials printed every time.

The first time, the password is made at random and kept in `.sce/dev-password` (mode 0600;
`.sce/` is git-ignored), and the user is added to the users file the server reads (found as
`sce serve` finds it), with the change in the audit log like any `sce users add`. Later runs
only print the credentials; if the users file lost the user, or its password no longer matches
the kept one, they are put back. A user disabled on purpose is left disabled.

Only `make run` runs this: `sce serve` itself never makes a user or knows a default password,
so no production server starts with one.

    .venv/bin/python scripts/dev_user.py
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from sce.access.roles import Role
from sce.cli.users import user_admin
from sce.errors import SceError

NAME = "dev-admin"
#: Where the password is kept, under the current folder (the checkout, for `make run`).
PASSWORD_FILE = Path(".sce") / "dev-password"


def main() -> int:
    try:
        password = kept_password(PASSWORD_FILE)
        with user_admin() as admin:
            user = admin.users.users().get(NAME)
            if user is None:
                admin.users.add(NAME, Role.ADMIN, password)
                admin.record("user.add", NAME, f"as {Role.ADMIN} (make run's development user)")
            elif admin.users.check_password(NAME, password) is None and not user.disabled:
                admin.users.set_password(NAME, password)
                admin.record("user.password", NAME, "make run's development user")
            disabled = admin.users.get(NAME).disabled
    except (SceError, OSError) as e:
        print(f"dev-user: {getattr(e, 'message', None) or e}", file=sys.stderr)
        return 1
    if disabled:
        print(f"designer login: {NAME} is disabled (sce users enable {NAME})")
    else:
        print(f"designer login: {NAME} / {password} (a local development user: make run only)")
    return 0


def kept_password(path: Path) -> str:
    """The password kept in `path`, or a new random one written there first (0600)."""
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = ""
    if kept:
        return kept
    password = secrets.token_urlsafe(18)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    os.chmod(path, 0o600)
    return password


if __name__ == "__main__":
    sys.exit(main())
