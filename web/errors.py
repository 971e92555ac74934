"""Error pages in Japanese; an expired form keeps what the citizen typed."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register(app: Flask) -> None:
    """Register handlers for the errors users can meet."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        if request.endpoint in ("public.new_voice", "public.confirm"):
            from web.public.views import render_after_expired_form

            return render_after_expired_form(), 400
        return render_template(
            "error.html", title="画面の有効期限が切れました",
            message="画面を開いてから時間がたったため、送信できませんでした。もう一度操作してください。",
        ), 400

    @app.errorhandler(400)
    def _bad_request(error):
        # CSRFError is a 400 too, but its own handler above is the more specific one and wins.
        if _wants_json():
            return jsonify(error="bad_request", message="リクエストの内容が正しくありません。"), 400
        return render_template("error.html", title="リクエストの内容が正しくありません",
                               message="送信された内容を受け付けられませんでした。"
                                       "画面を開き直して、もう一度操作してください。"), 400

    @app.errorhandler(403)
    def _forbidden(error):
        if _wants_json():
            return jsonify(error="forbidden", message="この操作を行う権限がありません。"), 403
        return render_template("error.html", title="権限がありません",
                               message="このページを表示する、またはこの操作を行う権限がありません。"), 403

    @app.errorhandler(404)
    def _not_found(error):
        if _wants_json():
            return jsonify(error="not_found", message="見つかりません。"), 404
        return render_template("error.html", title="ページが見つかりません",
                               message="お探しのページは見つかりませんでした。"), 404

    @app.errorhandler(405)
    def _method_not_allowed(error: MethodNotAllowed):
        if _wants_json():
            response = jsonify(error="method_not_allowed", message="この操作には対応していません。")
        else:
            response = make_response(render_template(
                "error.html", title="この操作はできません",
                message="このページは、この方法では開けません。入力画面やトップページから、もう一度操作してください。"))
        response.status_code = 405
        response.headers["Allow"] = ", ".join(error.valid_methods or ())
        return response

    @app.errorhandler(413)
    def _too_large(error):
        if _wants_json():
            return jsonify(error="too_large", message="送信内容が大きすぎます。"), 413
        return render_template("error.html", title="送信内容が大きすぎます",
                               message="送信できる大きさを超えています。内容を短くしてください。"), 413

    @app.errorhandler(500)
    def _server_error(error):
        if _wants_json():
            return jsonify(error="server_error", message="システムエラーが発生しました。"), 500
        return render_template("error.html", title="システムエラー",
                               message="申し訳ありません。時間をおいてもう一度お試しください。"), 500
