"""The rewritings that measure how the model holds up to how citizens write, the report on them, and the
katakana reading behind the kana features compared in `compare robustness`."""

from __future__ import annotations

import json
import random

import pytest

from classifier.cli import main
from classifier.corpus import Example, load_corpus
from classifier.robustness import (
    CLEAN,
    PERTURBATIONS,
    first_sentence,
    format_robustness,
    half_width,
    kana_words,
    no_punctuation,
    perturb,
    robustness_report,
    typing_slips,
)
from classifier.tokenizer import analyze, clean_text, tokenize

VOICE = "家の前の道路に大きな穴が開いています。自転車で通ると危ないので、早く直してください！"


def test_kanji_words_are_rewritten_in_their_reading():
    """Every content word with kanji, at share 1, is written in hiragana (or katakana); kana stays."""
    assert kana_words("自転車を盗まれた", random.Random(0), 1.0) == "じてんしゃをぬすまれた"
    assert kana_words("自転車を盗まれた", random.Random(0), 1.0, katakana=True) == "ジテンシャをヌスマれた"
    assert kana_words(VOICE, random.Random(0), 0.0) == VOICE


def test_a_share_rewrites_about_that_share_of_the_words():
    texts = [e.text for e in load_corpus()[:200]]
    rewritten = perturb(texts, "kanji words in hiragana (30%)")
    changed = sum(a != b for a, b in zip(texts, rewritten))
    assert changed > 180  # almost every voice has a word rewritten …
    kanji = sum(sum("\u4e00" <= c <= "\u9fff" for c in t) for t in texts)
    kept = sum(sum("\u4e00" <= c <= "\u9fff" for c in t) for t in rewritten)
    assert 0.55 < kept / kanji < 0.85  # … and most of the kanji stay


def test_rewriting_is_repeatable_for_a_seed_and_differs_between_seeds():
    texts = [e.text for e in load_corpus()[:50]]
    for name in PERTURBATIONS:
        assert perturb(texts, name, seed=3) == perturb(texts, name, seed=3)
    assert perturb(texts, "typing slips (3% of characters)", 1) != perturb(texts, "typing slips (3% of characters)", 2)


def test_typing_slips_drop_double_or_swap_characters():
    assert typing_slips(VOICE, random.Random(0), 0.0) == VOICE
    slipped = typing_slips(VOICE * 20, random.Random(0), 0.08)
    assert slipped != VOICE * 20
    assert sorted(set(slipped)) == sorted(set(VOICE))  # no character that was not there
    assert abs(len(slipped) - len(VOICE) * 20) < len(VOICE) * 20 * 0.08


def test_punctuation_first_sentence_and_half_width():
    assert no_punctuation(VOICE, random.Random(0)) == "家の前の道路に大きな穴が開いています 自転車で通ると危ないので 早く直してください"
    assert first_sentence(VOICE, random.Random(0)) == "家の前の道路に大きな穴が開いています。"
    assert first_sentence("句点のない一文", random.Random(0)) == "句点のない一文"
    written = half_width("ゴミステーションの件 (3/4)", random.Random(0))
    assert written == "ｺﾞﾐｽﾃｰｼｮﾝの件 （３／４）"
    assert half_width("パンフレットとヴァイオリン", random.Random(0)) == "ﾊﾟﾝﾌﾚｯﾄとｳﾞｧｲｵﾘﾝ"
    # the tokenizer undoes it: NFKC makes the same text of it
    assert clean_text(written) == clean_text("ゴミステーションの件 (3/4)")


def test_the_reading_is_the_same_for_kanji_and_kana_writing():
    """analyze(reading=True) reads a word alike however it is written; by default there is no reading."""
    _, tokens, reading = analyze("国民健康保険税の通知", reading=True)
    assert reading == "コクミンケンコウホケンゼイノツウチ"
    assert analyze("こくみんけんこうほけんぜいのつうち", reading=True)[2] == reading
    assert analyze("コクミンケンコウホケンゼイノツウチ", reading=True)[2] == reading
    assert analyze("国民健康保険税の通知") == (clean_text("国民健康保険税の通知"), tokens, "")
    assert tokens == tokenize("国民健康保険税の通知")


@pytest.mark.filterwarnings("ignore:The least populated class")
def test_a_model_with_kana_features_reads_the_reading_when_it_predicts():
    """The kana candidate of `compare robustness` works end to end: trained with readings, it predicts
    from readings, so a voice written in kana gets the 課 its kanji writing gets."""
    from classifier.features import analyze_texts, vectorizer_needs_reading
    from classifier.pipelines import CHOSEN, PipelineSpec, fit_voice_model

    corpus = load_corpus()
    examples = [e for e in corpus if e.section == "税務課"][:40] + [e for e in corpus if e.section == "建設課"][:40]
    spec = PipelineSpec(**{**CHOSEN.__dict__, "features": "word+kana3"})
    model, _ = fit_voice_model(analyze_texts([e.text for e in examples], reading=True), examples, spec,
                               n_jobs=1)
    assert vectorizer_needs_reading(model.vectorizer)
    kanji, kana = model.predict(["固定資産税の納税通知書", "こていしさんぜいののうぜいつうちしょ"], "test")
    assert kanji.section == kana.section == "税務課"


def test_the_report_starts_from_the_voices_as_written(configured):
    """Row 0 is evaluate's figures on the voices as written; each perturbation has its row."""
    from classifier import artifacts, predictor
    from classifier.evaluation import evaluate_model

    version = predictor.ensure_model()
    model, _ = artifacts.load(version)
    examples = [e for e in load_corpus() if e.in_test_split][:60]
    rows = robustness_report(model, version, examples, names=["first sentence only", "no punctuation"])
    assert [row["perturbation"] for row in rows] == [CLEAN, "first sentence only", "no punctuation"]
    plain = evaluate_model(model, version, examples)
    assert rows[0]["section_top1"] == plain["section_top1"] and rows[0]["n"] == 60
    assert rows[1]["section_top1"] < rows[0]["section_top1"]  # one sentence says less than the voice
    table = format_robustness(rows, "title")
    assert table.splitlines()[0] == "title" and "first sentence only" in table and "(-" in table


def test_the_robustness_command_reports_a_file(configured, tmp_path, capsys):
    path = tmp_path / "voices.jsonl"
    lines = [Example(text=VOICE, section="建設課"), Example(text="住民票の写しを取りたい", section="市民窓口課")]
    path.write_text("\n".join(json.dumps({"text": e.text, "section": e.section}, ensure_ascii=False)
                              for e in lines), encoding="utf-8")
    assert main(["robustness", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [row["perturbation"] for row in report["rows"]] == [CLEAN, *PERTURBATIONS]
    assert all(row["n"] == 2 for row in report["rows"])
    assert main(["robustness"]) == 2  # neither a file nor --split



def test_a_letter_frames_the_voice_whole_between_a_greeting_and_a_sign_off():
    from classifier.robustness import letter_framing

    framed = letter_framing(VOICE, random.Random(0))
    before, after = framed.split(VOICE)
    assert before.strip() and after.strip()  # a greeting (and an introduction) before, a sign-off after
    assert before.endswith("\n") and after.startswith("\n")
    assert len({letter_framing(VOICE, random.Random(seed)) for seed in range(20)}) > 10  # varied
