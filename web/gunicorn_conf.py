"""gunicorn settings of the web service: ``gunicorn -c python:web.gunicorn_conf web.wsgi:app``.

Each worker loads the active classifier as it starts (about 3 s: scikit-learn, the Sudachi dictionary
and the model), so that the first counter suggestion after a deploy does not wait for it.
"""
from __future__ import annotations

import logging
import os

bind = os.environ.get("MIRAI_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
accesslog = "-"
# gunicorn 25+ opens a control socket in the user's home; a service account may have none, and the
# service does not use it (older gunicorn ignores the name).
control_socket_disable = True

log = logging.getLogger(__name__)


def post_worker_init(worker) -> None:
    """Load the active model now. A missing or unusable one is left to `flask model-ensure` (deploy
    step) or the first prediction: training here would outlast gunicorn's worker timeout."""
    import classifier
    from classifier import artifacts

    version = classifier.active_version()
    if version is None or not artifacts.is_loadable(version):
        log.warning("no usable active model to load at worker start (%s)", version)
        return
    classifier.predict("起動時の読み込み")
