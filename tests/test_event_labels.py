"""Does every kind of event the code records have a Japanese label on the timeline?"""
from __future__ import annotations

import re
from pathlib import Path

from web.filters import EVENT_LABELS

REPO = Path(__file__).resolve().parents[1]
# record_event(voice, "kind", …) and VoiceEvent(…, kind="kind", …)
RECORDED = re.compile(r'record_event\(\s*\w+,\s*"([a-z_]+)"|VoiceEvent\([^)]*?\bkind="([a-z_]+)"', re.DOTALL)


def test_every_recorded_event_kind_has_a_japanese_label():
    kinds = {a or b for package in ("routing", "voices", "web") for path in (REPO / package).rglob("*.py")
             for a, b in RECORDED.findall(path.read_text(encoding="utf-8"))}
    assert {"received", "forwarded", "published", "reflected"} <= kinds  # the scan finds them
    assert sorted(kinds - EVENT_LABELS.keys()) == []
