"""Routing rules: list in priority order, create, edit, delete (= deactivate), and try a text."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from models import MATCH_TYPES, RoutingRule, db
from routing.rules import compiled_regex, first_matching_rule, rule_matches
from web.admin import bp, services
from web.admin.forms import ActionForm, RuleForm, RuleTestForm
from web.admin.views import form_values, section_choices, show_error

RULE_FIELDS = ("name", "match_type", "pattern", "section_id", "priority", "active")


def _all_rules() -> list[RoutingRule]:
    return list(db.session.scalars(
        select(RoutingRule).order_by(RoutingRule.active.desc(), RoutingRule.priority, RoutingRule.id)))


def _render_list(test_form: RuleTestForm, result: dict | None = None):
    rules = _all_rules()
    # rules saved before patterns were checked against RE2 may hold one it cannot run: they never match
    unusable_ids = {r.id for r in rules if r.match_type == "regex" and compiled_regex(r.pattern) is None}
    return render_template("admin/rules.html", active="rules", rules=rules, match_types=MATCH_TYPES,
                           test_form=test_form, result=result, unusable_ids=unusable_ids)


@bp.get("/rules")
def rules():
    """Every rule, the ones that apply first at the top."""
    return _render_list(RuleTestForm())


@bp.post("/rules/test")
def rule_test():
    """Which rule would route this text (POST so that the text stays out of URLs and logs)."""
    form = RuleTestForm()
    result = None
    if form.validate_on_submit():
        text = form.text.data
        result = {
            "winner": first_matching_rule(text),
            "matching_ids": {rule.id for rule in _all_rules() if rule_matches(rule, text)},
        }
    return _render_list(form, result)


@bp.route("/rules/new", methods=["GET", "POST"])
@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
def rule_form(rule_id: int | None = None):
    """Create or edit a rule; the pattern is checked before it is saved."""
    rule = None
    if rule_id is not None:
        rule = db.session.get(RoutingRule, rule_id) or abort(404)
    form = RuleForm(obj=rule)
    form.section_id.choices = section_choices("選んでください", rule.section_id if rule else None)
    error = None
    if form.validate_on_submit():
        try:
            saved = services.save_rule(current_user, rule_id, **form_values(form, *RULE_FIELDS))
        except services.AdminError as problem:
            error = show_error(form, problem)
        else:
            flash(f"ルール「{saved.name}」を{'追加' if rule_id is None else '更新'}しました。")
            return redirect(url_for("admin.rules"), 303)
    return render_template("admin/rule_form.html", active="rules", form=form, rule=rule, error=error)


@bp.post("/rules/<int:rule_id>/deactivate")
def rule_deactivate(rule_id: int):
    """Delete a rule from routing (it is kept, inactive, for the history)."""
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.deactivate_rule(current_user, rule.id)
    flash(f"ルール「{rule.name}」を削除（無効化）しました。")
    return redirect(url_for("admin.rules"), 303)
