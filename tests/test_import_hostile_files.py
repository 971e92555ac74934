"""Does the import survive the files a city really sends (old Mac newlines, renamed workbooks, …) and
hostile ones (zip bombs, control characters), refusing with a Japanese reason instead of crashing?"""
from __future__ import annotations

import io
import zipfile

import pytest

from models import db, set_setting
from tests.test_import import VOICE_HEADER, VOICE_ROWS, check, voice_count, write, xlsx_bytes


@pytest.fixture(autouse=True)
def _uploads_and_auto_assign(app, tmp_path):
    app.config["IMPORT_DIR"] = str(tmp_path / "uploads")
    with app.app_context():
        set_setting("routing.auto_threshold", 0.0)
        db.session.commit()


def _zip_bomb(expanded_mb: int) -> bytes:
    """A valid workbook whose one 内容 cell holds ``expanded_mb`` MB of "A": it compresses about 1000 times."""
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(VOICE_HEADER, [VOICE_ROWS[0]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in workbook.infolist():
            data = workbook.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                body = VOICE_ROWS[0][3]
                assert body in data.decode()
                data = data.decode().replace(body, "A" * (expanded_mb << 20)).encode()
            bomb.writestr(member.filename, data)
    return out.getvalue()


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_expanded(app, tmp_path):
    data = _zip_bomb(30)
    assert len(data) < 100_000
    job = check(app, write(tmp_path, "bomb.xlsx", data))
    assert job.state == "refused"
    assert "展開すると極端に大きくなる Excel ファイル" in job.errors[0]["messages"][0]
    assert voice_count(app) == 0
