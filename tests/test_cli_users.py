"""`sce users`: people and API tokens managed from the server's machine, in the users file the
server reads (found as `sce serve` finds it) and in its audit log, with passwords never shown
or kept in clear; and what `sce serve` says on a first start with nobody a user."""

from __future__ import annotations

import getpass
import json
import shutil
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from runtime.config import RuntimeConfig
from sce.access.audit import AuditQuery, AuditRecord, FileAudit
from sce.access.users import UserFile
from tests.cli import run, write
from tests.runtime.server.fixtures import FLOWS
from tests.runtime.server.running import free_port, server

PASSWORD = "correct horse battery"
OTHER = "another long password"


@dataclass
class Files:
    users: Path
    audit: Path

    def records(self) -> list[AuditRecord]:
        """The audit log, oldest first."""
        return list(reversed(FileAudit(self.audit).query(AuditQuery(limit=1000))))

    def actions(self) -> list[tuple[str, str | None, str]]:
        return [(r.action, r.target, r.detail) for r in self.records()]


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Files:
    """The users file and audit log in tmp_path, named as an operator names them (SCE_USERS,
    SCE_AUDIT), with the shell there too (never the checkout's .sce/)."""
    found = Files(tmp_path / "access" / "users.json", tmp_path / "access" / "audit.jsonl")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCE_STORE", raising=False)
    monkeypatch.setenv("SCE_USERS", str(found.users))
    monkeypatch.setenv("SCE_AUDIT", str(found.audit))
    return found


def add(name: str, role: str = "admin", password: str = PASSWORD) -> None:
    result = run("users", "add", name, "--role", role, "--password-stdin", input=password + "\n")
    assert result.exit_code == 0, result.stderr


def everything_written(files: Files, *outputs: str) -> str:
    return files.users.read_text(encoding="utf-8") + files.audit.read_text() + "".join(outputs)


# -- adding -------------------------------------------------------------------------------------


def test_an_admin_added_with_a_password_typed_twice(files: Files) -> None:
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    result = run("users", "add", "alice", "--role", "admin", input=typed)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["added", "alice", "as", "admin"]  # (the test runner
    # echoes a newline to stdout for each hidden input, where a terminal's goes to the tty)
    assert "New password for alice" in result.stderr and "Repeat it" in result.stderr

    users = UserFile(files.users)
    assert users.check_password("alice", PASSWORD) is not None
    assert users.get("alice").role == "admin"
    assert stat.S_IMODE(files.users.stat().st_mode) == 0o600
    assert stat.S_IMODE(files.audit.stat().st_mode) == 0o600
    assert PASSWORD not in everything_written(files, result.stdout, result.stderr)

    [record] = files.records()
    assert (record.action, record.result, record.target) == ("user.add", "ok", "alice")
    assert (record.who, record.role, record.via) == (getpass.getuser(), None, "cli")
    assert record.detail == "as admin"


def test_a_password_too_short_or_mistyped_is_asked_again(files: Files) -> None:
    typed = f"short\nshort\n{PASSWORD}\n{OTHER}\n{PASSWORD}\n{PASSWORD}\n"
    result = run("users", "add", "alice", "--role", "editor", input=typed)
    assert result.exit_code == 0, result.stderr
    assert "at least 10 characters; try again" in result.stderr
    assert "do not match" in result.stderr
    assert UserFile(files.users).check_password("alice", PASSWORD) is not None


def test_three_passwords_refused_add_nobody(files: Files) -> None:
    result = run("users", "add", "alice", "--role", "editor", input="short\nshort\n" * 3)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "sce: error: no password taken after 3 tries"
    assert not files.users.exists() and not files.audit.exists()


def test_a_script_gives_the_password_on_stdin(files: Files) -> None:
    result = run("users", "add", "ci-bot", "--role", "deployer", "--password-stdin", input=OTHER)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # no prompt
    assert UserFile(files.users).check_password("ci-bot", OTHER) is not None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["bad name", "--role", "admin"], PASSWORD, "'bad name' cannot be a user name"),
        (["Alice", "--role", "admin"], PASSWORD, "a user 'alice' exists already"),
        (["bob", "--role", "admin"], "short", "at least 10 characters"),
        (["bob", "--role", "admin"], "", "read no password"),
    ],
)
def test_a_user_that_cannot_be_added_is_one_line_and_exit_2(
    files: Files, args: list[str], stdin: str, message: str
) -> None:
    add("alice")
    before = files.users.read_bytes()
    result = run("users", "add", *args, "--password-stdin", input=stdin)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr, result.stderr
    assert result.stderr.startswith("sce: error: ")
    assert files.users.read_bytes() == before and len(files.records()) == 1


def test_a_bad_name_or_role_is_said_before_the_password_is_asked(files: Files) -> None:
    result = run("users", "add", "bad name", "--role", "admin", input=PASSWORD * 2)
    assert result.exit_code == 2 and "password" not in result.stderr.lower()
    result = run("users", "add", "bob", "--role", "boss", input=PASSWORD * 2)
    assert result.exit_code == 2 and "'boss' is not one of" in result.stderr
    assert "admin" in result.stderr and "password" not in result.stderr.lower()


def test_the_users_file_is_the_one_the_servers_settings_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No SCE_USERS: `users` and `audit` of [tool.sce.runtime], as `sce serve` reads them."""
    for name in ("SCE_USERS", "SCE_AUDIT", "SCE_STORE"):
        monkeypatch.delenv(name, raising=False)
    write(
        tmp_path / "pyproject.toml",
        '[tool.sce.runtime]\nusers = "secrets/people.json"\naudit = "secrets/trail.jsonl"\n',
    )
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # the nearest pyproject.toml is the parent's
    add("alice")
    people = Path("secrets/people.json")  # relative to where the command runs, as the server's
    assert UserFile(people).get("alice").role == "admin"
    assert json.loads(Path("secrets/trail.jsonl").read_text())["action"] == "user.add"


# -- listing ------------------------------------------------------------------------------------


def test_no_users_yet_says_how_to_make_the_first(files: Files) -> None:
    result = run("users", "list")
    assert result.exit_code == 0
    assert "no users yet" in result.stdout
    assert "sce users add NAME --role admin" in result.stdout


def test_the_list_shows_roles_standing_and_tokens_but_no_secret(files: Files) -> None:
    add("alice")
    add("bob", "editor")
    made = run("users", "token", "alice", "--role", "deployer", "--label", "CI deploys")
    refused = run("users", "token", "alice", "--role", "viewer", "--expires", "2020-01-31")
    assert refused.exit_code == 2 and "must expire in the future" in refused.stderr
    run("users", "token", "alice", "--role", "viewer", "--expires", "2999-01-31")
    run("users", "disable", "bob")
    result = run("users", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ROLE", "DISABLED", "TOKEN", "AS", "EXPIRES", "LABEL"]
    token_id = UserFile(files.users).get("alice").tokens[0].id
    assert lines[1].split() == [
        "alice",
        "admin",
        "no",
        token_id,
        "deployer",
        "never",
        "CI",
        "deploys",
    ]
    assert lines[2].split()[1:] == ["viewer", "2999-01-31T00:00:00+00:00"]
    assert lines[3].split() == ["bob", "editor", "yes", "-"]
    assert made.stdout.strip() not in result.stdout and PASSWORD not in result.stdout
    assert "$argon2" not in result.stdout

    data = json.loads(run("users", "list", "--format", "json").stdout)
    assert [(u["name"], u["role"], u["disabled"]) for u in data["users"]] == [
        ("alice", "admin", False),
        ("bob", "editor", True),
    ]
    assert [t["label"] for t in data["users"][0]["tokens"]] == ["CI deploys", ""]
    assert "password" not in data["users"][0] and "digest" not in data["users"][0]["tokens"][0]


# -- changing -----------------------------------------------------------------------------------


def test_a_new_password_replaces_the_old(files: Files) -> None:
    add("alice")
    result = run("users", "passwd", "alice", input=f"{OTHER}\n{OTHER}\n")
    assert result.exit_code == 0, result.stderr
    users = UserFile(files.users)
    assert users.check_password("alice", OTHER) is not None
    assert users.check_password("alice", PASSWORD) is None
    assert OTHER not in everything_written(files, result.stdout, result.stderr)
    assert files.actions()[-1] == ("user.password", "alice", "")


def test_a_password_for_nobody_is_refused_before_it_is_asked(files: Files) -> None:
    add("alice")
    result = run("users", "passwd", "ghost", input=f"{OTHER}\n{OTHER}\n")
    assert result.exit_code == 2
    assert result.stderr == "sce: error: there is no user 'ghost'\n"


def test_a_disabled_user_cannot_log_in_until_enabled(files: Files) -> None:
    add("alice", "editor")
    result = run("users", "disable", "alice")
    assert result.exit_code == 0 and "alice is disabled" in result.stdout
    assert UserFile(files.users).check_password("alice", PASSWORD) is None
    assert run("users", "enable", "alice").exit_code == 0
    assert UserFile(files.users).check_password("alice", PASSWORD) is not None
    assert [a for a, _, _ in files.actions()] == ["user.add", "user.disable", "user.enable"]


def test_a_new_role_revokes_the_tokens_that_would_do_more(files: Files) -> None:
    add("alice")
    deployer = run("users", "token", "alice", "--role", "deployer").stdout.strip()
    viewer = run("users", "token", "alice", "--role", "viewer").stdout.strip()
    result = run("users", "role", "alice", "editor")
    assert result.exit_code == 0
    users = UserFile(files.users)
    deployer_id = deployer.split("_")[1]
    assert result.stdout == (
        f"alice is now editor\nrevoked their tokens that could do more: {deployer_id}\n"
    )
    now = datetime.now(UTC)
    assert users.check_token(deployer, now) is None and users.check_token(viewer, now) is not None
    assert files.actions()[-1] == ("user.role", "alice", "now editor")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["disable", "ghost"], "there is no user 'ghost'"),
        (["enable", "ghost"], "there is no user 'ghost'"),
        (["role", "ghost", "viewer"], "there is no user 'ghost'"),
        (["token", "ghost"], "there is no user 'ghost'"),
        (["revoke", "0123456789ab"], "there is no API token '0123456789ab'"),
        (["token", "bob", "--role", "admin"], "a token of bob (editor) cannot be admin"),
        (["token", "bob", "--expires", "soon"], "'soon' is not a date and time like 2027-01-31"),
    ],
)
def test_a_change_that_cannot_be_made_is_one_line_and_exit_2(
    files: Files, args: list[str], message: str
) -> None:
    add("bob", "editor")
    before = files.users.read_bytes()
    result = run("users", *args)
    assert result.exit_code == 2
    assert result.stderr == f"sce: error: {message}\n"
    assert files.users.read_bytes() == before and len(files.records()) == 1


# -- tokens -------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_kept_as_a_hash(files: Files) -> None:
    add("alice")
    result = run("users", "token", "alice", "--label", "CI", "--expires", "2099-01-31T18:00Z")
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.strip()
    assert result.stdout == secret + "\n"  # alone on stdout: TOKEN=$(sce users token alice)
    assert "shown once" in result.stderr and "sce users revoke" in result.stderr
    assert secret not in files.users.read_text() and secret not in files.audit.read_text()
    assert secret not in run("users", "list").stdout

    found = UserFile(files.users).check_token(secret, datetime.now(UTC))
    assert found is not None
    user, token = found
    assert (user.name, token.role, token.label) == ("alice", "admin", "CI")
    assert token.expires == "2099-01-31T18:00:00+00:00"
    assert files.actions()[-1] == ("token.create", token.id, "for alice as admin")

    revoked = run("users", "revoke", token.id)
    assert revoked.stdout == f"revoked token {token.id} of alice\n"
    assert UserFile(files.users).check_token(secret, datetime.now(UTC)) is None
    assert files.actions()[-1] == ("token.revoke", token.id, "of alice")


# -- with the server -----------------------------------------------------------------------------


def test_what_sce_users_does_is_what_the_server_sees_and_records(
    client: FlaskClient, server_config: RuntimeConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user added from the shell logs into the running server at its next request, a token
    made there works, and the server's audit log has the shell's changes beside its own."""
    monkeypatch.setenv("SCE_USERS", server_config.users)
    monkeypatch.setenv("SCE_AUDIT", server_config.audit)
    assert client.get("/api/flows").status_code == 200  # nobody a user: reads are open
    add("alice", "deployer")
    assert client.get("/api/flows").status_code == 401  # now somebody is: nothing is open

    login = client.post("/api/session", json={"user": "alice", "password": PASSWORD})
    assert login.status_code == 201 and login.json["role"] == "deployer"
    assert client.get("/api/flows").status_code == 200

    secret = run("users", "token", "alice", "--role", "viewer").stdout.strip()
    bearer = {"Authorization": f"Bearer {secret}"}
    client.delete("/api/session")
    assert client.get("/api/flows", headers=bearer).status_code == 200

    run("users", "disable", "alice")
    assert client.get("/api/flows", headers=bearer).status_code == 401
    run("users", "enable", "alice")
    admin = {"Authorization": f"Bearer {server_config.api_token}"}
    records = client.get("/api/audit", headers=admin).json["records"]
    seen = [(r["action"], r["via"], r["who"]) for r in reversed(records)]
    me = getpass.getuser()
    assert seen == [
        ("user.add", "cli", me),
        ("login", "session", "alice"),
        ("token.create", "cli", me),
        ("logout", "session", "alice"),
        ("user.disable", "cli", me),
        ("user.enable", "cli", me),
    ]


# -- sce serve on a first start ------------------------------------------------------------------


def _banner(tmp_path: Path, users: Path) -> str:
    """What `sce serve` prints as it starts, with this users file."""
    env = {"SCE_USERS": str(users), "SCE_AUDIT": str(tmp_path / "audit.jsonl")}
    flows = tmp_path / "flows"
    if not flows.exists():
        shutil.copy(FLOWS / "hotline.flow", write(flows / "README", "").parent)
    port = free_port()
    command = [sys.executable, "-m", "sce.cli", "serve", "--port", str(port), "--no-watch"]
    with server([*command, "--flows", str(flows)], port, env, cwd=tmp_path) as running:
        return running.output()


def test_a_first_start_with_nobody_a_user_says_how_to_make_one(tmp_path: Path) -> None:
    banner = _banner(tmp_path, tmp_path / "users.json")
    assert (
        "note: no users yet: reads are open to anyone who can reach the port; create one with: "
        "sce users add NAME --role admin"
    ) in banner
    assert "webhooks  POST" in banner  # the other lines stay
    assert not (tmp_path / "users.json").exists()  # sce serve never makes a default user

    UserFile(tmp_path / "users.json").add("alice", "admin", PASSWORD)
    UserFile(tmp_path / "users.json").add("bob", "viewer", PASSWORD)
    banner = _banner(tmp_path, tmp_path / "users.json")
    assert "no users yet" not in banner and "read-only" not in banner
    assert f"users     2 in {tmp_path / 'users.json'}: log in at POST /api/session" in banner


def test_a_users_file_cut_short_is_named_and_left_as_it_was(files: Files) -> None:
    add("alice")
    broken = files.users.read_bytes()[:40]
    files.users.write_bytes(broken)
    for args in (("list",), ("disable", "alice")):
        result = run("users", *args)
        assert result.exit_code == 2
        assert f"{files.users}: not a users file sce can read" in result.stderr
    assert files.users.read_bytes() == broken
