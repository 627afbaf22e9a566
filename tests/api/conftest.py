"""Fixtures of the access tests (tests/api/people.py says who is who)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runtime.config import RuntimeConfig
from sce.access.roles import Role
from sce.access.users import UserFile
from tests.api.people import NAMES, PASSWORD, People


@pytest.fixture(scope="session")
def people_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[Role, str]]:
    """A users file with a user of every role and a token of that role each, made once."""
    path = tmp_path_factory.mktemp("people") / "users.json"
    users = UserFile(path)
    secrets = {}
    for role, name in NAMES.items():
        users.add(name, role, PASSWORD)
        secrets[role] = users.create_token(name, label="tests")[1]
    return path, secrets


@pytest.fixture
def people(people_file: tuple[Path, dict[Role, str]], server_config: RuntimeConfig) -> People:
    """The people, made users of the test's server (its users file is theirs)."""
    path, secrets = people_file
    target = Path(server_config.users)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return People(secrets)
