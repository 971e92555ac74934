"""`python -m classifier` on a bad input file or database: one clear line and exit status 2, no traceback."""

from __future__ import annotations

import socket

import pytest

from classifier.cli import main


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.mark.parametrize(("write", "expected"), [
    (None, "ファイルを開けません"),
    (b'{"text": "\xe9\x81\x93\xe8\xb7\xaf\xe3\x81\xab\xe7\xa9\xb4", "section": "\xe9\x81\x93\xe8\xb7\xaf\xe8\xaa\xb2"}\n',
     "この組織にない課"),
    (b'{"text": "broken\n', "JSON として解釈できません"),
    (b"\xff\xfe\x00bad\n", "UTF-8 として読み取れない"),
    (b"# comments only\n\n", "評価する行がありません"),
], ids=["missing", "unknown-section", "bad-json", "not-utf8", "empty"])
def test_evaluate_refuses_a_bad_file_in_one_line(configured, tmp_path, capsys, write, expected):
    """The file is named by its line; nothing is evaluated and nothing is raised."""
    path = tmp_path / "labelled.jsonl"
    if write is not None:
        path.write_bytes(write)
    assert main(["evaluate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("エラー: ") and expected in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_train_refuses_an_unreachable_database_before_training(configured, tmp_path, capsys):
    """--database-url to a server that is not there: the reason, and no version written."""
    url = f"postgresql://127.0.0.1:{_closed_port()}/nowhere"
    assert main(["--model-dir", str(tmp_path), "train", "--database-url", url]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("エラー: 職員が確定した担当課をデータベースから読めません") and "refused" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.postgres
def test_train_refuses_a_database_without_the_services_tables(configured, tmp_path, capsys, pg_database):
    """A real, empty PostgreSQL database: not the service's (no voices table)."""
    assert main(["--model-dir", str(tmp_path), "train", "--database-url", pg_database]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "職員が確定した担当課をデータベースから読めません" in err and "voices" in err


def test_train_refuses_a_url_it_cannot_use(configured, tmp_path, capsys):
    assert main(["--model-dir", str(tmp_path), "train", "--database-url", "not a url"]) == 2
    assert "データベースの URL を使えません" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "value"), [("MIRAI_MODEL_KEEP", "-1"), ("MIRAI_MODEL_KEEP", "ten"),
                                             ("MIRAI_TRAIN_JOBS", "two")])
def test_train_refuses_a_bad_setting_before_training(configured, tmp_path, capsys, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert main(["--model-dir", str(tmp_path), "train"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("エラー: ") and name in err[0]
    assert not list(tmp_path.iterdir())


def test_an_unknown_version_is_refused_in_one_line(configured, capsys):
    """promote / evaluate --version with a version that is not saved: the reason, status 2."""
    assert main(["promote", "no-such-version"]) == 2
    assert main(["evaluate", "--split", "test", "--version", "no-such-version"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("エラー: ") and "no-such-version" in line for line in lines)


@pytest.mark.parametrize("argv", [["bench", "-n", "0"], ["bench", "--repeats", "x"],
                                  ["train", "--extra-weight", "-1"], ["train", "--extra-weight", "nan"]])
def test_counts_and_weights_must_be_positive(argv, capsys):
    """Refused by the argument parser (status 2) before any work starts."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert ("1 以上の整数" if argv[0] == "bench" else "0 より大きい数") in err
