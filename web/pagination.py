"""The page number of a paginated page, read from the query string."""
from __future__ import annotations

from flask import request

# Far past any list we show, and small enough that the OFFSET it makes fits every database's integers
# (a page number straight from the URL overflows SQLite and PostgreSQL alike).
MAX_PAGE = 100_000


def page_arg(name: str = "page") -> int:
    """The requested page number: 1 for junk or a number below 1, at most ``MAX_PAGE``."""
    return min(max(request.args.get(name, 1, type=int) or 1, 1), MAX_PAGE)
