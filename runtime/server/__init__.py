"""The runtime server: TwiML webhooks (`voice`), the authoring, deploy and simulate API
(`api`), `/healthz` and `/metrics` (`health`), built by `app.create_app` and run under gunicorn
by `sce serve` (`gunicorn`)."""
