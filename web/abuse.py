"""Abuse protection of the public endpoints: rate limits, the form's honeypot, JSON 429 answers.

Limits are per client IP and configurable (``RATE_LIMIT_SUBMIT``, ``RATE_LIMIT_STATUS``,
``RATE_LIMIT_API_TOKEN``; see web/config.py). The public form and ``POST /api/v1/voices`` share one
budget, as do the status page and ``GET /api/v1/voices/{受付番号}``. The size cap on requests is
Flask's ``MAX_CONTENT_LENGTH`` (413, answered in JSON under /api/).
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from web.extensions import limiter

# The form field bots fill in and people never see (hidden with CSS, skipped by keyboard and readers).
HONEYPOT_FIELD = "website"
SUBMIT_SCOPE = "voice-submit"
STATUS_SCOPE = "status-lookup"


def _submit_limit() -> str:
    return current_app.config["RATE_LIMIT_SUBMIT"]


def _status_limit() -> str:
    return current_app.config["RATE_LIMIT_STATUS"]


def _going_back() -> bool:
    """「修正する」 on the confirmation page stores nothing, so it does not count.

    Must never raise: Flask-Limiter takes an exception here for a dead storage backend.
    """
    if request.mimetype != "application/x-www-form-urlencoded":
        return False
    try:
        return request.form.get("action") == "back"
    except HTTPException:  # e.g. 413: the view answers it
        return False


submit_limit = limiter.shared_limit(_submit_limit, scope=SUBMIT_SCOPE, methods=["POST"], exempt_when=_going_back)
status_limit = limiter.shared_limit(_status_limit, scope=STATUS_SCOPE, methods=["GET", "POST"],
                                    exempt_when=lambda: request.method == "GET" and not request.path.startswith("/api/"))

# Public views of other blueprints that the limits apply to (endpoint → decorator).
PUBLIC_LIMITS = {
    "public.confirm": submit_limit,
    "public.status": status_limit,
}


def register(app: Flask) -> None:
    """Apply the limits to the public form views, check the honeypot, answer 429 in Japanese."""
    for endpoint, decorator in PUBLIC_LIMITS.items():
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = decorator(app.view_functions[endpoint])

    @app.before_request
    def _honeypot():
        if request.method == "POST" and request.endpoint in ("public.new_voice", "public.confirm") \
                and request.form.get(HONEYPOT_FIELD, "").strip():
            return render_template("error.html", title="送信できませんでした",
                                   message="送信内容を確認できませんでした。もう一度、最初から入力してください。"), 400
        return None

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded):
        if request.path.startswith("/api/"):
            response = jsonify(error="rate_limited",
                               message="短い時間に多くの送信がありました。しばらくしてからもう一度お試しください。")
        elif request.endpoint == "public.confirm":  # keep what the citizen typed, as for an expired form
            from web.public.views import render_typed_form

            response = current_app.make_response((render_typed_form(
                "短い時間に多くの送信がありました。入力内容はそのまま残っています。"
                "しばらくしてからもう一度お試しください。"), 429))
        else:
            response = current_app.make_response((render_template(
                "error.html", title="しばらくお待ちください",
                message="短い時間に多くの送信がありました。しばらくしてからもう一度お試しください。"), 429))
        response.status_code = 429
        return response  # Flask-Limiter adds Retry-After and the X-RateLimit headers
