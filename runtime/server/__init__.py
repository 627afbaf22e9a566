"""The runtime server: TwiML webhooks (`voice`), the authoring, deploy and simulate API
(`api`), `/healthz` and `/metrics` (`health`), built by `app.create_app` and run under gunicorn
by `sce serve` (`gunicorn`)."""

#: prometheus_client reads it when first imported: `sce serve` sets it before anything imports
#: the metrics, so that every worker's counts are summed (see runtime.server.metrics).
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
