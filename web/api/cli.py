"""``flask --app web api-token issue|list|revoke``: API tokens for integrations (administrators only)."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from models import (
    API_SCOPES,
    DEFAULT_TOKEN_LIFETIME_DAYS,
    TOKEN_LIFETIMES_DAYS,
    ApiToken,
    Section,
    db,
    utcnow,
)
from web.api import bp
from web.api.tokens import TokenIssueError, issue_token, revoke_token
from web.filters import jp_datetime


@click.group("api-token", cls=AppGroup)  # each command runs in the app context, as under `flask`
def api_token() -> None:
    """連携システム用の API トークンを管理する。"""


@api_token.command("issue")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(sorted(API_SCOPES)),
              help="与える権限（省略するとすべて）")
@click.option("--days", type=click.Choice([str(d) for d in TOKEN_LIFETIMES_DAYS]),
              default=str(DEFAULT_TOKEN_LIFETIME_DAYS), show_default=True, help="有効期間（日）")
@click.option("--section", "section_names", multiple=True, metavar="課の名前",
              help="voices:read で声を読める課（繰り返して複数指定）")
@click.option("--all-sections", is_flag=True, help="voices:read ですべての課の声を読めるようにする")
def issue(name: str, scopes: tuple[str, ...], days: str, section_names: tuple[str, ...], all_sections: bool) -> None:
    """API トークンを発行する（トークンはこの一度しか表示されません）。"""
    section_ids = []
    for section_name in section_names:
        section = db.session.scalar(select(Section).where(Section.name == section_name.strip()))
        if section is None:
            raise click.ClickException(f"課「{section_name}」は登録されていません。")
        section_ids.append(section.id)
    try:
        row, token = issue_token(name, list(scopes) or None, days=int(days), section_ids=section_ids,
                                 all_sections=all_sections)
    except TokenIssueError as error:
        options = {"read_range": "--section 課の名前 か --all-sections", "section_ids": "--section 課の名前"}
        hint = f"（{options[error.field]}）" if error.field in options else ""
        raise click.ClickException(f"{error}{hint}") from None
    click.echo(f"発行しました: #{row.id} {row.name}（権限: {', '.join(row.scopes)}、読める課: {_readable(row)}、"
               f"有効期限: {jp_datetime(row.expires_at)}）")
    click.echo(token)


def _readable(row: ApiToken) -> str:
    if "voices:read" not in row.scopes:
        return "—"
    return "すべての課" if row.all_sections else "・".join(section.name for section in row.sections)


@api_token.command("list")
def list_tokens() -> None:
    """発行済みの API トークン。"""
    now = utcnow()
    for row in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "無効" if row.revoked_at else "期限切れ" if row.expired(now) else "有効"
        click.echo(f"#{row.id}\t{row.prefix}…\t{state}\t{jp_datetime(row.expires_at)}まで\t{row.name}\t"
                   f"{','.join(row.scopes)}\t{_readable(row)}")


@api_token.command("revoke")
@click.argument("token_id", type=int)
def revoke(token_id: int) -> None:
    """API トークンを失効させる。"""
    if revoke_token(token_id) is None:
        raise click.ClickException(f"トークン #{token_id} はありません。")
    click.echo(f"トークン #{token_id} を失効させました。")


@bp.record_once
def _register_cli(state) -> None:
    state.app.cli.add_command(api_token)
