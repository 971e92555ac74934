"""JSON API, version 1: health, public voice submission and status, staff endpoints behind API tokens."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from web.api import cli, openapi, views, voices  # noqa: F401  (registers the routes and commands)
