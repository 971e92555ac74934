"""Imports of voices and meeting remarks from CSV/XLSX files: the staff pages and the CLI command."""
from flask import Blueprint

# cli_group=None puts the command at the top level: `flask --app web import-voices FILE --kind …`
bp = Blueprint("imports", __name__, url_prefix="/staff/imports", cli_group=None)

IMPORT_ROLES = ("counter", "hearing", "section_staff", "section_head", "admin")

from web.imports import cli, views  # noqa: F401  (registers the routes and the command)
