"""Benchmark the retention purge on PostgreSQL: how long April 1 takes when a whole 年度 expires.

    .venv/bin/python scripts/bench_retention.py [--voices 5000] [--keep]

Creates a scratch database ``mirai_bench_retention`` on the local PostgreSQL (trust auth; override the
server with MIRAI_TEST_PG_ADMIN_URL), migrates it, and writes ``--voices`` finished voices of 年度 2020 in
SQL, each with a name, e-mail and phone, a body of 80-400 characters naming the citizen, an address and a
phone number, a staff note and a forward reason in its events. Then runs ``voices.retention.purge_due``
as of 2026-04-01 through the real app and prints the time, voices per second and peak memory (RSS).
The database is dropped afterwards unless --keep is given.
"""
from __future__ import annotations

import resource
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.scratch_db import bench_arguments, scratch_app

DB_NAME = "mirai_bench_retention"
JST = ZoneInfo("Asia/Tokyo")
SENTENCES = ["道路の舗装が傷んで水たまりができます。", "街灯が切れていて夜道が暗いです。",
             "集積所のごみが回収されずに残っています。", "児童クラブの申込み方法を教えてください。",
             "窓口の待ち時間が長かったです。", "公園の遊具が壊れています。", "バスの本数を増やしてほしいです。"]


def generate(url: str, voices: int) -> None:
    engine = create_engine(url)
    sentences = "ARRAY[" + ",".join(f"'{s}'" for s in SENTENCES) + "]"
    with engine.begin() as conn:
        section = conn.execute(text("SELECT min(id) FROM sections")).scalar()
        conn.execute(text(f"""
            INSERT INTO voices (receipt_no, access_code_hash, client_token, channel, voice_type, subject, body,
                submitter_name, submitter_email, submitter_phone, district, age_group, wants_reply,
                consent_privacy, consent_publish, status, section_id, section_confirmed, forward_count,
                search_tokens, no_action_reason, speaker_category, chosen_section_name, received_at,
                created_at, updated_at, closed_at)
            SELECT '2020-' || lpad(g::text, 6, '0'), md5(g::text), 'bench-' || g, 'web', '要望', '',
                   '佐藤花子です。小張' || g || '-' || (g % 9 + 1) || 'に住んでいます。'
                   || array_to_string(ARRAY(SELECT ({sentences})[1 + (g + k) % 7]
                                            FROM generate_series(1, 2 + g % 12) k), '')
                   || '連絡は 090-' || lpad((g % 10000)::text, 4, '0') || '-5678 までお願いします。',
                   '佐藤花子', 'hanako' || g || '@example.jp', '090-0000-' || lpad((g % 10000)::text, 4, '0'),
                   '小張', '40代', true, true, false, 'closed', {section}, true, 1, ' 道路 ', '', '', '',
                   timestamp with time zone '2020-06-01 09:00+09', now(), now(),
                   timestamp with time zone '2020-06-20 09:00+09'
            FROM generate_series(1, :n) g"""), {"n": voices})
        conn.execute(text("""
            INSERT INTO voice_events (voice_id, kind, actor_label, data, created_at)
            SELECT id, kind, 'system', data::json, now()
            FROM voices, (VALUES ('note', '{"text": "佐藤花子さんに090-1234-5678で連絡済み"}'),
                                 ('forwarded', '{"section": "建設課", "reason": "佐藤様宅前のため"}'),
                                 ('closed', '{"section": "建設課"}')) AS e(kind, data)"""))


def main() -> int:
    args = bench_arguments(__doc__, voices=5000)

    from voices.retention import purge_due

    with scratch_app(DB_NAME, keep=args.keep) as (_, url):
        generate(url, args.voices)
        started = time.perf_counter()
        result = purge_due(datetime(2026, 4, 1, tzinfo=JST))
        seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"purged {result.purged} of {args.voices} voices in {seconds:.1f} s "
          f"({result.purged / seconds:.0f} voices/s); peak RSS {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
