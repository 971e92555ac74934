"""Counter and phone entry with live suggestions, and meetings (会合) with their remarks."""
from flask import Blueprint

bp = Blueprint("counter", __name__, url_prefix="/staff")

# Who logs voices by hand: the front desk, the 広聴 desk, section staff and administrators.
INTAKE_ROLES = ("counter", "hearing", "section_staff", "section_head", "admin")

from web.counter import views  # noqa: F401  (registers the routes)
