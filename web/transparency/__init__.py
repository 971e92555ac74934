"""The public みえる化 page (no login): voices per reform measure, answer times, published voices."""
from flask import Blueprint

bp = Blueprint("transparency", __name__, url_prefix="/mieruka")

from web.transparency import views  # noqa: F401  (registers the routes)
