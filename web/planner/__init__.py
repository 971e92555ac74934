"""Planner pages (企画・行政改革担当, also 広聴 and admin): the measure matrix, measure pages, exports and
the 行政改革懇談会 report; plus the staff actions that link a voice to measures and action items."""
from flask import Blueprint

from web.auth import roles_required

PLANNER_ROLES = ("planner", "hearing", "admin")

bp = Blueprint("planner", __name__, url_prefix="/planner")
links_bp = Blueprint("links", __name__, url_prefix="/staff/voices")


@bp.before_request
@roles_required(*PLANNER_ROLES)
def _planners_only() -> None:
    """Every planner page is for planners, 広聴 and administrators."""


from web.planner import action_items_views, links_views, views  # noqa: F401  (registers the routes)
