"""`make run`'s development user (scripts/dev_user.py): made once with a random password kept
in `.sce/dev-password`, and its login printed at every `make run`. Run in a folder of its own,
as `make run` runs it in the checkout (never the checkout's .sce/ itself)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sce.access.audit import AuditQuery, FileAudit
from sce.access.users import UserFile

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "dev_user.py"


def make_run(cwd: Path) -> subprocess.CompletedProcess[str]:
    """The script as `make run` runs it (the settings' defaults: no SCE_USERS)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SCE_USERS", "SCE_AUDIT", "SCE_STORE")}
    return subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_first_make_run_makes_dev_admin_and_later_ones_print_the_same_login(
    tmp_path: Path,
) -> None:
    first = make_run(tmp_path)
    assert first.returncode == 0, first.stderr
    kept = tmp_path / ".sce" / "dev-password"
    password = kept.read_text(encoding="utf-8").strip()
    assert len(password) >= 20
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700  # nobody else may even list it
    assert first.stdout == (
        f"designer login: dev-admin / {password} (a local development user: make run only)\n"
    )

    users = UserFile(tmp_path / ".sce" / "users.json")
    assert users.get("dev-admin").role == "admin"
    assert users.check_password("dev-admin", password) is not None
    assert password not in (tmp_path / ".sce" / "users.json").read_text()
    [added] = FileAudit(tmp_path / ".sce" / "audit.jsonl").query(AuditQuery())
    assert (added.action, added.target, added.via) == ("user.add", "dev-admin", "cli")

    written = (tmp_path / ".sce" / "users.json").read_bytes()
    again = make_run(tmp_path)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert (tmp_path / ".sce" / "users.json").read_bytes() == written  # nothing changed


def test_a_lost_users_file_gets_the_dev_user_back_with_the_kept_password(tmp_path: Path) -> None:
    first = make_run(tmp_path)
    (tmp_path / ".sce" / "users.json").unlink()
    again = make_run(tmp_path)
    assert again.returncode == 0 and again.stdout == first.stdout
    password = (tmp_path / ".sce" / "dev-password").read_text().strip()
    assert UserFile(tmp_path / ".sce" / "users.json").check_password("dev-admin", password)


def test_other_users_are_left_alone_and_a_disabled_dev_admin_stays_disabled(
    tmp_path: Path,
) -> None:
    users = UserFile(tmp_path / ".sce" / "users.json")
    users.add("alice", "editor", "alice's own password")
    make_run(tmp_path)
    users.set_disabled("dev-admin", True)
    again = make_run(tmp_path)
    assert again.returncode == 0
    assert again.stdout == "designer login: dev-admin is disabled (sce users enable dev-admin)\n"
    assert users.get("dev-admin").disabled
    assert users.check_password("alice", "alice's own password") is not None
