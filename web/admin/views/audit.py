"""The audit log viewer: administrator actions and voice events, filtered and paginated."""
from __future__ import annotations

from flask import render_template, request

from models import db
from web.admin import bp
from web.admin.audit_log import (
    ACTION_LABELS,
    PER_PAGE,
    TABS,
    Filters,
    action_choices,
    audit_query,
    describe,
    event_query,
)
from web.admin.forms import AuditFilterForm
from web.pagination import page_arg


@bp.get("/audit")
def audit():
    """Newest first, 50 per page; filters by action/kind, actor, JST date range and 受付番号."""
    tab = request.args.get("tab", "audit")
    if tab not in TABS:
        tab = "audit"
    form = AuditFilterForm(request.args)
    form.action.choices = action_choices(tab)
    filters = Filters()
    if form.validate():
        filters = Filters(action=form.action.data or "", actor=form.actor.data or "",
                          date_from=form.date_from.data, date_to=form.date_to.data,
                          receipt_no=form.receipt_no.data or "")
    query = event_query(filters) if tab == "events" else audit_query(filters)
    page = page_arg()
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    if page > max(pagination.pages, 1):  # a page past the end shows the last one
        pagination = db.paginate(query, page=max(pagination.pages, 1), per_page=PER_PAGE, error_out=False)
    kept = {k: v for k, v in request.args.items() if k != "page" and v}
    kept["tab"] = tab
    return render_template("admin/audit.html", active="audit", tab=tab, tabs=TABS, form=form,
                           pagination=pagination, kept=kept, describe=describe, action_labels=ACTION_LABELS)
