"""Does prediction answer every voice, good or bad, in the documented shape?"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import classifier

REPO = Path(__file__).resolve().parents[2]
PREDICTION_KEYS = {"section", "section_top", "bu", "measures", "voice_type", "confidence", "explanation",
                   "model_version"}


def _line(record) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


def test_predict_cli_answers_a_mixed_batch_line_by_line(model_dir):
    """Does `python -m classifier predict` answer good lines and give bad ones a Japanese error?"""
    batch = b"".join([
        b"\xef\xbb\xbf"  # a UTF-8 BOM, as Windows Notepad writes one
        + _line({"id": 1, "text": "家の前のごみ集積所がカラスに荒らされて困っています。ネットを増やしてください。"}),
        _line({"id": 2, "text": ""}),
        _line({"id": 3, "text": "  \u3000\n "}),
        _line({"id": 4, "text": "😡😡😡🙏"}),
        _line({"id": 5, "text": "あ" * 100_000}),
        _line({"id": 6, "text": "ｺﾞﾐｼｭｳｼｭｳﾋﾞｦｵｼｴﾃｸﾀﾞｻｲ"}),
        _line({"id": 7, "text": "<p>道路に<b>穴</b>が開いていて&amp;危ない</p><script>alert(1)</script>"}),
        b'{"id": 8, "text": "\xff\xfe\xfd"}\n',
        b'{"id": 9, "text": \n',
        _line({"id": 10}),
        _line([1, 2, 3]),
        # a lone surrogate and a NUL, as JSON escapes, and a Windows line end
        _line({"id": 11, "text": "\0市道に大きな穴があいていて危ない"}).replace(b'"\\u0000', b'"\\ud800\\u0000')
        .replace(b"\n", b"\r\n"),
        b"\n",
        _line({"id": "last", "text": "保育園の入園の申し込みはいつからですか"}),
    ])
    env = {**os.environ, "MIRAI_MODEL_DIR": str(model_dir)}
    done = subprocess.run([sys.executable, "-m", "classifier", "predict"], input=batch, capture_output=True,
                          check=False, cwd=REPO, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    answers = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert len(answers) == 14
    assert [a["id"] for a in answers] == [1, 2, 3, 4, 5, 6, 7, None, None, 10, None, 11, None, "last"]
    errors = {i: a["error"] for i, a in enumerate(answers) if "error" in a}
    assert sorted(errors) == [1, 2, 7, 8, 9, 10, 12]
    assert errors[1] == errors[2] == "本文が空です"
    assert "UTF-8" in errors[7] and "JSON" in errors[8]
    assert errors[12].startswith("空行です")
    assert all(any("\u3040" <= ch <= "\u30ff" for ch in message) for message in errors.values())
    good = [a for a in answers if "error" not in a]
    for answer in good:
        assert set(answer) == PREDICTION_KEYS | {"id"}
        assert len(answer["section_top"]) == 3
        assert answer["bu"] == classifier.labels.bu_of(answer["section"])
    by_id = {a["id"]: a for a in good}
    assert by_id[1]["section"] == "生活環境課" and by_id[1]["confidence"] > 0.5
    assert by_id[7]["section"] == "建設課"
    assert by_id[11]["section"] == "建設課"
    assert by_id["last"]["section"] == "みらいこども課"
    assert by_id[4]["confidence"] < 0.2  # emoji only: nothing the model knows
    assert by_id[4]["explanation"] == []


def test_prediction_has_top3_and_matches_the_cli_shape(configured):
    """Is a Prediction frozen, with three distinct ranked 課 and to_dict() equal to the CLI keys?"""
    prediction = classifier.predict("固定資産税の納税通知書の税額が去年より高い理由を教えてください")
    assert prediction.section == "税務課"
    names = [name for name, _ in prediction.section_top]
    scores = [score for _, score in prediction.section_top]
    assert len(names) == len(set(names)) == 3 and names[0] == prediction.section
    assert scores == sorted(scores, reverse=True) and 0 <= sum(scores) <= 1.0 + 1e-6
    assert prediction.confidence == pytest.approx(scores[0])
    assert prediction.model_version == classifier.active_version()
    assert "固定資産税" in prediction.explanation
    assert set(prediction.to_dict()) == PREDICTION_KEYS
    with pytest.raises(AttributeError):
        prediction.section = "総務課"


def test_predict_many_keeps_order_and_rejects_non_text(configured):
    """Does predict_many answer in input order, and refuse non-strings?"""
    texts = ["下水道の使用料について", "図書館の開館時間を延ばしてほしい", "予防接種の予約方法"]
    sections = [p.section for p in classifier.predict_many(texts)]
    assert sections == ["上下水道課", "生涯学習課", "健康増進課"]
    assert classifier.predict_many([]) == []
    with pytest.raises(TypeError):
        classifier.predict_many([None])


def test_measures_and_voice_type_come_from_the_label_space(configured):
    """Are predicted measures reference codes and the voice type one of the six?"""
    prediction = classifier.predict("住民票の申請を窓口に並ばずにオンラインでできるようにしてほしい")
    codes = set(classifier.labels.measure_codes())
    assert set(prediction.measures) <= codes and len(prediction.measures) <= 2
    assert prediction.voice_type in classifier.labels.VOICE_TYPES
    thanks = classifier.predict("先日は窓口で丁寧に対応していただき、本当にありがとうございました")
    assert thanks.voice_type == "感謝"


def test_calibration_supports_an_abstain_threshold(model_dir):
    """On the held-out split, are confident predictions more accurate, and is confidence honest?"""
    metadata = classifier.read_metadata(classifier.ensure_model())
    heldout = metadata["metrics"]["heldout"]
    rows = heldout["thresholds"]
    assert [r["threshold"] for r in rows] == [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    shares = [r["auto_routed"] for r in rows]
    assert shares == sorted(shares, reverse=True)
    assert rows[-1]["accuracy"] > heldout["section_top1"]
    assert metadata["metrics"]["cv"]["section"]["ece"] < 0.1
    # calibrated: among voices routed at ≥ 0.5, accuracy is at least the threshold
    assert rows[2]["accuracy"] >= 0.5


def test_predict_with_tokens_matches_predict_and_tokenize(configured):
    """Does the one-pass helper used by bulk imports give the same answers as predict_many and tokenize?"""
    from classifier.similarity import predict_with_tokens

    texts = ["粗大ゴミの申し込み方法", "学童保育の空き状況を知りたい", "道路" * 12_000]
    predictions, tokens = predict_with_tokens(texts)
    assert predictions == classifier.predict_many(texts)
    assert tokens == [classifier.tokenize(text) for text in texts]


def test_explanation_words_are_distinct_terms():
    """Is a word inside a stronger or weaker listed word merged into the longer one, in the stronger's place?"""
    from classifier.model import _distinct_words

    assert _distinct_words(["自転", "屋根", "置き場", "自転車", "壊れる", "駐輪"], 5) == \
        ["自転車", "屋根", "置き場", "壊れる", "駐輪"]
    assert _distinct_words(["住民票", "窓口", "住民", "取る"], 3) == ["住民票", "窓口", "取る"]
    assert _distinct_words(["固定", "資産", "固定資産税", "通知"], 5) == ["固定資産税", "通知"]
    assert _distinct_words(["道路", "穴", "直す", "通る"], 2) == ["道路", "穴"]


def test_only_content_words_can_explain_a_voice():
    """Are particles, auxiliaries, symbols and verbs used for grammar kept out of explanations, verbs that
    name the matter and compounds with affixes kept in, and character n-grams that cut across words refused?"""
    from classifier.explanation import explanatory_characters, is_explanatory

    for term in ["ごみ", "避難所", "ご意見", "固定資産税", "払う", "ゴミ", "市", "切れる", "直す", "忘れる", "出す", "付く"]:
        assert is_explanatory(term), term
    for term in ["か", "の", "?", "てる", "ない", "下さる", "欲しい", "さん", "様", "3", "", " ",
                 "いる", "出来る", "願う", "始める", "つく"]:
        assert not is_explanatory(term), term
    voice_words = {"ごみ", "出す", "日", "下さる"}
    for gram in ["料金", "防団", "ごみ"]:
        assert explanatory_characters(gram, voice_words), gram
    for gram in ["議員が", "の", "すか", "料金、", "", "ださい", "手がい"]:
        assert not explanatory_characters(gram, voice_words), gram


def test_a_verb_that_names_the_matter_explains_a_voice(configured):
    """Does a voice about something broken or forgotten show the verb (直す, 忘れる) among its reasons, and no
    fragment of ください such as 「ださい」?"""
    mend = classifier.predict("道路の穴を直してください")
    assert {"道路", "直す"} <= set(mend.explanation) and "ださい" not in mend.explanation, mend.explanation
    forgot = classifier.predict("納付書を無くしてしまい、期限を忘れていました。")
    assert "忘れる" in forgot.explanation and "仕舞う" not in forgot.explanation, forgot.explanation


def test_explanations_of_polite_questions_name_the_matter_not_the_politeness(configured):
    """Does a short polite question get nouns as its reasons, not ください, か or the question mark?"""
    texts = ["ごみの収集日を教えてください", "住民票はどこで取れますか？", "保育園に空きはありますか?"]
    for prediction in classifier.predict_many(texts):
        assert prediction.explanation, prediction
        assert not {"下さる", "か", "?", "有る", "ます"} & set(prediction.explanation), prediction.explanation
    assert "ごみ" in classifier.predict(texts[0]).explanation


def test_a_voice_in_kana_is_explained_by_the_noun_in_kanji(configured):
    """Does a voice that spells 自転車 in kana show 自転車 to staff, not Sudachi's piece 自転?"""
    prediction = classifier.predict("じてんしゃおきばのやねがこわれています。なおしてください")
    assert "自転車" in prediction.explanation and "自転" not in prediction.explanation
    terms = prediction.explanation
    assert not any(a != b and a in b for a in terms for b in terms)
