"""Benchmark staff search on PostgreSQL: how long the queue page's query takes with many stored voices.

    .venv/bin/python scripts/bench_search.py [--voices 100000] [--keep]

Creates a scratch database ``mirai_bench_search`` on the local PostgreSQL (trust auth; override the server
with MIRAI_TEST_PG_ADMIN_URL), migrates it, and stores ``--voices`` voices in SQL: the texts of the
shipped corpus' test split in turn, each with the search tokens the app stores for it
(``voices.search.search_tokens_for``), spread over the 課, open and finished. Then, as an administrator
who sees every voice (the widest scan), runs the queue page's two queries (the first 500 voices of the
search, soonest due first, and the counts per status) for each query below, and prints the median and
the slowest of five runs each, and how many voices matched. The database is dropped afterwards unless
--keep is given.
"""
from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.scratch_db import bench_arguments, scratch_app

DB_NAME = "mirai_bench_search"
QUERIES = ["ごみ", "自転車", "じてんしゃ", "放置自転車", "街灯 消えて", "児童クラブ 申込", "カーブミラー",
           "2026-000123", "あいうえお"]
RUNS = 5


def store_voices(voices: int) -> int:
    """Insert `voices` voices cycling over the test split's texts; returns how many distinct texts."""
    from classifier.corpus import load_corpus, split
    from models import db
    from voices.search import search_tokens_for

    texts = [example.text for example in split(load_corpus())[1]]
    rows = [{"i": i, "body": body, "tokens": search_tokens_for(body)} for i, body in enumerate(texts)]
    db.session.execute(text("CREATE TEMPORARY TABLE bench_texts (i int, body text, tokens text)"))
    db.session.execute(text("INSERT INTO bench_texts VALUES (:i, :body, :tokens)"), rows)
    db.session.execute(text("""
        INSERT INTO voices (receipt_no, access_code_hash, client_token, channel, voice_type, subject, body,
            submitter_name, submitter_email, submitter_phone, district, age_group, wants_reply,
            consent_privacy, consent_publish, status, section_id, section_confirmed, forward_count,
            search_tokens, no_action_reason, speaker_category, chosen_section_name, received_at,
            due_date, created_at, updated_at)
        SELECT '2026-' || lpad(g::text, 6, '0'), md5(g::text), 'bench-' || g, 'web', '要望', '', t.body,
               '', '', '', '', '', false, true, false,
               (ARRAY['assigned', 'in_progress', 'answered', 'closed'])[1 + g % 4],
               (SELECT min(id) FROM sections) + g % 27, true, 0, t.tokens, '', '', '',
               now() - (g % 1000) * interval '1 day', current_date + (g % 30), now(), now()
        FROM generate_series(1, :n) g JOIN bench_texts t ON t.i = g % :m"""), {"n": voices, "m": len(texts)})
    db.session.execute(text("ANALYZE voices"))
    db.session.commit()
    return len(texts)


def main() -> None:
    args = bench_arguments(__doc__, voices=100_000)
    with scratch_app(DB_NAME, keep=args.keep) as (_app, _url):
        from models import User, db
        from voices.queue import QueueFilter, queue_query, status_counts

        started = time.perf_counter()
        distinct = store_voices(args.voices)
        print(f"stored {args.voices:,} voices ({distinct:,} distinct texts) in {time.perf_counter() - started:.1f} s")
        admin = User(login_id="bench-admin", display_name="bench", role="admin", password_hash="-")
        db.session.add(admin)
        db.session.commit()
        today = date.today()
        print(f"{'query':<16} {'matched':>8} {'median ms':>10} {'slowest ms':>11}")
        for query in QUERIES:
            flt = QueueFilter(status="all", q=query)
            timings = []
            for _ in range(RUNS):
                start = time.perf_counter()
                listed = db.session.scalars(queue_query(admin, flt, today).limit(500)).all()
                counts = status_counts(admin, flt, today)
                timings.append((time.perf_counter() - start) * 1000)
                db.session.rollback()
            print(f"{query:<16} {sum(counts.values()):>8,} {statistics.median(timings):>10.1f} "
                  f"{max(timings):>11.1f}   (listed {len(listed)})")


if __name__ == "__main__":
    main()
