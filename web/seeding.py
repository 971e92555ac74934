"""Default data: the organization and the reform framework, plus optional demo accounts and voices."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from classifier import labels
from models import Department, Means, Measure, Section, Stance, User, Voice, db, utcnow
from voices.intake import submit
from voices.validation import VoiceInput

HEARING_SECTION = "秘書広報課"
DEMO_VOICES_FILE = Path(__file__).resolve().parent / "demo" / "voices.jsonl"


@dataclass(frozen=True)
class DemoAccount:
    login_id: str
    display_name: str
    role: str
    section: str | None


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "管理 太郎", "admin", None),
    DemoAccount("hearing", "広聴 花子", "hearing", "秘書広報課"),
    DemoAccount("counter", "窓口 一郎", "counter", "市民窓口課"),
    DemoAccount("planner", "企画 次郎", "planner", "企画政策課"),
    DemoAccount("kankyo", "環境 三郎", "section_staff", "生活環境課"),
    DemoAccount("kankyo-head", "環境 課長", "section_head", "生活環境課"),
    DemoAccount("kensetsu", "建設 四郎", "section_staff", "建設課"),
    DemoAccount("kodomo", "子育 五月", "section_staff", "みらいこども課"),
    DemoAccount("gakko", "学校 六子", "section_staff", "学校総務課"),
)


def seed_reference() -> dict[str, int]:
    """Load the 7 部 / 27 課 and the 21 measures into a new database; running it again changes nothing.

    The organization is the city's data once it exists: the administrator renames, moves, retires and
    adds 課 (機構改革), so the default is loaded only into a database that has no 部 yet, and never
    written over what the administrator changed. Measures missing from the database are added."""
    if db.session.scalar(select(func.count(Department.id))) == 0:
        _seed_organization()
    means_rows = {m.number: m for m in db.session.scalars(select(Means))}
    stance_rows = {s.number: s for s in db.session.scalars(select(Stance))}
    measure_codes = set(db.session.scalars(select(Measure.code)))
    for code, means_name, stance_name, title in labels.MEASURES:
        if code in measure_codes:
            continue
        means_no, stance_no = (int(part) for part in code[1:].split("-"))
        if means_no not in means_rows:
            means_rows[means_no] = Means(number=means_no, name=means_name)
        if stance_no not in stance_rows:
            stance_rows[stance_no] = Stance(number=stance_no, name=stance_name)
        means, stance = means_rows[means_no], stance_rows[stance_no]
        db.session.add(Measure(code=code, means=means, stance=stance, title=title))
    db.session.commit()
    return {
        "departments": db.session.scalar(select(func.count(Department.id))),
        "sections": db.session.scalar(select(func.count(Section.id))),
        "measures": db.session.scalar(select(func.count(Measure.id))),
    }


def _seed_organization() -> None:
    """The default 部 and 課 (reference order), 秘書広報課 as 広聴."""
    departments: dict[str, Department] = {}
    for order, (bu, name, description) in enumerate(labels.SECTIONS, start=1):
        if bu not in departments:
            departments[bu] = Department(name=bu, sort_order=len(departments) + 1)
            db.session.add(departments[bu])
        db.session.add(Section(name=name, department=departments[bu], description=description, sort_order=order,
                               is_hearing=name == HEARING_SECTION))


def demo_refusal() -> str | None:
    """Why demo accounts and voices must not go into this database, or None when they may.

    Demo accounts share one published password. They belong in an empty database or one the demo
    filled before, never in a city's database that already has its own staff or voices (``make run``
    in a shell where the production ``DATABASE_URL`` is exported would otherwise open it to anyone)."""
    if db.session.scalar(select(Voice.id).where(Voice.client_token == "demo-0000")) is not None:
        return None
    staff = db.session.scalar(select(func.count(User.id)))
    voices = db.session.scalar(select(func.count(Voice.id)))
    if staff or voices:
        return (f"このデータベースには既に職員 {staff} 人・声 {voices} 件が登録されています。"
                "デモ用のアカウント（共通のパスワード）と声は、空のデータベースにだけ登録します。"
                "DATABASE_URL が本番のデータベースを指していないか確認してください。")
    return None


def seed_demo_accounts(password: str) -> int:
    """One account per role and section staff for several 課; existing accounts are left alone."""
    created = 0
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.login_id == account.login_id)) is not None:
            continue
        section = (
            db.session.scalar(select(Section).where(Section.name == account.section)) if account.section else None
        )
        user = User(login_id=account.login_id, display_name=account.display_name, role=account.role,
                    section_id=section.id if section else None)
        user.set_password(password)
        db.session.add(user)
        created += 1
    db.session.commit()
    return created


def seed_demo_voices() -> int:
    """Submit the demo voices through the normal intake path, once (they carry fixed tokens)."""
    rng = random.Random(20261126)
    created = 0
    with DEMO_VOICES_FILE.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip() and not line.startswith("#")]
    for index, row in enumerate(rows):
        token = f"demo-{index:04d}"
        if db.session.scalar(select(Voice.id).where(Voice.client_token == token)) is not None:
            continue
        submit(VoiceInput(
            body=row["text"], voice_type=row["voice_type"], channel=row.get("channel", "web"),
            district=row.get("district", ""), consent_privacy=True,
            received_at=utcnow() - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600)),
            client_token=token,
        ), actor_label="demo")
        created += 1
    return created
