"""Search tokens made again after the tokenizer changes.

Each voice stores the Sudachi tokens of its text (`Voice.search_tokens`) for search, 似た声, the
action-item links and the planners' term lists. When the tokenizer reads text differently (a new
SudachiPy or dictionary, or new data of our own such as the kana index), the tokens stored for earlier
voices no longer match what a search for the same words asks for; so do they when the 異体字 folded into
the tokens change (voices.folding). `reindex_search_tokens` tokenizes every voice again, a batch per
transaction, and then records what made the tokens (setting `search.tokenizer`,
`voices.search.tokens_fingerprint`), so running it again does nothing until that changes.
`flask --app web search-reindex` runs it; `make run` and the compose migrate step run it on every start.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from models import Voice, db
from models.setting import get_setting, set_setting
from routing.service import text_for_classification
from voices.search import search_tokens_for, tokens_fingerprint

SETTING = "search.tokenizer"
BATCH = 500


@dataclass(frozen=True)
class Reindexed:
    voices: int  # voices read
    changed: int  # voices whose stored tokens changed


def reindex_due() -> bool:
    """Were the stored search tokens made by another tokenizer (or 異体字 folding) than this one?"""
    return get_setting(SETTING) != tokens_fingerprint()


def reindex_search_tokens(*, force: bool = False, batch: int = BATCH) -> Reindexed | None:
    """Tokenize every voice again and store the tokens that changed; None when not due (and not forced)."""
    if not force and not reindex_due():
        return None
    fingerprint = tokens_fingerprint()
    read = changed = last_id = 0
    while voices := db.session.scalars(
            select(Voice).where(Voice.id > last_id).order_by(Voice.id).limit(batch)).all():
        for voice in voices:
            tokens = search_tokens_for(text_for_classification(voice))
            if tokens != voice.search_tokens:
                voice.search_tokens = tokens
                changed += 1
        read += len(voices)
        last_id = voices[-1].id
        db.session.commit()
    set_setting(SETTING, fingerprint)
    db.session.commit()
    return Reindexed(read, changed)
