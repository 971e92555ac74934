"""Error pages in Japanese; an expired form keeps what the citizen (or counter staff) typed."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    """Register handlers for the errors users can meet."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        if request.endpoint in ("public.new_voice", "public.confirm"):
            from web.public.views import render_after_expired_form

            return render_after_expired_form(), 400
        if request.endpoint == "counter.form":
            from web.counter.views import render_after_expired_form as render_counter_form

            page = render_counter_form()
            if page is not None:
                return page, 400
            from web.counter.resume import sign_in_keeping_input

            # No session left at all (its cookie is gone): the token could not match, and nobody is signed in.
            page = sign_in_keeping_input()
            if page is not None:
                return page
        return render_template(
            "error.html", title="画面の有効期限が切れました",
            message="画面を開いてから時間がたったため、送信できませんでした。もう一度操作してください。",
        ), 400

    for status in _PAGES:
        app.register_error_handler(status, _error_response)


# status → (JSON error code, JSON message, page title, page message)
_PAGES: dict[int, tuple[str, str, str, str]] = {
    400: ("bad_request", "リクエストの内容が正しくありません。", "リクエストの内容が正しくありません",
          "送信された内容を受け付けられませんでした。画面を開き直して、もう一度操作してください。"),
    403: ("forbidden", "この操作を行う権限がありません。", "権限がありません",
          "このページを表示する、またはこの操作を行う権限がありません。"),
    404: ("not_found", "見つかりません。", "ページが見つかりません", "お探しのページは見つかりませんでした。"),
    405: ("method_not_allowed", "この操作には対応していません。", "この操作はできません",
          "このページは、この方法では開けません。入力画面やトップページから、もう一度操作してください。"),
    413: ("too_large", "送信内容が大きすぎます。", "送信内容が大きすぎます",
          "送信できる大きさを超えています。内容を短くしてください。"),
    500: ("server_error", "システムエラーが発生しました。", "システムエラー",
          "申し訳ありません。時間をおいてもう一度お試しください。"),
}


def _error_response(error: HTTPException):
    """The Japanese page, or JSON under /api/, for an HTTP error (CSRFError, a 400, has its own above)."""
    status = error.code if isinstance(error, HTTPException) else 500
    code, json_message, title, message = _PAGES[status]
    if _wants_json():
        response = jsonify(error=code, message=json_message)
    else:
        response = make_response(render_template("error.html", title=title, message=message))
    response.status_code = status
    if isinstance(error, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(error.valid_methods or ())
    return response
