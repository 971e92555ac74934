"""The two import templates: their columns, which are required, and the template files themselves."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from models import MEETING_KINDS


@dataclass(frozen=True)
class Column:
    """A template column; ``required`` columns must be present and their cells filled."""

    name: str
    required: bool = False
    in_template: bool = True  # listed in the downloadable template (others are accepted if present)
    help: str = ""


COLUMNS: dict[str, tuple[Column, ...]] = {
    "meeting": (
        Column("会合名", True, help="例：令和8年度 第1回タウンミーティング（200文字以内）"),
        Column("開催日", True, help="例：2026-05-20、2026/5/20、令和8年5月20日"),
        Column("発言者区分", help="例：市民、区長、団体代表（任意）"),
        Column("地区", help="例：伊奈地区（任意）"),
        Column("発言内容", True, help="4,000文字以内"),
        Column("会合種別", in_template=False, help="・".join(MEETING_KINDS) + "（任意）"),
        Column("場所", in_template=False, help="例：きらくやまふれあいの丘（任意）"),
        Column("種別", in_template=False, help="苦情・要望・提案・問合せ・意見・感謝（任意、既定は意見）"),
    ),
    "voices": (
        Column("受付日", True, help="例：2026-05-20、2026/5/20 10:30、令和8年5月20日"),
        Column("経路", True, help="窓口・電話・手紙・FAX・メール・会合・取込"),
        Column("種別", True, help="苦情・要望・提案・問合せ・意見・感謝"),
        Column("内容", True, help="4,000文字以内"),
        Column("氏名", help="任意"),
        Column("連絡先", help="電話番号またはメールアドレス（任意）"),
        Column("地区", help="任意"),
        Column("担当課", help="任意。記入すると自動分類より優先されます（例：生活環境課）。機構改革で名称が変わった課や統合された課は、当時の課名のままで構いません"),
        Column("件名", in_template=False, help="任意"),
        Column("年代", in_template=False, help="10代以下・20代…80代以上（任意）"),
    ),
}

EXAMPLE_ROWS: dict[str, list[list[str]]] = {
    "meeting": [
        ["令和8年度 第1回タウンミーティング", "2026-05-20", "市民", "伊奈地区",
         "駅までのバスの本数が少なく、通勤に使えません。朝の便を増やしてほしいです。"],
    ],
    "voices": [
        ["2026-05-20", "電話", "苦情", "集積所のごみが回収されずに残っています。", "", "", "小絹地区", ""],
    ],
}

_SUFFIX = re.compile(r"[（(].*?[）)]|[*＊※]")


def normalize_header(name: str) -> str:
    """A header cell as typed by people: NFKC, no spaces, no 「（任意）」 or 「※」 marks."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    return _SUFFIX.sub("", text).replace(" ", "").replace("\u3000", "").replace("\ufeff", "").strip()


def template_header(kind: str) -> list[str]:
    return [c.name for c in COLUMNS[kind] if c.in_template]


def template_csv(kind: str) -> bytes:
    """The template as CSV in UTF-8 with BOM (opens in Excel as is)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(template_header(kind))
    writer.writerows(EXAMPLE_ROWS[kind])
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(kind: str) -> bytes:
    """The template as an Excel workbook: the sheet to fill in and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "取込データ"
    sheet.append(template_header(kind))
    for row in EXAMPLE_ROWS[kind]:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    guide = workbook.create_sheet("記入方法")
    guide.append(["列", "必須", "説明"])
    for column in COLUMNS[kind]:
        guide.append([column.name, "必須" if column.required else "任意", column.help])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
