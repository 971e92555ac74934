"""Administrator changes: each function validates, writes, audits and commits once."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from models import (
    DONE_STATUSES,
    MATCH_TYPES,
    ROLES,
    VOICE_TYPES,
    Assignment,
    Department,
    ReplyTemplate,
    RoutingRule,
    Section,
    User,
    Voice,
    audit,
    db,
    get_setting,
    set_setting,
)
from routing.handover import HandOver, hand_over
from routing.rules import validate_pattern
from voices import login, rollups, staff_sessions

# Roles whose work is tied to one 課 (their queue, or the voices they entered at the counter).
SECTION_REQUIRED_ROLES = frozenset({"section_staff", "section_head", "counter"})
PASSWORD_MIN = 12


class AdminError(ValueError):
    """A change the administrator cannot make; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _fail(message: str, field: str | None = None) -> AdminError:
    db.session.rollback()
    return AdminError(message, field)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the keys that changed, as {"before": …, "after": …}."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after[k] for k in keys}}


def _audit_update(actor: User, action: str, target_type: str, target_id: Any, before: dict[str, Any],
                  after: dict[str, Any]) -> None:
    """Audit an edit with the changed fields only; an edit that changed nothing leaves no row."""
    changes = _changes(before, after)
    if changes["after"]:
        audit(actor, action, target_type, target_id, **changes)


def _get(model, object_id: int, what: str):
    obj = db.session.get(model, object_id)
    if obj is None:
        raise _fail(f"{what}が見つかりません。")
    return obj


# --- 部 and 課 ---------------------------------------------------------------------------------------

def _department_snapshot(department: Department) -> dict[str, Any]:
    return {"name": department.name, "sort_order": department.sort_order}


def save_department(actor: User, department_id: int | None, *, name: str, sort_order: int) -> Department:
    """Create (``department_id`` None) or rename/reorder a 部."""
    clash = db.session.scalar(select(Department.id).where(Department.name == name))
    if clash is not None and clash != department_id:
        raise _fail("同じ名称の部が既にあります。", "name")
    if department_id is None:
        department = Department(name=name, sort_order=sort_order)
        db.session.add(department)
        db.session.flush()
        audit(actor, "department.create", "department", department.id, after=_department_snapshot(department))
    else:
        department = _get(Department, department_id, "部")
        before = _department_snapshot(department)
        department.name, department.sort_order = name, sort_order
        _audit_update(actor, "department.update", "department", department.id, before,
                      _department_snapshot(department))
    db.session.commit()
    return department


def _section_snapshot(section: Section) -> dict[str, Any]:
    department = db.session.get(Department, section.department_id)
    successor = db.session.get(Section, section.successor_id) if section.successor_id else None
    return {
        "name": section.name, "department": department.name if department else None,
        "description": section.description, "sort_order": section.sort_order,
        "active": section.active, "is_hearing": section.is_hearing,
        "successor": successor.name if successor else None, "classifier_label": section.classifier_label,
    }


def open_voice_count(section_id: int) -> int:
    """Voices not yet closed that the 課 owns or takes part in (協議・情報共有)."""
    involved = select(Assignment.voice_id).where(
        Assignment.section_id == section_id, Assignment.active.is_(True))
    return db.session.scalar(
        select(func.count(Voice.id)).where(
            Voice.status.notin_(DONE_STATUSES),
            or_(Voice.section_id == section_id, Voice.id.in_(involved)),
        )
    ) or 0


def open_voice_counts() -> dict[int, int]:
    """Open voices per owning 課, for the list page."""
    rows = db.session.execute(
        select(Voice.section_id, func.count(Voice.id))
        .where(Voice.status.notin_(DONE_STATUSES), Voice.section_id.is_not(None))
        .group_by(Voice.section_id)
    )
    return {section_id: count for section_id, count in rows}


def save_section(actor: User, section_id: int | None, *, name: str, department_id: int, description: str,
                 sort_order: int, active: bool, is_hearing: bool, successor_id: int | None = None
                 ) -> tuple[Section, HandOver | None]:
    """Create or edit a 課; keeps exactly one active 広聴. Returns the 課 and what it handed over.

    A rename keeps the 課's classifier label, so the model keeps routing to it (機構改革). A retired 課
    may name an active 課 that takes over its duties: its open voices, staff, rules and action items move
    there (``routing.handover``), the model's voices for it go there, and retraining teaches its examples
    to that 課. Without a successor, a 課 with open voices cannot be retired."""
    clash = db.session.scalar(select(Section.id).where(Section.name == name))
    if clash is not None and clash != section_id:
        raise _fail("同じ名称の課が既にあります。", "name")
    if db.session.get(Department, department_id) is None:
        raise _fail("部を一覧から選んでください。", "department_id")
    if successor_id is not None:
        _check_successor(section_id, successor_id, active)
    section = Section(classifier_label=_new_classifier_label(name)) if section_id is None else _get(Section, section_id, "課")
    before = _section_snapshot(section) if section_id is not None else None
    if section.is_hearing and not is_hearing:
        raise _fail("広聴の課は必ず1つ必要です。外すときは、別の課を広聴に指定してください。", "is_hearing")
    if is_hearing and not active:
        raise _fail("広聴の課は無効にできません。", "active")
    if section_id is not None and section.active and not active and successor_id is None:
        waiting = open_voice_count(section.id)
        if waiting:
            raise _fail(f"この課には完了していない声が{waiting}件あるため、無効にできません。"
                        "回送または完了するか、事務を引き継ぐ課を選んでください。", "active")

    if before is not None:
        rollups.rename_section(before["name"], name)
    section.name, section.department_id, section.description = name, department_id, description
    section.sort_order, section.active, section.is_hearing = sort_order, active, is_hearing
    section.successor_id = successor_id
    if section_id is None:
        db.session.add(section)
    db.session.flush()
    if is_hearing:
        _move_hearing_to(section, actor)
    if before is None:
        audit(actor, "section.create", "section", section.id, after=_section_snapshot(section))
    else:
        _audit_update(actor, "section.update", "section", section.id, before, _section_snapshot(section))
    handed = hand_over(section, db.session.get(Section, successor_id), actor) if successor_id is not None else None
    db.session.commit()
    return section, handed


def _check_successor(section_id: int | None, successor_id: int, active: bool) -> None:
    if active:
        raise _fail("事務を引き継ぐ課は、この課を無効にするときだけ指定できます。", "successor_id")
    successor = db.session.get(Section, successor_id)
    if successor is None or not successor.active or successor_id == section_id:
        raise _fail("事務を引き継ぐ課は、有効なほかの課から選んでください。", "successor_id")


def _new_classifier_label(name: str) -> str:
    """A new 課's classifier label: its name, unless a renamed 課 still carries that label (then the new
    課 is a different one to the model: 「市民窓口課（2）」)."""
    taken = set(db.session.scalars(select(Section.classifier_label)))
    label, number = name, 1
    while label in taken:
        number += 1
        label = f"{name}（{number}）"
    return label


def _move_hearing_to(section: Section, actor: User) -> None:
    """Unmark every other 広聴 section, auditing each."""
    others = select(Section).where(Section.is_hearing.is_(True), Section.id != section.id)
    for other in db.session.scalars(others):
        other.is_hearing = False
        audit(actor, "section.update", "section", other.id, before={"is_hearing": True},
              after={"is_hearing": False}, reason=f"広聴を{section.name}に変更")


# --- users -------------------------------------------------------------------------------------------

def _user_snapshot(user: User) -> dict[str, Any]:
    """What the audit log may record about an account: never the password hash."""
    section = db.session.get(Section, user.section_id) if user.section_id else None
    return {
        "login_id": user.login_id, "display_name": user.display_name, "email": user.email,
        "role": user.role, "section": section.name if section else None, "active": user.active,
    }


def _check_role_and_section(role: str, section_id: int | None, current_section_id: int | None = None) -> None:
    if role not in ROLES:
        raise _fail("役割を一覧から選んでください。", "role")
    if role in SECTION_REQUIRED_ROLES and section_id is None:
        raise _fail(f"役割が「{ROLES[role]}」のときは所属課を選んでください。", "section_id")
    if section_id is not None:
        section = db.session.get(Section, section_id)
        if section is None or (not section.active and section_id != current_section_id):
            raise _fail("所属課を一覧から選んでください。", "section_id")


def _other_active_admins(user_id: int) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user_id)) or 0


def _check_not_removing_last_admin(actor: User, user: User, role: str, active: bool) -> None:
    if user.role == "admin" and user.active and (role != "admin" or not active):
        if user.id == actor.id:
            raise _fail("自分自身の管理者権限を外したり、無効にしたりすることはできません。",
                        "role" if role != "admin" else "active")
        if _other_active_admins(user.id) == 0:
            raise _fail("有効な管理者が1人もいなくなるため、変更できません。", "role")


def create_user(actor: User, *, login_id: str, display_name: str, email: str, role: str,
                section_id: int | None, password: str) -> User:
    """A new staff account with an initial password."""
    if db.session.scalar(select(User.id).where(func.lower(User.login_id) == login_id.lower())) is not None:
        raise _fail("このログインIDは既に使われています。", "login_id")
    _check_role_and_section(role, section_id)
    if len(password) < PASSWORD_MIN:
        raise _fail(f"パスワードは{PASSWORD_MIN}文字以上にしてください。", "password")
    user = User(login_id=login_id, display_name=display_name, email=email, role=role, section_id=section_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit(actor, "user.create", "user", user.id, after=_user_snapshot(user))
    db.session.commit()
    return user


def update_user(actor: User, user_id: int, *, display_name: str, email: str, role: str,
                section_id: int | None, active: bool) -> User:
    """Change an account's name, address, role, 課 or whether it may sign in."""
    user = _get(User, user_id, "職員")
    _check_role_and_section(role, section_id, user.section_id)
    _check_not_removing_last_admin(actor, user, role, active)
    before = _user_snapshot(user)
    user.display_name, user.email, user.role, user.section_id, user.active = (
        display_name, email, role, section_id, active)
    _audit_update(actor, "user.update", "user", user.id, before, _user_snapshot(user))
    if before["active"] and not active:
        staff_sessions.end_all(user.id, "deactivated")
    db.session.commit()
    return user


def deactivate_user(actor: User, user_id: int) -> User:
    """Stop an account from signing in; running it twice changes nothing."""
    user = _get(User, user_id, "職員")
    if not user.active:
        db.session.rollback()
        return user
    _check_not_removing_last_admin(actor, user, user.role, False)
    user.active = False
    ended = staff_sessions.end_all(user.id, "deactivated")
    audit(actor, "user.deactivate", "user", user.id, before={"active": True}, after={"active": False},
          sessions_ended=ended)
    db.session.commit()
    return user


def reset_password(actor: User, user_id: int, password: str) -> User:
    """Set a new password and end the account's sessions (a reset usually means it was exposed); the audit
    row records that it happened, never the password."""
    user = _get(User, user_id, "職員")
    if len(password) < PASSWORD_MIN:
        raise _fail(f"パスワードは{PASSWORD_MIN}文字以上にしてください。", "password")
    user.set_password(password)
    ended = staff_sessions.end_all(user.id, "password_reset")
    audit(actor, "user.password_reset", "user", user.id, login_id=user.login_id, sessions_ended=ended)
    db.session.commit()
    return user


def end_sessions(actor: User, user_id: int) -> int:
    """End every open session of an account (「すべてのセッションを終了」); returns how many were open."""
    user = _get(User, user_id, "職員")
    ended = staff_sessions.end_all(user.id, "admin")
    audit(actor, "user.sessions_end", "user", user.id, login_id=user.login_id, sessions_ended=ended)
    db.session.commit()
    return ended


def unlock_user(actor: User, user_id: int) -> User:
    """Clear the sign-in lockout of an account from every address (failed attempts and locks)."""
    user = _get(User, user_id, "職員")
    cleared = login.clear_failures(user)
    audit(actor, "user.unlock", "user", user.id,
          before={"failed_logins": cleared.failures, "locked_addresses": list(cleared.locked_addresses)},
          after={"failed_logins": 0, "locked_addresses": []})
    db.session.commit()
    return user


# --- routing rules -----------------------------------------------------------------------------------

def _rule_snapshot(rule: RoutingRule) -> dict[str, Any]:
    section = db.session.get(Section, rule.section_id)
    return {"name": rule.name, "match_type": rule.match_type, "pattern": rule.pattern,
            "section": section.name if section else None, "priority": rule.priority, "active": rule.active}


def save_rule(actor: User, rule_id: int | None, *, name: str, match_type: str, pattern: str,
              section_id: int, priority: int, active: bool) -> RoutingRule:
    """Create or edit a routing rule after checking its pattern."""
    if match_type not in MATCH_TYPES:
        raise _fail("条件の種類を一覧から選んでください。", "match_type")
    problem = validate_pattern(match_type, pattern)
    if problem:
        raise _fail(problem, "pattern")
    rule = RoutingRule() if rule_id is None else _get(RoutingRule, rule_id, "ルール")
    section = db.session.get(Section, section_id)
    if section is None or (not section.active and section_id != rule.section_id):
        raise _fail("振り分け先の課を一覧から選んでください。", "section_id")
    before = _rule_snapshot(rule) if rule_id is not None else None
    rule.name, rule.match_type, rule.pattern = name, match_type, pattern.strip()
    rule.section_id, rule.priority, rule.active = section_id, priority, active
    if rule_id is None:
        db.session.add(rule)
    db.session.flush()
    if before is None:
        audit(actor, "rule.create", "rule", rule.id, after=_rule_snapshot(rule))
    else:
        _audit_update(actor, "rule.update", "rule", rule.id, before, _rule_snapshot(rule))
    db.session.commit()
    return rule


def deactivate_rule(actor: User, rule_id: int) -> RoutingRule:
    """"Delete" a rule: it stops applying but stays for the history of past routings."""
    rule = _get(RoutingRule, rule_id, "ルール")
    if not rule.active:
        db.session.rollback()
        return rule
    rule.active = False
    audit(actor, "rule.deactivate", "rule", rule.id, before={"active": True}, after={"active": False})
    db.session.commit()
    return rule


# --- settings ----------------------------------------------------------------------------------------

def current_settings() -> dict[str, Any]:
    """The settings the administrator edits, as stored (or their defaults)."""
    return {key: get_setting(key) for key in
            ("routing.auto_threshold", "due_days", "escalation.days_overdue", "tarai.alert_forwards",
             "retention.years", "model.retrain_new_labels")}


def save_settings(actor: User, *, auto_threshold: float, due_days: dict[str, int], escalation_days: int,
                  tarai_forwards: int, retention_years: int, retrain_new_labels: int) -> list[str]:
    """Store the changed settings, one audit row per key with before/after; returns the changed keys."""
    if not 0 <= auto_threshold <= 1:
        raise _fail("しきい値は0から1までの数値で入力してください。", "auto_threshold")
    if "default" not in due_days:
        raise _fail("標準の回答期限を入力してください。", "due_default")
    for key, days in due_days.items():
        if key != "default" and key not in VOICE_TYPES:
            raise _fail("種別が正しくありません。")
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise _fail("回答期限は1から365までの整数（営業日）で入力してください。", "due_default")
    if not 0 <= escalation_days <= 365:
        raise _fail("0から365までの整数で入力してください。", "escalation_days")
    if not 1 <= tarai_forwards <= 20:
        raise _fail("1から20までの整数で入力してください。", "tarai_forwards")
    if not 1 <= retention_years <= 30:
        raise _fail("1から30までの整数（年）で入力してください。", "retention_years")
    if not 0 <= retrain_new_labels <= 100000:
        raise _fail("0から100000までの整数で入力してください。", "retrain_new_labels")
    wanted = {
        "routing.auto_threshold": round(float(auto_threshold), 4),
        "due_days": dict(due_days),
        "escalation.days_overdue": int(escalation_days),
        "tarai.alert_forwards": int(tarai_forwards),
        "retention.years": int(retention_years),
        "model.retrain_new_labels": int(retrain_new_labels),
    }
    changed = []
    for key, after in wanted.items():
        before = get_setting(key)
        if before != after:
            set_setting(key, after)
            audit(actor, "setting.update", "setting", key, before=before, after=after)
            changed.append(key)
    db.session.commit()
    return changed


# --- reply templates ---------------------------------------------------------------------------------

def _template_snapshot(template: ReplyTemplate) -> dict[str, Any]:
    return {"title": template.title, "voice_type": template.voice_type, "body": template.body,
            "active": template.active}


def save_template(actor: User, template_id: int | None, *, title: str, voice_type: str, body: str,
                  active: bool) -> ReplyTemplate:
    """Create or edit a reply template (``voice_type`` empty = for every type)."""
    if voice_type and voice_type not in VOICE_TYPES:
        raise _fail("種別を一覧から選んでください。", "voice_type")
    if not body.strip():
        raise _fail("本文を入力してください。", "body")
    template = ReplyTemplate() if template_id is None else _get(ReplyTemplate, template_id, "回答文例")
    before = _template_snapshot(template) if template_id is not None else None
    template.title, template.voice_type, template.body, template.active = title, voice_type, body, active
    if template_id is None:
        db.session.add(template)
    db.session.flush()
    if before is None:
        audit(actor, "template.create", "reply_template", template.id, after=_template_snapshot(template))
    else:
        _audit_update(actor, "template.update", "reply_template", template.id, before,
                      _template_snapshot(template))
    db.session.commit()
    return template


def deactivate_template(actor: User, template_id: int) -> ReplyTemplate:
    """Hide a reply template from staff; running it twice changes nothing."""
    template = _get(ReplyTemplate, template_id, "回答文例")
    if not template.active:
        db.session.rollback()
        return template
    template.active = False
    audit(actor, "template.deactivate", "reply_template", template.id, before={"active": True},
          after={"active": False})
    db.session.commit()
    return template
