"""Building blocks for section-work tests: a routed voice and the staff of two sections."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models import Section, Voice, db, set_setting
from routing.service import route_voice
from tests.support import make_user
from voices.intake import submit
from voices.validation import VoiceInput

GARBAGE = ("燃えるごみの収集日なのに、集積所のごみが夕方まで回収されず残っています。カラスが袋を破って"
           "生ごみが散らかっています。収集業者に時間を守るよう伝えてください。")
CITIZEN = {"name": "山田太郎", "email": "taro@example.jp", "phone": "090-1234-5678"}


@dataclass
class World:
    voice_id: int
    receipt_no: str
    access_code: str
    kankyo_id: int
    kensetsu_id: int


def routed_voice(body: str = GARBAGE, **fields) -> tuple[int, str, str]:
    """Submit and route a voice (auto-assigning whatever the model says) inside an app context."""
    set_setting("routing.auto_threshold", 0.0)
    db.session.commit()
    data = {"body": body, "voice_type": "苦情", "consent_privacy": True, "wants_reply": True, **CITIZEN, **fields}
    receipt = submit(VoiceInput(**data))
    route_voice(receipt.voice_id)  # already routed in-process; this checks idempotency too
    return receipt.voice_id, receipt.receipt_no, receipt.access_code


def build_world() -> World:
    """Staff of 生活環境課 and 建設課 (staff + head each), 広聴, counter, planner, admin, and one routed voice."""
    for login_id, role, section in [
        ("kankyo", "section_staff", "生活環境課"), ("kankyo-head", "section_head", "生活環境課"),
        ("kensetsu", "section_staff", "建設課"), ("kensetsu-head", "section_head", "建設課"),
        ("hearing", "hearing", "秘書広報課"), ("counter", "counter", "市民窓口課"),
        ("planner", "planner", "企画政策課"), ("admin", "admin", None),
    ]:
        user = make_user(login_id, role, section)
        if role == "section_head":
            user.email = f"{login_id}@city.example.jp"
    db.session.commit()
    voice_id, receipt_no, code = routed_voice()
    voice = db.session.get(Voice, voice_id)
    assert voice.section.name == "生活環境課", voice.section.name
    ids = {s.name: s.id for s in db.session.scalars(select(Section))}
    return World(voice_id, receipt_no, code, ids["生活環境課"], ids["建設課"])
