"""Fixtures shared by test packages: the server's (a copy of the bundled flows, the app on them,
its client, the API token), used by tests/runtime/server, tests/api and the CLI's --server
tests. A plugin, because only the top conftest may load one."""

pytest_plugins = ["tests.runtime.server.fixtures"]
