"""``flask --app web import-voices FILE --kind meeting|voices [--dry-run]``."""
from __future__ import annotations

import sys
import time

import click

from models import IMPORT_KINDS, ImportJob, db
from routing.batch import route_new_voices
from voices.importers.encoding import ENCODING_LABELS
from voices.importers.reader import ImportFileError
from voices.importers.report import import_report
from voices.importers.service import ImportRefused, enqueue, register_path, run_check, run_import
from web.imports import bp

FINISHED = ("done", "refused", "failed")


def _summary(job: ImportJob) -> None:
    hidden = f"（うち非表示の行 {job.hidden_rows:,}）" if job.hidden_rows else ""
    click.echo(f"文字コード: {ENCODING_LABELS.get(job.encoding, '—（Excel）')}")
    click.echo(f"データ行: {job.total_rows:,} 行（正しい行 {job.good_rows:,}・不正な行 {job.bad_rows:,}{hidden}・"
               f"登録済みの行 {job.duplicate_rows:,}）")


def _print_notices(job: ImportJob) -> None:
    for notice in import_report(job).notices:
        click.echo(f"お知らせ: {notice}")


def _print_errors(job: ImportJob) -> None:
    """The rows with errors and their reasons, then the hidden rows by number with what to do."""
    report = import_report(job)
    for line in report.error_lines:
        click.echo(line, err=True)
    if report.unlisted_rows:
        click.echo(f"…ほか {report.unlisted_rows:,} 行に誤りがあります。", err=True)
    if report.hidden_rows:
        click.echo(f"非表示の行: {report.hidden_rows:,} 行（{report.hidden_row_numbers}）", err=True)
        click.echo(report.hidden_rows_help, err=True)


@bp.cli.command("import-voices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(sorted(IMPORT_KINDS)), required=True,
              help="meeting: 会合の発言 / voices: 市民の声（一般）")
@click.option("--dry-run", is_flag=True, help="確認だけして何も登録しない")
@click.option("--only-good-rows", is_flag=True, help="不正な行があっても、正しい行だけを取り込む")
@click.option("--as-finished", is_flag=True,
              help="過去の記録として、受付日に完了した声として取り込む（担当課の処理待ち・期限管理に入れない）")
@click.option("--queue", "use_queue", is_flag=True,
              help="RQ ジョブとして実行し、データベースの進み具合を表示する（REDIS_URL と稼働中のワーカーが必要）")
def import_voices(file: str, kind: str, dry_run: bool, only_good_rows: bool, as_finished: bool,
                  use_queue: bool) -> None:
    """CSV（UTF-8・Shift_JIS）または Excel（.xlsx）から声を取り込む。不正な行があれば何も取り込まない。"""
    try:
        job = register_path(file, kind)
    except ImportFileError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{job.filename}（{job.kind_label}）を確認しています…")
    job = run_check(job.id, progress=lambda j: click.echo(f"  {j.processed_rows:,} 行を確認", err=True))
    if job.state == "refused":
        _print_errors(job)
        _print_notices(job)
        click.echo("このファイルは取り込めません。何も登録していません。", err=True)
        sys.exit(1)
    _summary(job)
    _print_notices(job)
    if job.bad_rows:
        _print_errors(job)
        if dry_run or not only_good_rows:
            click.echo(f"{import_report(job).blocking}ため、何も取り込みませんでした"
                       "（--only-good-rows で正しい行だけを取り込めます）。", err=True)
            sys.exit(1)
    if dry_run:
        click.echo(f"確認のみ（--dry-run）: {job.good_rows - job.duplicate_rows:,} 行を新しく取り込めます。")
        return
    try:
        if use_queue:
            enqueue(job, "import", only_good_rows=only_good_rows, as_finished=as_finished)
            job = _follow(job.id)
        else:
            job.only_good_rows, job.as_finished, job.state = only_good_rows, as_finished, "queued"
            db.session.commit()
            with click.progressbar(length=job.total_rows, label="取込中") as bar:
                done = [0]

                def advance(current: ImportJob) -> None:
                    bar.update(current.processed_rows - done[0])
                    done[0] = current.processed_rows

                job = run_import(job.id, route=route_new_voices, progress=advance)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    if job.state != "done":
        _print_errors(job)
        click.echo(f"取り込めませんでした（{job.state_label}）。{job.last_error}", err=True)
        sys.exit(1)
    click.echo(f"取り込み完了: {job.imported_rows:,} 件を登録し、登録済みの {job.duplicate_rows:,} 件をスキップしました。"
               + import_report(job).not_imported)


def _follow(import_id: int) -> ImportJob:
    """Show the progress of a queued import from its database row until it finishes."""
    with click.progressbar(length=100, label="取込中（ワーカー）") as bar:
        shown = 0
        while True:
            db.session.expire_all()
            job = db.session.get(ImportJob, import_id)
            if job.state == "importing" or job.state in FINISHED:
                bar.update(job.percent - shown)
                shown = job.percent
            if job.state in FINISHED:
                return job
            time.sleep(0.5)
