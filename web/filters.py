"""Jinja filters: Japanese dates (JST, 和暦 beside 西暦), event labels, the 課 a model label stands for now,
and words marked in a text."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from markupsafe import Markup, escape

from models import STATUSES, label_targets
from voices.search import marked

JST = ZoneInfo("Asia/Tokyo")
_ERAS = ((date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"), (date(1926, 12, 25), "昭和"))


def _era_year(day: date) -> str | None:
    """令和8年, 令和元年 … for ``day``; None before 昭和."""
    for start, name in _ERAS:
        if day >= start:
            n = day.year - start.year + 1
            return f"{name}{'元' if n == 1 else n}年"
    return None


def wareki_year(day: date) -> str:
    """令和8年(2026年) style year label."""
    era = _era_year(day)
    return f"{era}({day.year}年)" if era else f"{day.year}年"


def fiscal_label(year: int) -> str:
    """令和8年度（2026年度）: the era is the one in effect for most of the 年度, as the state names them, so
    2019年度 (April 2019 in 平成, from May in 令和) is 令和元年度 and 1988年度 is 昭和63年度."""
    era = _era_year(date(year, 10, 1))
    return f"{era}度（{year}年度）" if era else f"{year}年度"


def jp_date(value: date | datetime | None) -> str:
    """令和8年(2026年)11月26日; datetimes are shown in JST."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(JST).date()
    return f"{wareki_year(value)}{value.month}月{value.day}日"


def jp_datetime(value: datetime | None) -> str:
    """2026年11月26日 15:04 in JST."""
    if value is None:
        return ""
    local = value.astimezone(JST)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


EVENT_LABELS = {
    "received": "受付",
    "classified": "自動分類",
    "assigned": "担当課に割り当て",
    "triaged": "広聴の振り分け待ちへ",
    "accepted": "受理",
    "forwarded": "転送",
    "handed_over": "機構改革による引継ぎ",
    "tarai_alert": "たらい回し警告",
    "related_added": "関係課を追加",
    "note": "庁内メモ",
    "reply_drafted": "回答を作成",
    "reply_submitted": "回答の承認依頼",
    "reply_approved": "回答を承認",
    "reply_returned": "回答を差戻し",
    "reply_sent": "回答を送付",
    "reply_withdrawn": "回答を取り下げ",
    "reply_emailed": "回答メールを送信",
    "email_not_sent": "回答メールを送信できず",
    "closed": "完了",
    "no_action": "対応なし",
    "escalated": "期限超過で広聴へ共有",
    "personal_data_viewed": "個人情報を閲覧",
    "personal_data_purged": "保存期間の経過により個人情報を消去",
    "measure_confirmed": "改革方策を確認",
    "measure_removed": "改革方策を外す",
    "action_item_linked": "アクションプラン項目に関連付け",
    "action_item_unlinked": "アクションプラン項目との関連付けを解除",
    "reflected": "反映済みにする",
    "published": "みえる化に公開",
    "unpublished": "みえる化の公開を取りやめ",
}


def section_now(label: str) -> str:
    """The name of the 課 that handles a classifier label's voices now (renamed or merged at a 機構改革);
    the label itself, marked, when no active 課 does. Looked up once per request."""
    if "label_targets" not in g:
        g.label_targets = label_targets()
    target = g.label_targets.get(label)
    return target.name if target is not None else f"{label}（現在は振り分け先なし）"


def mark_words(text: str | None, words) -> Markup:
    """`text`, escaped, with every place it shows one of `words` in <mark>."""
    return Markup("").join(Markup("<mark>{}</mark>").format(piece) if hit else escape(piece)
                           for piece, hit in marked(text or "", words or ()))


def register(app: Flask) -> None:
    app.jinja_env.globals["event_labels"] = EVENT_LABELS
    app.jinja_env.globals["statuses"] = STATUSES
    app.jinja_env.globals["fiscal_label"] = fiscal_label
    app.add_template_filter(jp_date, "jp_date")
    app.add_template_filter(jp_datetime, "jp_datetime")
    app.add_template_filter(section_now, "section_now")
    app.add_template_filter(mark_words, "mark_words")
