"""``flask --app web …`` commands: seed, worker, outbox."""
from __future__ import annotations

import click
from flask import Flask, current_app

from models import utcnow
from routing.dispatch import flush_outbox
from routing.model_registry import ModelAdminError, register_active_model, request_retrain
from routing.reindex import reindex_search_tokens
from routing.schedule import hand_over_daily_jobs
from routing.worker import REDIS_WAIT, run_worker
from web import cli_errors
from web.planner.demo import seed_demo_action_items
from web.seeding import demo_refusal, seed_demo_accounts, seed_demo_voices, seed_reference


def register(app: Flask) -> None:
    """Attach the commands to ``app.cli``; any command, ours or a plugin's, that cannot reach PostgreSQL or
    Redis ends with one line naming the server (its password masked) instead of a traceback."""
    cli_errors.attach(app)

    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="デモ用のアカウントと声も登録する")
    def seed(demo: bool) -> None:
        """既定の組織（7部27課）と改革項目（21項目）を登録する。組織が登録済みなら変更しない（管理者の機構改革を守る）。"""
        counts = seed_reference()
        click.echo(f"部 {counts['departments']}・課 {counts['sections']}・改革項目 {counts['measures']} を登録済み")
        if demo:
            refusal = demo_refusal()
            if refusal:
                raise click.ClickException(refusal)
            password = current_app.config["DEMO_PASSWORD"]
            created = seed_demo_accounts(password)
            click.echo(f"デモアカウント {created} 件を作成（パスワード: {password}）")
            click.echo(f"デモの声 {seed_demo_voices()} 件を受付")
            items = seed_demo_action_items()
            click.echo("デモのアクションプランは登録済み" if items is None else f"デモのアクションプラン {items.created} 件を登録")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="キューが空になったら終了する")
    @click.option("--queue", "queues", multiple=True,
                  help="このキューだけを処理する（繰り返し指定可。既定はすべて: routing, mail, periodic, training, slow）")
    @click.option("--redis-wait", type=click.FloatRange(min=0), default=REDIS_WAIT, show_default=True,
                  help="Redis に接続できないとき、あきらめて終了するまで再試行する秒数")
    def worker(burst: bool, queues: tuple[str, ...], redis_wait: float) -> None:
        """RQ ワーカーを起動する（REDIS_URL が必要）。"""
        try:
            run_worker(current_app._get_current_object(), burst=burst, only=list(queues) or None,
                       redis_wait=redis_wait)
        except ValueError as problem:
            raise click.UsageError(str(problem)) from None
        except RuntimeError as problem:  # REDIS_URL is not set: say so without a traceback
            raise click.ClickException(str(problem)) from None

    @app.cli.command("outbox-flush")
    def outbox_flush() -> None:
        """未送信のジョブをキューに渡し直す。"""
        if redis := current_app.extensions.get("mirai_redis"):
            # Redis down or hung: one line and exit code 1 (cli_errors), even with nothing to hand over,
            # rather than "0 件" as if all were well. flush_outbox raises a later failure the same way.
            redis.ping()
        count = flush_outbox(current_app.extensions["mirai_dispatcher"])
        click.echo(f"{count} 件のジョブを渡しました")

    @app.cli.command("model-ensure")
    def model_ensure() -> None:
        """分類モデルがなければ学習し、有効なモデルを記録する。"""
        row = register_active_model()
        click.echo(f"有効なモデル: {row.version}")

    @app.cli.command("search-reindex")
    @click.option("--all", "force", is_flag=True, help="トークナイザが変わっていなくても作り直す")
    def search_reindex(force: bool) -> None:
        """声の検索用トークンを作り直す（トークナイザが変わったときだけ。起動のたびに実行してよい）。"""
        done = reindex_search_tokens(force=force)
        if done is None:
            click.echo("検索用トークンは最新です")
        else:
            click.echo(f"検索用トークンを作り直しました: {done.voices} 件中 {done.changed} 件を更新")

    @app.cli.command("daily-jobs")
    def daily_jobs() -> None:
        """今日の定時ジョブ（期限超過のエスカレーションと通知）を、時刻が来ていれば一度だけ実行する。"""
        recorded, waiting = hand_over_daily_jobs(utcnow(), current_app.extensions["mirai_dispatcher"])
        if waiting:  # exit code 1 for cron's mail: Redis is down, though nothing is lost
            raise click.ClickException(
                f"{recorded} 件の定時ジョブを記録しましたが、Redis に渡せなかった {waiting} 件が未送信のまま残っています。"
                "Redis が戻ると、ワーカーの定期処理（または outbox-flush）が渡します。")
        click.echo(f"{recorded} 件の定時ジョブを実行キューに渡しました")

    @app.cli.command("model-retrain")
    def model_retrain() -> None:
        """職員が確定した担当課を加えて分類モデルを学習し直す（悪くならない場合だけ有効にする）。"""
        try:
            job = request_retrain(None)
        except ModelAdminError as problem:
            raise click.ClickException(str(problem)) from None
        click.echo(f"再学習ジョブ {job.key}: {job.state}")

    @app.cli.command("model-quality")
    @click.option("--months", default=12, show_default=True, help="直近何か月の声を数えるか")
    def model_quality_command(months: int) -> None:
        """実際の声での分類モデルの成績（職員が確定した担当課との一致）を受付月ごとに表示する。"""
        from routing.model_quality import model_quality

        report = model_quality(months)
        if not report:
            click.echo("担当課が確定した声はまだありません。")
            return
        for truth, said, count in report.confusions:
            click.echo(f"取り違え: {truth}の声を{said}と判断 {count}件")
        click.echo("受付月    確定  1位一致  上位3   自動振り分け  うち転送なし  改革項目F1（件数）")
        for row in report.rows:
            click.echo(f"{row.month or '合計':<8} {row.confirmed:>5}  {_pct(row.top1_rate):>7} {_pct(row.top3_rate):>7}"
                       f"  {row.auto_routed:>11}  {_pct(row.kept_rate):>11}  {_pct(row.measures_f1):>7}"
                       f" ({row.measured})")

    @app.cli.command("retention-purge")
    @click.option("--dry-run", is_flag=True, help="消去せず、対象の件数だけを表示する")
    def retention_purge(dry_run: bool) -> None:
        """保存期間を過ぎた声の個人情報を消去する（毎日の定時ジョブと同じ処理）。"""
        from voices.retention import purge_due

        result = purge_due(dry_run=dry_run)
        verb = "消去の対象" if dry_run else "個人情報を消去した声"
        click.echo(f"{verb}: {result.purged} 件（保存期間 {result.years} 年）")

    password_option = click.option(
        "--password", prompt="パスワード（12文字以上）", hide_input=True, confirmation_prompt="もう一度入力",
        envvar="MIRAI_ADMIN_PASSWORD", help="省略すると入力を求める（画面に表示しない）。環境変数 MIRAI_ADMIN_PASSWORD でも指定できる")

    @app.cli.command("create-admin")
    @click.argument("login_id")
    @click.option("--name", "display_name", required=True, help="表示名（例：情報政策 太郎）")
    @click.option("--email", default="", help="メールアドレス（任意）")
    @password_option
    def create_admin(login_id: str, display_name: str, email: str, password: str) -> None:
        """管理者アカウントを作る（本番で最初の管理者を作るとき。以降の職員は管理画面で追加する）。"""
        from web.admin.services import AdminError, create_user

        try:
            user = create_user(None, login_id=login_id.strip(), display_name=display_name.strip(),
                               email=email.strip(), role="admin", section_id=None, password=password)
        except AdminError as problem:
            raise click.ClickException(str(problem)) from None
        click.echo(f"管理者 {user.login_id}（{user.display_name}）を作成しました")

    @app.cli.command("set-password")
    @click.argument("login_id")
    @password_option
    def set_password(login_id: str, password: str) -> None:
        """職員のパスワードを設定し直し、ロックを解除する（管理者がログインできなくなったときの復旧用）。"""
        from sqlalchemy import func, select

        from models import User, db
        from web.admin.services import AdminError, reset_password, unlock_user

        user = db.session.scalar(select(User).where(func.lower(User.login_id) == login_id.strip().lower()))
        if user is None:
            raise click.ClickException(f"ログインID「{login_id}」の職員はいません")
        try:
            reset_password(None, user.id, password)
        except AdminError as problem:
            raise click.ClickException(str(problem)) from None
        unlock_user(None, user.id)
        click.echo(f"{user.login_id} のパスワードを設定し直し、ロックを解除しました")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
