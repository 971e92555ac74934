"""``flask --app web api-token issue|list|revoke``: API tokens for integrations (administrators only)."""
from __future__ import annotations

import click
from sqlalchemy import select

from models import API_SCOPES, ApiToken, db
from web.api import bp
from web.api.tokens import issue_token, revoke_token


@click.group("api-token")
def api_token() -> None:
    """連携システム用の API トークンを管理する。"""


@api_token.command("issue")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(sorted(API_SCOPES)),
              help="与える権限（省略するとすべて）")
def issue(name: str, scopes: tuple[str, ...]) -> None:
    """API トークンを発行する（トークンはこの一度しか表示されません）。"""
    try:
        row, token = issue_token(name, list(scopes) or None)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"発行しました: #{row.id} {row.name}（権限: {', '.join(row.scopes)}）")
    click.echo(token)


@api_token.command("list")
def list_tokens() -> None:
    """発行済みの API トークン。"""
    for row in db.session.scalars(select(ApiToken).order_by(ApiToken.id)):
        state = "失効" if row.revoked_at else "有効"
        click.echo(f"#{row.id}\t{row.prefix}…\t{state}\t{row.name}\t{','.join(row.scopes)}")


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
