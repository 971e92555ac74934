"""Benchmark: import, classify and route a large CSV on PostgreSQL + Redis, and print the figures.

    .venv/bin/python scripts/bench_import.py                  # 100,000 rows, in-process (like the CLI)
    .venv/bin/python scripts/bench_import.py --rows 20000
    .venv/bin/python scripts/bench_import.py --rq             # as an RQ job run by a real burst worker

It creates a scratch PostgreSQL database (dropped afterwards), migrates and seeds it, makes sure a
classifier model exists, writes a CP932 CSV of synthetic voices built from the shipped training corpus
(varied dates, channels, districts and wording, so rows are distinct), then times the check (dry run)
and the import: every row is stored through voices.intake.submit_many, classified, routed and linked
to its similar voices. Peak memory (RSS) is printed to show that the import streams.
Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and, with --rq, Redis on 127.0.0.1:6379.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PG_ADMIN = os.environ.get("MIRAI_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("MIRAI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
CHANNELS = ["窓口", "電話", "手紙", "FAX", "メール"]
TYPES = ["苦情", "要望", "提案", "問合せ", "意見", "感謝"]
DISTRICTS = ["伊奈", "谷和原", "小絹", "みらい平", "福岡", "十和", "板橋", "三島"]
OPENINGS = ["", "いつもお世話になっています。", "お忙しいところすみません。", "以前から気になっていたのですが、", ""]
CLOSINGS = ["", "よろしくお願いします。", "検討してください。", "早めの対応をお願いします。", "回答は不要です。"]


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted((REPO / "classifier" / "data" / "corpus").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                texts.append(json.loads(line)["text"])
    return texts


def write_csv(path: Path, rows: int, seed: int = 4) -> None:
    """A CP932 file in the general-voices template, as a city would export it from Excel."""
    rng = random.Random(seed)
    texts = corpus_texts()
    start = date(2025, 4, 1)
    with open(path, "w", encoding="cp932", errors="replace", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["受付日", "経路", "種別", "内容", "氏名", "連絡先", "地区", "担当課"])
        for i in range(rows):
            text = f"{rng.choice(OPENINGS)}{rng.choice(texts)}{rng.choice(CLOSINGS)}（{rng.choice(DISTRICTS)}{i % 97}）"
            writer.writerow([(start + timedelta(days=rng.randrange(365))).isoformat(), rng.choice(CHANNELS),
                             rng.choice(TYPES), text, "", "", rng.choice(DISTRICTS), ""])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the burst worker)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rq", action="store_true", help="run the import as an RQ job with a burst worker")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text

    name = f"mirai_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    workdir = Path(tempfile.mkdtemp(prefix="mirai-bench-"))
    model_dir = os.environ.get("MIRAI_MODEL_DIR") or str(REPO / "instance" / "models")
    try:
        return run(args, url, workdir, model_dir)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(args, url: str, workdir: Path, model_dir: str) -> int:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    import classifier
    from models import Classification, ImportJob, SimilarVoice, Voice, db
    from routing.batch import route_new_voices
    from voices.importers.service import enqueue, register_path, run_check, run_import
    from web import create_app
    from web.seeding import seed_reference

    os.environ.setdefault("MIRAI_SECRET_KEY", "bench")
    config = {"SQLALCHEMY_DATABASE_URI": url, "MODEL_DIR": model_dir, "SECRET_KEY": "bench",
              "REDIS_URL": REDIS if args.rq else None}
    app = create_app(config)
    classifier.configure(model_dir=model_dir)
    print(f"model: {classifier.ensure_model()}")
    path = workdir / "voices.csv"
    t0 = time.perf_counter()
    write_csv(path, args.rows)
    print(f"wrote {args.rows:,} rows ({path.stat().st_size / 2**20:.1f} MiB, CP932) in {time.perf_counter() - t0:.1f} s")
    classifier.predict("ウォームアップ")  # load the model outside the timing

    with app.app_context():
        upgrade()
        seed_reference()
        job = register_path(path, "voices")
        t0 = time.perf_counter()
        job = run_check(job.id)
        check_s = time.perf_counter() - t0
        print(f"check (dry run): {job.total_rows:,} rows, {job.bad_rows} bad, encoding {job.encoding}: {check_s:.1f} s")
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        print(f"load average before the import: {load_average()} (2 cores)")
        if args.rq:
            from redis import Redis

            Redis.from_url(REDIS).flushdb()
            enqueue(job, "import")
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "MIRAI_MODEL_DIR": model_dir,
                   "MIRAI_SECRET_KEY": "bench", "PYTHONPATH": str(REPO)}
            subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "web", "worker", "--burst"],
                           cwd=REPO, env=env, check=True)
            db.session.expire_all()
            job = db.session.get(ImportJob, job.id)
        else:
            job.state = "queued"
            db.session.commit()
            job = run_import(job.id, route=route_new_voices)
        import_s, import_cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        voices = db.session.scalar(select(func.count(Voice.id)))
        routed = db.session.scalar(select(func.count(Voice.id)).where(Voice.status.in_(("assigned", "triage"))))
        classified = db.session.scalar(select(func.count(Classification.id)))
        links = db.session.scalar(select(func.count(SimilarVoice.id)))
        print(f"import ({'RQ job + burst worker' if args.rq else 'in-process'}): state {job.state}, "
              f"{job.imported_rows:,} imported, {voices:,} voices, {classified:,} classified, {routed:,} routed, "
              f"{links:,} similar-voice links: {import_s:.1f} s ({job.imported_rows / import_s:,.0f} rows/s)")
        print(f"check + import: {check_s + import_s:.1f} s; CPU time of the importing process {import_cpu:.1f} s; "
              f"load average after: {load_average()}; peak RSS {peak_rss_mb():.0f} MiB")
        t0 = time.perf_counter()
        again = register_path(path, "voices")
        again = run_check(again.id)
        print(f"re-check of the same file: {again.duplicate_rows:,} of {again.total_rows:,} rows already stored "
              f"({time.perf_counter() - t0:.1f} s)")
        ok = job.state == "done" and routed == args.rows
        db.session.remove()
        db.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
