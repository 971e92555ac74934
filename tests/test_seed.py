"""Does `flask --app web seed` load exactly the reference organization and measures, idempotently?"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from models import Department, Measure, Section, User, Voice, db
from web.seeding import DEMO_ACCOUNTS

REFERENCE = Path(__file__).resolve().parent.parent / "classifier" / "data" / "reference"


def _rows(name: str) -> list[list[str]]:
    with (REFERENCE / name).open(encoding="utf-8") as handle:
        return [row for row in csv.reader(handle, delimiter="\t")][1:]


def test_seed_loads_the_27_sections_and_21_measures_exactly(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0
    assert "部 7・課 27・改革項目 21" in second.output
    with app.app_context():
        sections = {s.name: s for s in db.session.scalars(select(Section))}
        for bu, name, description in _rows("sections.tsv"):
            assert sections[name].department.name == bu
            assert sections[name].description == description
        assert len(sections) == 27
        assert db.session.scalar(select(func.count(Department.id))) == 7
        assert [s.name for s in sections.values() if s.is_hearing] == ["秘書広報課"]
        codes = set(db.session.scalars(select(Measure.code)))
        assert codes == {row[0] for row in _rows("measures.tsv")}
        m52 = db.session.scalar(select(Measure).where(Measure.code == "M5-3"))
        assert (m52.means.name, m52.stance.name, m52.title) == (
            "ICTの積極活用", "行政サービス", "市民の声が生かされる仕組みの構築")


def test_demo_seed_adds_accounts_and_routed_voices_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == len(DEMO_ACCOUNTS)
        roles = set(db.session.scalars(select(User.role)))
        assert roles == {"admin", "hearing", "counter", "section_staff", "section_head", "planner"}
        voices = db.session.scalars(select(Voice)).all()
        assert len(voices) >= 24
        assert all(v.status in ("assigned", "triage") and v.section_id for v in voices)


def test_seed_again_keeps_what_the_administrator_changed(app):
    """A restart runs `seed` again (make run, the compose migrate step): it must not undo a 機構改革,
    recreate a renamed 課 under its old name, or give the city a second 広聴."""
    runner = app.test_cli_runner()
    with app.app_context():
        sections = {s.name: s for s in db.session.scalars(select(Section))}
        renamed, hearing = sections["市民窓口課"], sections["総務課"]
        renamed.name, renamed.description = "市民課", "戸籍・住民票・マイナンバーカードの交付"
        renamed.department = sections["建設課"].department
        sections["秘書広報課"].is_hearing, hearing.is_hearing = False, True
        db.session.add(Section(name="DX推進課", department=sections["総務課"].department))
        db.session.commit()
        before = {s.id: (s.name, s.department_id, s.description, s.is_hearing)
                  for s in db.session.scalars(select(Section))}
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "部 7・課 28・改革項目 21" in result.output
    with app.app_context():
        after = {s.id: (s.name, s.department_id, s.description, s.is_hearing)
                 for s in db.session.scalars(select(Section))}
        assert after == before
        assert db.session.scalar(select(Section).where(Section.name == "市民窓口課")) is None
        assert [s.name for s in db.session.scalars(select(Section).where(Section.is_hearing.is_(True)))] == ["総務課"]


def test_demo_seed_refuses_a_database_the_city_already_uses(app):
    """`make run` in a shell with the production DATABASE_URL exported must not add accounts with the
    published demo password to the city's database."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    made = runner.invoke(args=["create-admin", "jyoho", "--name", "情報政策 太郎"],
                         env={"MIRAI_ADMIN_PASSWORD": "a-long-admin-password"})
    assert made.exit_code == 0, made.output
    refused = runner.invoke(args=["seed", "--demo"])
    assert refused.exit_code == 1 and "デモ用のアカウント" in refused.output and "Traceback" not in refused.output
    with app.app_context():
        assert list(db.session.scalars(select(User.login_id))) == ["jyoho"]
        assert db.session.scalar(select(func.count(Voice.id))) == 0


def test_make_run_ignores_the_production_settings_of_the_shell():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    commands = [line.strip() for line in recipe.splitlines()[1:] if line.strip()]
    assert commands and all(line.startswith("$(DEMO_ENV) $(FLASK)") for line in commands)
    for name in ("DATABASE_URL", "REDIS_URL", "MIRAI_INSTANCE_DIR", "MIRAI_MODEL_DIR"):
        assert f"-u {name}" in makefile.split("DEMO_ENV :=", 1)[1].splitlines()[0]
