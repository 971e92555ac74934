"""Administrator pages: organization, users, routing rules, settings, reply templates, the audit log."""
from flask import Blueprint

from web.auth import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def _admins_only() -> None:
    """Every page of this blueprint is for administrators only (anonymous users go to sign-in)."""


from web.admin import views  # noqa: F401  (registers the routes)
