"""The authoring HTTP API (flows, revisions, drafts checked like `sce lint`/`sce compile`): Flask
blueprints the runtime server mounts under `/api`, next to its deploy and simulate endpoints.

One way to read a request (`sce.api.requests`), one JSON error shape for every endpoint
(`sce.api.errors`), one permission check (`sce.api.auth`): the designer, the CLI
(`sce deploy --server`) and scripts all come in this way.
"""
