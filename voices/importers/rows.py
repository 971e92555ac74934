"""From a raw row of an import file to a ``VoiceInput``, or to Japanese reasons why it cannot be one."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from models import CHANNELS, MEETING_KINDS
from voices.dates import EARLIEST_DATE, parse_moment_text
from voices.importers.columns import COLUMNS, normalize_header
from voices.importers.reader import ImportFileError, RawRow
from voices.meetings import NAME_MAX as MEETING_NAME_MAX
from voices.meetings import PLACE_MAX, clean_name, clean_place
from voices.validation import VoiceInput, validate

JST = ZoneInfo("Asia/Tokyo")
DEFAULT_REMARK_TYPE = "意見"
TOKEN_PREFIX = "imp-"

# 経路 as people write it → channel code. Web form and API voices come in through their own doors.
CHANNEL_WORDS: dict[str, str] = {
    "窓口": "counter", "来庁": "counter", "電話": "phone", "手紙": "letter", "郵送": "letter",
    "はがき": "letter", "FAX": "fax", "ファクス": "fax", "ファックス": "fax", "メール": "email",
    "電子メール": "email", "会合": "meeting", "取込": "import", "その他": "import",
}
IMPORTABLE_CHANNELS = frozenset(CHANNEL_WORDS.values())

# Which column a validation error of a VoiceInput field belongs to, per kind of file.
FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "meeting": {"body": "発言内容", "voice_type": "種別", "district": "地区", "speaker_category": "発言者区分",
                "received_at": "開催日"},
    "voices": {"body": "内容", "voice_type": "種別", "district": "地区", "name": "氏名", "phone": "連絡先",
               "email": "連絡先", "received_at": "受付日", "channel": "経路", "section_name": "担当課",
               "subject": "件名", "age_group": "年代"},
}

# Values a spreadsheet would run as a formula (CSV injection): =…, @…, +cmd|…, -HYPERLINK(…), +A1…
_FORMULA_LIKE = re.compile(r"^(?:[=@]|[+\-]\s*(?:[A-Za-z_][A-Za-z0-9_.]*\s*[(!|]|[A-Za-z]{1,3}\d+))")


@dataclass
class ParsedRow:
    """A data row: the voice to submit (with its content key as ``client_token``) or its errors.

    A row Excel does not show (``hidden``: "hidden" or "filtered") is not what people think they are
    importing: it is never imported as it is, whatever its cells, and is reported apart from the errors."""

    number: int
    data: VoiceInput | None = None
    meeting: tuple[str, date, str, str] | None = None  # (name, held_on, kind, place) for remarks
    errors: list[str] = field(default_factory=list)
    hidden: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and not self.hidden


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as ISO, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# An Excel date serial (days since 1899-12-30) as a file may carry it, a cell formatted 「標準」 or a CSV
# from another system: 5 digits, optionally with the time as a fraction. Serials of EARLIEST_DATE..2100.
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_SERIAL_RANGE = (32874, 73415)


def parse_moment(value: Any) -> datetime | None:
    """A date (and optional time) in JST from a cell: 2026-05-20, 2026/5/20 10:30, 令和8年5月20日, R8.5.20,
    20260520, an Excel date cell, or an Excel date serial (46120). None when it is not a real date."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=JST) if value.tzinfo is None else value
    if isinstance(value, date):
        return datetime.combine(value, time(), JST)
    text = cell_text(value).strip()
    if _EXCEL_SERIAL.match(text) and _SERIAL_RANGE[0] <= float(text) <= _SERIAL_RANGE[1]:
        from openpyxl.utils.datetime import from_excel

        return from_excel(float(text)).replace(tzinfo=JST, microsecond=0)
    return parse_moment_text(text)


def column_label(position: int, heading: str) -> str:
    """A column as Excel shows it: 「E列「内容」」 for the 0-based ``position``."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(position + 1)}列「{heading}」"


def content_key(kind: str, *parts: Any) -> str:
    """The ``client_token`` of an imported row: the same content always gives the same key."""
    canonical = "\x1f".join(" ".join(unicodedata.normalize("NFKC", cell_text(p)).split()) for p in parts)
    return TOKEN_PREFIX + hashlib.sha256(f"{kind}\x1e{canonical}".encode()).hexdigest()[:60]


def hidden_column_notices(header: list[Any], hidden: Collection[int], imported: Collection[int]) -> list[str]:
    """Refuse the file (ImportFileError) when a column Excel hides holds an imported field (positions in
    ``imported``): the clerk never saw its cells, and unlike a hidden row it cannot be left out alone. A
    hidden column nobody imports is only mentioned (the notices returned); one with no heading is never
    read anyway."""
    named = [(position, cell_text(header[position]).strip()[:30]) for position in sorted(hidden)
             if position < len(header) and normalize_header(cell_text(header[position]))]
    refused = [column_label(position, heading) for position, heading in named if position in imported]
    if refused:
        raise ImportFileError(
            f"非表示の列に取り込む項目があります：{'、'.join(refused)}。画面で見えていない内容を取り込まないよう、"
            "このファイルは取り込みません。Excel で列を再表示して（列番号を右クリックして「再表示」）内容を確かめ、"
            "保存してからもう一度取り込んでください。"
        )
    skipped = [column_label(position, heading) for position, heading in named]
    if not skipped:
        return []
    return [f"非表示の列（{'、'.join(skipped)}）は取り込む項目ではないため、読み飛ばします。"]


class RowParser:
    """Reads the data rows of one file of ``kind`` against its header."""

    def __init__(self, kind: str, header: list[Any], *, section_names: Mapping[str, str], created_by_id: int | None,
                 today: date | None = None, hidden_columns: Collection[int] = ()):
        """``section_names`` maps a 担当課 as a file may write it (today's name, or the name of a 課 before a
        機構改革 renamed or merged it) to the 課's name today; ``hidden_columns`` are the positions of the
        columns Excel does not show."""
        self.kind = kind
        self.columns = COLUMNS[kind]
        self.section_names = section_names
        self.created_by_id = created_by_id
        self.today = today or datetime.now(JST).date()
        self.index: dict[str, int] = {}
        known = {c.name for c in self.columns}
        self.ignored: list[str] = []
        for position, raw in enumerate(header):
            name = normalize_header(cell_text(raw))
            if not name:
                continue
            if name in self.index:
                raise ImportFileError(f"見出し「{name}」が2回あります。列を1つにしてください。")
            if name in known:
                self.index[name] = position
            else:
                self.ignored.append(name)
        missing = [c.name for c in self.columns if c.required and c.name not in self.index]
        if missing:
            raise ImportFileError(
                f"必要な列がありません：{'、'.join(missing)}。1行目の見出しをテンプレートに合わせてください。"
            )
        self.notices = hidden_column_notices(header, hidden_columns, set(self.index.values()))
        # An optional column may be left out (a ledger with no 氏名 column); but when the file also has a
        # heading no column answers to, it may be that column misnamed, and its cells would be lost.
        absent = [c.name for c in self.columns if c.in_template and c.name not in self.index]
        if absent and self.ignored:
            raise ImportFileError(
                f"見出し「{'」「'.join(self.ignored)}」の列は取り込めません。{'・'.join(absent)}の列であれば、"
                f"見出しをその名前にしてください。使わない列は削除してください（任意の列は省けます）。"
            )

    def parse(self, raw: RawRow) -> ParsedRow | None:
        """The row's voice or its errors; None for a blank row (skipped)."""
        row = ParsedRow(raw.number, errors=list(raw.problems))
        if not raw.cells and not raw.problems:
            return None
        values: dict[str, Any] = {}
        for name, position in self.index.items():
            value = raw.cells[position] if position < len(raw.cells) else None
            if position in raw.formula_columns:
                row.errors.append(f"{name}: 数式は取り込めません。値として貼り付けてから保存してください。")
                value = None
            elif isinstance(value, str) and _FORMULA_LIKE.match(value.lstrip(" \u3000\t\r")):
                row.errors.append(
                    f"{name}: 「{value[:20]}」は表計算ソフトで数式として実行される形です（CSVインジェクション対策）。"
                    "先頭の記号を取り除いてください。"
                )
                value = None
            values[name] = value
        if raw.cells and all(cell_text(v).strip() == "" for v in raw.cells) and not raw.problems:
            return None
        row.hidden = raw.hidden
        if raw.problems:  # unreadable row: its cells are not worth checking further
            return row
        for column in self.columns:
            if column.required and not cell_text(values.get(column.name)).strip() and not any(
                e.startswith(f"{column.name}:") for e in row.errors
            ):
                row.errors.append(f"{column.name}: 必須です。値を入力してください。")
        if self.kind == "meeting":
            self._meeting_row(values, row)
        else:
            self._voice_row(values, row)
        return row

    def _text(self, values: dict[str, Any], name: str) -> str:
        return cell_text(values.get(name)).strip()

    def _date(self, values: dict[str, Any], name: str, row: ParsedRow) -> datetime | None:
        raw = values.get(name)
        if not cell_text(raw).strip():
            return None
        moment = parse_moment(raw)
        if moment is None:
            row.errors.append(f"{name}: 「{cell_text(raw)[:30]}」は日付として読めません（例：2026-05-20、令和8年5月20日）。")
        elif moment.astimezone(JST).date() > self.today:
            row.errors.append(f"{name}: 未来の日付（{moment.date().isoformat()}）です。")
            return None
        elif moment.date() < EARLIEST_DATE:
            row.errors.append(f"{name}: 日付（{moment.date().isoformat()}）が古すぎます。")
            return None
        return moment

    def _finish(self, data: VoiceInput, row: ParsedRow) -> None:
        result = validate(data)
        columns = FIELD_COLUMNS[self.kind]
        # One message per column: a column already reported (empty, formula, bad date) is not re-judged.
        reported = {error.split(":", 1)[0] for error in row.errors}
        for field_name, messages in result.errors.items():
            column = columns.get(field_name, field_name)
            if column in reported:
                continue
            row.errors.extend(f"{column}: {message}" for message in messages)
        if not row.errors:
            row.data = data

    def _meeting_row(self, values: dict[str, Any], row: ParsedRow) -> None:
        # Cleaned as the meeting form cleans them: a NUL would stop PostgreSQL mid-import.
        name = clean_name(self._text(values, "会合名"))
        held = self._date(values, "開催日", row)
        kind = self._text(values, "会合種別") or "その他"
        place = clean_place(self._text(values, "場所"))
        voice_type = self._text(values, "種別") or DEFAULT_REMARK_TYPE
        if not name and self._text(values, "会合名"):  # nothing but control characters
            row.errors.append("会合名: 必須です。値を入力してください。")
        if len(name) > MEETING_NAME_MAX:
            row.errors.append(f"会合名: {MEETING_NAME_MAX}文字以内で入力してください。")
        if kind not in MEETING_KINDS:
            row.errors.append(f"会合種別: 「{kind[:20]}」は使えません（{'・'.join(MEETING_KINDS)}）。")
        if len(place) > PLACE_MAX:
            row.errors.append(f"場所: {PLACE_MAX}文字以内で入力してください。")
        body = cell_text(values.get("発言内容"))
        speaker, district = self._text(values, "発言者区分"), self._text(values, "地区")
        if held is not None:
            row.meeting = (name, held.date(), kind, place)
        data = VoiceInput(
            body=body, voice_type=voice_type, channel="meeting", district=district, speaker_category=speaker,
            received_at=held, created_by_id=self.created_by_id,
            client_token=content_key("meeting", name, held.date() if held else "", speaker, district, voice_type,
                                     body),
        )
        self._finish(data, row)

    def _voice_row(self, values: dict[str, Any], row: ParsedRow) -> None:
        received = self._date(values, "受付日", row)
        channel_word = unicodedata.normalize("NFKC", self._text(values, "経路"))
        channel = CHANNEL_WORDS.get(channel_word) or CHANNEL_WORDS.get(channel_word.upper())
        if channel is None and channel_word:
            code = {label: code for code, label in CHANNELS.items()}.get(channel_word)
            if code in IMPORTABLE_CHANNELS:
                channel = code
            else:
                row.errors.append(
                    f"経路: 「{self._text(values, '経路')[:20]}」は取り込めません（窓口・電話・手紙・FAX・メール・会合・取込）。"
                )
        contact = unicodedata.normalize("NFKC", self._text(values, "連絡先"))
        email, phone = (contact, "") if "@" in contact else ("", contact)
        written = self._text(values, "担当課")
        section = self.section_names.get(written, "") if written else ""
        if written and not section:
            row.errors.append(f"担当課: 「{written[:30]}」は登録されている課ではありません（例：生活環境課）。")
        data = VoiceInput(
            body=cell_text(values.get("内容")), voice_type=self._text(values, "種別"),
            channel=channel or "import", subject=self._text(values, "件名"), name=self._text(values, "氏名"),
            email=email, phone=phone, district=self._text(values, "地区"), age_group=self._text(values, "年代"),
            received_at=received, created_by_id=self.created_by_id, section_name=section,
        )
        key = content_key("voices", received.isoformat() if received else "", data.channel, data.voice_type,
                          data.body, data.subject, data.name, contact, data.district, data.age_group, written)
        self._finish(replace(data, client_token=key), row)
