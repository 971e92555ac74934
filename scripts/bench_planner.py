"""Benchmark the planner dashboards on PostgreSQL with a million voices.

    .venv/bin/python scripts/bench_planner.py [--voices 1000000] [--runs 5] [--keep]

Creates a scratch database ``mirai_bench_planner`` on the local PostgreSQL (trust auth; override the
server with MIRAI_TEST_PG_ADMIN_URL), migrates it, generates the voices in SQL (spread over five 年度,
27 課, all channels, types, 地区 and 年代, 0–2 measures each, Sudachi-like tokens, some linked to
action items), runs VACUUM ANALYZE, then times each planner page through the real Flask app (signed-in
planner, full request including template rendering) and prints median and maximum per page.
The database is dropped afterwards unless --keep is given.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_ADMIN_URL = os.environ.get("MIRAI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = "mirai_bench_planner"
LIMIT_MS = 500

WORDS = ["ごみ", "収集", "道路", "穴", "子供", "保育", "学校", "給食", "図書館", "公園", "バス", "駅", "駐輪場", "窓口", "手続き", "オンライン", "申請", "マイナンバーカード", "税金", "国保", "介護", "高齢者", "防災", "避難所", "街灯", "騒音", "カラス", "側溝", "草刈り", "雪", "水道", "下水道", "職員", "対応", "待ち時間", "電話", "ホームページ", "広報", "イベント", "体育館", "プール", "補助金", "空き家", "農業", "商店", "観光", "コミュニティ", "児童クラブ", "子育て", "妊娠", "健診", "ワクチン", "交通", "信号", "歩道", "自転車", "ふるさと納税", "財政"]
PAGES = [
    ("matrix (2025年度)", "/planner/?year=2025"),
    ("matrix (month range 2025-04..2025-09)", "/planner/?from=2025-04&to=2025-09"),
    ("measure M5-2 (2025年度)", "/planner/measures/M5-2?year=2025"),
    ("measure M1-1 (2024年度)", "/planner/measures/M1-1?year=2024"),
    ("measure M3-3 (month range)", "/planner/measures/M3-3?from=2025-10&to=2026-03"),
    ("export matrix.xlsx", "/planner/export/matrix.xlsx?year=2025"),
    ("export M5-2 all.csv", "/planner/measures/M5-2/export/all.csv?year=2025"),
    ("report (2025年度)", "/planner/report?year=2025"),
    ("public みえる化 (2025年度)", "/mieruka/?year=2025"),
]


def generate(url: str, voices: int) -> None:
    """Fill the migrated database with ``voices`` voices and their measures, in SQL."""
    engine = create_engine(url)
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    n_words = len(WORDS)
    with engine.begin() as conn:
        sections = conn.execute(text("SELECT array_agg(id ORDER BY id) FROM sections")).scalar()
        measure_ids = conn.execute(text("SELECT array_agg(id ORDER BY code) FROM measures")).scalar()
        conn.execute(text(f"""
            INSERT INTO action_items (code, measure_id, section_id, title, description, start_fiscal_year,
                                      end_fiscal_year, status, kpi)
            SELECT 'AP-' || g, (ARRAY{measure_ids})[1 + g % 21], (ARRAY{sections})[1 + g % 27],
                   '取組 ' || g, '説明', 2023, 2027, (ARRAY['planned','in_progress','done'])[1 + g % 3], 'KPI'
            FROM generate_series(1, 84) g ON CONFLICT DO NOTHING"""))
        first_new = conn.execute(text("SELECT coalesce(max(id), 0) FROM voices")).scalar()
        started = time.perf_counter()
        conn.execute(text(f"""
            INSERT INTO voices (receipt_no, access_code_hash, client_token, channel, voice_type, subject, body,
                submitter_name, submitter_email, submitter_phone, district, age_group, wants_reply,
                consent_privacy, consent_publish, status, section_id, section_confirmed, received_at,
                created_at, updated_at, search_tokens, answered_at)
            SELECT 'B' || (g + {first_new}), 'x', 'bench-' || (g + {first_new}),
                (ARRAY['web','counter','phone','letter','email','meeting','import','api'])[1 + g % 8],
                (ARRAY['苦情','要望','提案','問合せ','意見','感謝'])[1 + (g / 8) % 6],
                '', '生成した声 ' || g || ' ' || w1 || 'について' || w2 || 'をお願いします。',
                '', '', '', (ARRAY['伊奈','谷和原','小絹','陽光台','紫峰ヶ丘','みらい平',''])[1 + g % 7],
                (ARRAY['10代以下','20代','30代','40代','50代','60代','70代','80代以上',''])[1 + g % 9],
                false, true, g % 10 = 0, 'answered', (ARRAY{sections})[1 + g % 27], true, t, t, t,
                ' ' || w1 || ' ' || w2 || ' ' || w3 || ' ', t + interval '3 days'
            FROM (
                SELECT g, timestamptz '2021-04-01 00:00+09' + (random() * interval '1825 days') AS t,
                       ({words})[1 + (random() * {n_words - 1})::int] AS w1,
                       ({words})[1 + (random() * {n_words - 1})::int] AS w2,
                       ({words})[1 + (random() * {n_words - 1})::int] AS w3
                FROM generate_series(1, {voices}) g
            ) s"""))
        print(f"  voices inserted in {time.perf_counter() - started:.1f} s", flush=True)
        codes = conn.execute(text("SELECT array_agg(code ORDER BY code) FROM measures")).scalar()
        arr = "ARRAY[" + ",".join(f"'{c}'" for c in codes) + "]"
        # 0–2 measures per voice: every voice but one in five has one; one in three has a second.
        conn.execute(text(f"""
            INSERT INTO voice_measures (voice_id, measure_code, source, created_at)
            SELECT id, ({arr})[1 + (id::bigint * 7919) % 21], 'model', received_at FROM voices WHERE id % 5 <> 0 AND id > {first_new}
            UNION ALL
            SELECT id, ({arr})[1 + ((id::bigint * 7919) % 21 + 1 + id % 19) % 21], 'model', received_at
            FROM voices WHERE id % 3 = 0 AND id % 5 <> 0 AND id > {first_new}"""))
        conn.execute(text("""
            INSERT INTO voice_action_items (voice_id, action_item_id, created_at)
            SELECT v.id, a.id, now() FROM voices v JOIN action_items a ON a.code = 'AP-' || (1 + v.id % 84)
            WHERE v.id % 20 = 0 AND v.id > :first"""), {"first": first_new})
        total = conn.execute(text("SELECT count(*) FROM voices")).scalar()
        links = conn.execute(text("SELECT count(*) FROM voice_measures")).scalar()
        print(f"  {total:,} voices, {links:,} voice-measure links", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", type=int, default=5000, help="voices added after the rollup refresh")
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it next time)")
    args = parser.parse_args()

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = re.sub(r"/[^/]+$", f"/{DB_NAME}", PG_ADMIN_URL)
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}).scalar()
        if exists and not args.keep:
            conn.execute(text(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))

    from flask_migrate import upgrade

    from models import MeasureRollup, User, db
    from routing.answer_times import rollup_answer_days
    from voices import rollups
    from web import create_app
    from web.seeding import seed_reference

    tmp = tempfile.mkdtemp(prefix="bench-planner-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "MODEL_DIR": str(Path(tmp) / "models")})
    try:
        with app.app_context():
            upgrade()
            seed_reference()
            count = db.session.execute(text("SELECT count(*) FROM voices")).scalar()
            if count < args.voices:
                print(f"generating {args.voices:,} voices …", flush=True)
                generate(url, args.voices - count)
                started = time.perf_counter()
                mark = rollups.refresh(rollup_answer_days)
                print(f"  rollups rebuilt up to voice {mark:,} in {time.perf_counter() - started:.1f} s "
                      f"({db.session.scalar(db.select(db.func.count()).select_from(MeasureRollup)):,} rows)")
                print(f"generating {args.fresh:,} more voices after the rollup (counted live) …", flush=True)
                generate(url, args.fresh)
                db.session.remove()
            if db.session.scalar(db.select(User).where(User.login_id == "bench-planner")) is None:
                user = User(login_id="bench-planner", display_name="bench", role="planner")
                user.set_password("bench-password-123", method="pbkdf2:sha256:1000")
                db.session.add(user)
                db.session.commit()
            count = db.session.execute(text("SELECT count(*) FROM voices")).scalar()

        client = app.test_client()
        response = client.post("/staff/login", data={"login_id": "bench-planner", "password": "bench-password-123"})
        assert response.status_code == 302, response.status_code
        print(f"\n{count:,} voices on PostgreSQL; {args.runs} runs per page after one warm-up "
              f"(full request through Flask, planner signed in)\n")
        print(f"| page | median ms | max ms | < {LIMIT_MS} ms |")
        print("|---|---:|---:|---|")
        worst = 0.0
        for label, path in PAGES:
            assert client.get(path).status_code == 200, path
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            median, peak = statistics.median(timings), max(timings)
            if not label.startswith(("export", "report", "public")):
                worst = max(worst, peak)
            print(f"| {label} | {median:.0f} | {peak:.0f} | {'yes' if peak < LIMIT_MS else 'NO'} |", flush=True)
        print(f"\nslowest dashboard/measure page (max): {worst:.0f} ms")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
