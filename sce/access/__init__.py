"""People and machines using the authoring API: users with roles (`users`), what each role may
do (`roles`), browser sessions and login attempts (`logins`), and the audit trail (`audit`).

The Flask side, one permission check for every route, is `sce.api.auth`; the Redis versions of
the stores live in the runtime (`runtime.store`), which shares them between processes.
"""
