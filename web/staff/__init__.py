"""Staff pages: sign-in, a section's queue, a voice's page, and the 広聴 triage list."""
from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from web.staff import views  # noqa: F401  (registers the routes)
