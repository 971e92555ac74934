"""Public pages for citizens: the voice form (入力 → 確認 → 完了) and the status lookup."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from web.public import views  # noqa: F401  (registers the routes)
