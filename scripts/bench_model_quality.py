"""Benchmark the model's per-month figures on real voices (/admin/model) on PostgreSQL.

    .venv/bin/python scripts/bench_model_quality.py [--voices 20000] [--keep]

Creates a scratch database ``mirai_bench_model_quality`` on the local PostgreSQL (trust auth; override
the server with MIRAI_TEST_PG_ADMIN_URL), migrates and seeds it, and writes ``--voices`` voices received
over the last 12 months in SQL, each staff-confirmed in one of the 27 課, with a classification (three
課 and scores), a first assignment by the model or by 広聴, and a staff-confirmed measure on 1 in 5. Then
times
``routing.model_quality.model_quality`` through the real app (best of three) and prints the seconds and
peak memory (RSS). The database is dropped afterwards unless --keep is given.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.scratch_db import bench_arguments, scratch_app

DB_NAME = "mirai_bench_model_quality"


def generate(url: str, voices: int) -> None:
    """Voices spread over the last 365 days; the model right for 9 in 10, and the router for 3 in 4
    (first assigned where the model said, so the model's wrong routings were forwarded); staff confirmed
    a measure on 1 in 5, which the model did not give."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("""
            CREATE TEMP TABLE bench_sections AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, classifier_label FROM sections"""))
        conn.execute(text("""
            INSERT INTO voices (receipt_no, access_code_hash, client_token, channel, voice_type, subject, body,
                submitter_name, submitter_email, submitter_phone, district, age_group, wants_reply,
                consent_privacy, consent_publish, status, section_id, section_confirmed, forward_count,
                search_tokens, no_action_reason, speaker_category, chosen_section_name, received_at,
                created_at, updated_at, closed_at)
            SELECT 'Q-' || g, md5(g::text), 'quality-' || g, 'web', '要望', '', '道路の穴を直してください。',
                   '', '', '', '', '', false, true, false, 'closed', s.id, true, 0, '', '', '', '',
                   now() - (g % 365) * interval '1 day', now(), now(), now()
            FROM generate_series(1, :n) g JOIN bench_sections s ON s.k = g % 27"""), {"n": voices})
        conn.execute(text("""
            INSERT INTO classifications (voice_id, model_version, section_name, section_top, measures, voice_type,
                                         confidence, explanation, created_at)
            SELECT v.id, 'bench', top1.classifier_label,
                   json_build_array(json_build_array(top1.classifier_label, 0.7),
                                    json_build_array(other.classifier_label, 0.2),
                                    json_build_array(third.classifier_label, 0.1)),
                   '[]'::json, '要望', 0.7, '[]'::json, now()
            FROM voices v JOIN bench_sections own ON own.id = v.section_id
            JOIN bench_sections top1 ON top1.k = CASE WHEN v.id % 10 = 0 THEN (own.k + 1) % 27 ELSE own.k END
            JOIN bench_sections other ON other.k = (own.k + 2) % 27
            JOIN bench_sections third ON third.k = (own.k + 3) % 27"""))
        conn.execute(text("""
            INSERT INTO assignments (voice_id, section_id, role, decided_by, reason, active, created_at)
            SELECT v.id, s.id, 'primary', CASE WHEN v.id % 4 = 0 THEN 'triage' ELSE 'model' END, '', true, now()
            FROM voices v JOIN classifications c ON c.voice_id = v.id
            JOIN sections s ON s.classifier_label = c.section_name"""))
        conn.execute(text("""
            INSERT INTO voice_measures (voice_id, measure_code, source, created_at)
            SELECT id, 'M5-2', 'staff', now() FROM voices WHERE id % 5 = 0"""))


def main() -> int:
    args = bench_arguments(__doc__, voices=20000)

    from routing.model_quality import model_quality

    with scratch_app(DB_NAME, keep=args.keep) as (_, url):
        generate(url, args.voices)
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            rows = model_quality().rows
            timings.append(time.perf_counter() - started)
    total = rows[-1]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{total.confirmed} voices in {len(rows) - 1} months: top-1 {total.top1_rate:.3f}, "
          f"model-routed kept {total.kept_rate:.3f}, {total.measured} with confirmed measures")
    print(f"model_quality(): best of three {min(timings):.2f} s (runs: "
          f"{', '.join(f'{t:.2f}' for t in timings)}); peak RSS {peak_mib:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
