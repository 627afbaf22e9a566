"""The authoring API is tested through the whole server app, as the designer reaches it: the
server tests' fixtures (a copy of the bundled flows, the app on them, its client, the token)."""

from tests.runtime.server.conftest import (  # noqa: F401  (fixtures)
    app,
    client,
    flows_dir,
    server_config,
    service,
    writer,
)
