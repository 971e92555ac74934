"""The アクションプラン maintained by the administrator: save one item, or import a CSV/XLSX file.

An import reads the whole file first (UTF-8 with or without BOM, or CP932; or XLSX), checks every row
and says which rows are wrong and why; only a file without errors is stored, in one transaction, so a bad
file imports nothing. Rows and columns Excel hides count as wrong, as in voice imports: the administrator
would publish items they never saw. Rows are matched to existing items by 項目番号 (code): known codes are updated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from models import ACTION_ITEM_STATUSES, ActionItem, Measure, Section, User, audit, db
from voices.importers.reader import ImportFileError, file_format_of, open_table
from voices.importers.rows import cell_text, hidden_column_notices
from voices.validation import strip_control_chars

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("項目番号", "コード", "code"),
    "title": ("取組名", "タイトル", "title"),
    "description": ("内容", "説明", "description"),
    "measure": ("改革項目", "個別項目", "measure"),
    "section": ("担当課", "section"),
    "start_fiscal_year": ("開始年度", "start_fiscal_year"),
    "end_fiscal_year": ("終了年度", "end_fiscal_year"),
    "status": ("状況", "status"),
    "kpi": ("KPI", "kpi", "成果指標"),
}
REQUIRED = ("code", "title", "measure")
MULTILINE = ("description", "kpi")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
_YEAR = re.compile(r"^(?:令和(\d+|元)|R(\d+)|(\d{4}))年?度?$")
MAX_ROWS = 5000


class ActionItemError(ValueError):
    """A single item cannot be saved; the message is Japanese."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def _fiscal_year(value: str) -> int | None:
    value = value.strip().replace(" ", "")
    if not value:
        return None
    match = _YEAR.match(value)
    if not match:
        raise ValueError(f"年度「{value}」が読めません（例：2025 または 令和7）")
    if match.group(3):
        return int(match.group(3))
    reiwa = match.group(1) or match.group(2)
    return 2018 + (1 if reiwa == "元" else int(reiwa))


def _status(value: str) -> str:
    value = value.strip()
    if not value:
        return "planned"
    if value in ACTION_ITEM_STATUSES:
        return value
    for key, label in ACTION_ITEM_STATUSES.items():
        if value == label:
            return key
    raise ValueError(f"状況「{value}」は {'・'.join(ACTION_ITEM_STATUSES.values())} のどれかにしてください")


def validate(values: dict[str, str], measures: dict[str, int], sections: dict[str, int]) -> dict[str, Any]:
    """Check one item's fields (as text); returns model attributes or raises ValueError with all problems."""
    # Control characters (a NUL stops PostgreSQL, an ESC breaks the XLSX exports) go, as at intake.
    values = {name: strip_control_chars(str(value or ""), multiline=name in MULTILINE)
              for name, value in values.items()}
    problems: list[str] = []
    for name in REQUIRED:
        if not values.get(name, "").strip():
            problems.append(f"{COLUMNS[name][0]}がありません")
    code = values.get("code", "").strip()
    if code and not _CODE.match(code):
        problems.append(f"項目番号「{code}」は英数字・ハイフンで32文字以内にしてください")
    measure = values.get("measure", "").strip().upper().replace("－", "-")
    if measure and measure not in measures:
        problems.append(f"改革項目「{measure}」がありません（M1-1〜M7-3）")
    section = values.get("section", "").strip()
    if section and section not in sections:
        problems.append(f"担当課「{section}」がありません")
    attrs: dict[str, Any] = {}
    for name in ("start_fiscal_year", "end_fiscal_year"):
        try:
            attrs[name] = _fiscal_year(values.get(name, ""))
        except ValueError as error:
            problems.append(str(error))
    try:
        attrs["status"] = _status(values.get("status", ""))
    except ValueError as error:
        problems.append(str(error))
    if attrs.get("start_fiscal_year") and attrs.get("end_fiscal_year") and \
            attrs["end_fiscal_year"] < attrs["start_fiscal_year"]:
        problems.append("終了年度が開始年度より前です")
    if len(values.get("title", "")) > 200:
        problems.append("取組名は200文字以内にしてください")
    if problems:
        raise ValueError("、".join(problems))
    attrs.update(code=code, title=values["title"].strip(), description=values.get("description", "").strip(),
                 kpi=values.get("kpi", "").strip(), measure_id=measures[measure],
                 section_id=sections.get(section) if section else None)
    return attrs


def _lookups() -> tuple[dict[str, int], dict[str, int]]:
    measures = dict(db.session.execute(select(Measure.code, Measure.id)).all())
    sections = dict(db.session.execute(select(Section.name, Section.id)).all())
    return measures, sections


def save_item(values: dict[str, str], actor: User, item_id: int | None = None) -> ActionItem:
    """Create or update one item from form values; ActionItemError when a field is wrong."""
    measures, sections = _lookups()
    try:
        attrs = validate(values, measures, sections)
    except ValueError as error:
        raise ActionItemError(str(error)) from error
    existing = db.session.scalar(select(ActionItem).where(ActionItem.code == attrs["code"]))
    item = db.session.get(ActionItem, item_id) if item_id else ActionItem()
    if item is None:
        raise ActionItemError("アクションプランの項目が見つかりません。")
    if existing is not None and existing.id != item.id:
        raise ActionItemError(f"項目番号「{attrs['code']}」は既に使われています。")
    for key, value in attrs.items():
        setattr(item, key, value)
    db.session.add(item)
    db.session.flush()
    audit(actor, "action_item.saved", "action_item", item.id, code=item.code)
    db.session.commit()
    return item


def import_file(path: str | Path, filename: str, actor: User) -> ImportResult:
    """Import a CSV/XLSX of action items: everything or, when any row is wrong, nothing."""
    result = ImportResult()
    measures, sections = _lookups()
    try:
        file_format = file_format_of(filename)
        with open_table(path, file_format) as table:
            result.encoding = table.encoding_label
            columns = _columns(table.header)
            missing = [COLUMNS[name][0] for name in REQUIRED if name not in columns]
            if missing:
                return ImportResult(errors=[f"1行目（見出し）に {'・'.join(missing)} の列がありません。"])
            # a hidden column holding an item's field refuses the file; other hidden columns are not read
            hidden_column_notices(table.header, table.hidden_columns, set(columns.values()))
            rows: list[tuple[int, dict[str, Any]]] = []
            seen: dict[str, int] = {}
            for raw in table.rows:
                if len(rows) + len(result.errors) >= MAX_ROWS:
                    result.errors.append(f"{MAX_ROWS}行を超えるファイルは読み込めません。")
                    break
                values = {name: cell_text(raw.cells[i]) if i < len(raw.cells) else "" for name, i in columns.items()}
                if not any(v.strip() for v in values.values()):
                    continue
                problems = list(raw.problems)
                if raw.hidden:  # the administrator did not see it; importing it would publish it unseen
                    problems.append("Excel で非表示の行です（フィルターを解除するか行を再表示して、内容を確かめてから"
                                    "取り込んでください）")
                problems += [f"{COLUMNS[name][0]}が数式です（値として貼り付けてから保存してください）"
                             for name, i in columns.items() if i in raw.formula_columns]
                try:
                    attrs = validate(values, measures, sections)
                except ValueError as error:
                    problems.append(str(error))
                else:
                    if attrs["code"] in seen:
                        problems.append(f"項目番号「{attrs['code']}」が{seen[attrs['code']]}行目と重複しています")
                    seen.setdefault(attrs["code"], raw.number)
                if problems:
                    result.errors.append(f"{raw.number}行目：{'、'.join(problems)}")
                else:
                    rows.append((raw.number, attrs))
    except ImportFileError as error:
        return ImportResult(errors=[str(error)])
    if result.errors:
        return result
    if not rows:
        return ImportResult(errors=["取り込む行がありません。"], encoding=result.encoding)
    existing = {i.code: i for i in db.session.scalars(select(ActionItem).where(
        ActionItem.code.in_([attrs["code"] for _, attrs in rows])))}
    for _, attrs in rows:
        item = existing.get(attrs["code"])
        if item is None:
            db.session.add(ActionItem(**attrs))
            result.created += 1
        else:
            for key, value in attrs.items():
                setattr(item, key, value)
            result.updated += 1
    audit(actor, "action_item.imported", "action_items", "", file=filename, created=result.created,
          updated=result.updated)
    db.session.commit()
    return result


def _columns(header: list[Any]) -> dict[str, int]:
    names = [cell_text(h).strip().lstrip("\ufeff") for h in header]
    columns: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases or name.lower() in aliases:
                columns[key] = index
                break
    return columns
