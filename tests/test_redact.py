"""Does the one redaction function remove personal data in the formats citizens actually write?"""
from __future__ import annotations

import pytest

from voices.pii import MY_NUMBER_MASK
from voices.redact import ADDRESS_MASK, EMAIL_MASK, NAME_MASK, PHONE_MASK, POSTAL_MASK, redact, redact_place


@pytest.mark.parametrize("text, secret, mask", [
    ("電話は090-1234-5678です", "090-1234-5678", PHONE_MASK),
    ("携帯０９０－１２３４－５６７８まで", "１２３４", PHONE_MASK),
    ("市役所0297(58)2111へ", "2111", PHONE_MASK),
    ("(0297)58-2111に", "2111", PHONE_MASK),
    ("+81-90-1234-5678", "1234-5678", PHONE_MASK),
    ("09012345678に電話", "09012345678", PHONE_MASK),
    ("TEL 0297 58 2111", "58 2111", PHONE_MASK),
    ("090ー1234ー5678（長音で区切る人も）", "1234ー5678", PHONE_MASK),
    ("メールはtaro.yamada@example.co.jpへ", "taro.yamada", EMAIL_MASK),
    ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "ｔａｒｏ", EMAIL_MASK),
    ("〒300-2395 茨城県", "300-2395", POSTAL_MASK),
    ("〒３００－２３９５", "２３９５", POSTAL_MASK),
    ("〒3002395", "3002395", POSTAL_MASK),
    ("郵便番号300‐2395です", "2395", POSTAL_MASK),
    ("陽光台1丁目2番3号に住む", "2番3号", ADDRESS_MASK),
    ("紫峰ヶ丘2-3-4の前", "2-3-4", ADDRESS_MASK),
    ("福田195番地の1", "195番地", ADDRESS_MASK),
    ("伊奈東12－34 コーポ101号室", "101号室", ADDRESS_MASK),
    ("三丁目10番地", "三丁目10", ADDRESS_MASK),
    ("マイナンバーは123456789018です", "123456789018", MY_NUMBER_MASK),
    ("１２３４５６７８９０１８", "１２３４５６７８９０１８", MY_NUMBER_MASK),
    ("1234-5678-9018", "1234-5678-9018", MY_NUMBER_MASK),
    ("１２３４　５６７８　９０１８", "５６７８", MY_NUMBER_MASK),
    ("連絡先は〇九〇ー一二三四ー五六七八まで", "五六七八", PHONE_MASK),  # kanji digits
    ("電話（〇二九七）五八－二一一一", "二一一一", PHONE_MASK),
    ("山田太郎さんに言われた", "山田", NAME_MASK),
    ("担当の佐藤様と鈴木花子氏", "花子", NAME_MASK),
    ("隣のすずきさんが騒ぐ", "すずき", NAME_MASK),  # a surname in kana
    ("たなかたろうさんより電話", "たろう", NAME_MASK),  # a kana given name Sudachi reads as a noun
    ("山田たろうくんが来た", "たろう", NAME_MASK),
])
def test_each_format_is_redacted(text, secret, mask):
    """Is the secret gone, and replaced by the right placeholder?"""
    result = redact(text)
    assert secret not in result
    assert mask in result


def test_ordinary_numbers_and_places_survive():
    """Do dates, amounts, times and 地区 names stay readable?"""
    text = "2025年4月1日に10-15分待ちました。予算は3,000万円。伊奈地区の3番線ホーム。"
    assert redact(text) == text
    in_kanji = "二〇二五年一二月三一日に〇〇さんの件で、令和七年度予算は一〇〇〇万円。"
    assert redact(in_kanji) == in_kanji


def test_a_known_submitter_name_is_removed_even_when_sudachi_misses_it():
    """Is the submitter's own name removed, whole and by parts?"""
    result = redact("杉ノ内みどりです。杉ノ内より", known_names=["杉ノ内 みどり"])
    assert "杉ノ内" not in result and "みどり" not in result


def test_words_after_a_surname_stay_when_no_honorific_makes_them_a_name():
    """Is only a kana word between a surname and さん・様・くん… taken for a given name?"""
    assert redact("田中のおばあさんに会った") == "［氏名］のおばあさんに会った"
    assert redact("鈴木たろう") == "［氏名］たろう"  # no honorific: not known to be a name


def test_empty_text():
    assert redact("") == "" and redact(None) == ""


@pytest.mark.parametrize("typed, shown", [
    ("伊奈", "伊奈"), ("谷和原", "谷和原"), ("小張", "小張"), ("陽光台", "陽光台"),  # places named like surnames
    ("小絹123-4 鈴木方", f"小絹{ADDRESS_MASK} {NAME_MASK}方"),
    ("鈴木一郎宅", f"{NAME_MASK}宅"),
    ("佐藤様方", f"{NAME_MASK}様方"),
    ("山田太郎", NAME_MASK),
    ("090-9999-8888", PHONE_MASK),
    ("伊奈東 taro@example.jp", f"伊奈東 {EMAIL_MASK}"),
])
def test_a_district_keeps_its_place_and_loses_its_people(typed, shown):
    """地区 is free text: a surname alone is the place it names, a given name or 方/宅 make it a person."""
    assert redact_place(typed) == shown


@pytest.mark.parametrize("text", ["ささき れんです", "ササキレンより", "ささきと申します", "ササキ　レン"])
def test_a_known_name_is_removed_when_written_in_kana_too(text):
    """A citizen who signs 佐々木 蓮 may write ささき れん in the text: Sudachi's 人名 does not know kana."""
    masked = redact(text, known_names=["佐々木 蓮"])
    assert NAME_MASK in masked and "ささき" not in masked and "ササキ" not in masked


def test_short_kana_parts_of_a_known_name_are_left_alone():
    """れん alone is part of 連絡 written in kana: only whole readings and parts of three kana are masked."""
    assert redact("れんらくをください", known_names=["佐々木 蓮"]) == "れんらくをください"


def test_a_one_kanji_surname_of_the_submitter_is_removed_where_it_stands_as_a_word():
    """Sudachi reads 林 as the forest: is the submitter 林 美咲's 林です masked, and 森林 and 林道 kept?"""
    result = redact("林です。森林公園の林道が暗い。林美咲より", known_names=["林 美咲"])
    assert result == f"{NAME_MASK}です。森林公園の林道が暗い。{NAME_MASK}より"


@pytest.mark.parametrize("text, known", [
    ("髙橋です。先日の件で", "高橋 二郎"),  # 髙 (はしごだか) in the text, 高 in the name field
    ("高橋です。先日の件で", "髙橋 二郎"),
    ("山\ufa11です。先日の件で", "山崎 太郎"),  # 﨑 as a CJK compatibility ideograph
    ("渡邉です。先日の件で", "渡辺 一郎"),
    ("齋藤です。先日の件で", "斎藤 花子"),
])
def test_a_known_name_is_removed_when_written_with_another_itaiji(text, known):
    """A citizen signs the form 高橋 and writes 髙橋 in the text (or the counter typed the other one):
    Sudachi's 人名 does not know every 異体字, so is the surname still masked?"""
    masked = redact(text, known_names=[known])
    assert masked.startswith(NAME_MASK) and masked.endswith("です。先日の件で")


@pytest.mark.parametrize("text, known", [
    ("ｽｷﾞﾉｳﾁです。先日の件で", "杉ノ内 みどり"),  # half-width kana, as old systems and some phones type it
    ("スギノウチです。先日の件で", "すぎのうち みどり"),  # the name field in hiragana, the text in katakana
    ("すぎのうちです。先日の件で", "ｽｷﾞﾉｳﾁ ﾐﾄﾞﾘ"),
])
def test_a_known_name_is_removed_in_half_width_kana_and_the_other_kana_script(text, known):
    """A phone intake types the caller's name as heard (すぎのうち), the caller's letter says スギノウチ or
    ｽｷﾞﾉｳﾁ: is it masked, though Sudachi does not take it for a 人名?"""
    assert redact(text, known_names=[known]) == f"{NAME_MASK}です。先日の件で"


def test_masking_a_known_name_leaves_the_rest_of_the_text_as_written():
    """Folding widths to compare names must not change the text around them (全角 digits, ㈱, ｶﾅ)."""
    text = "ｽｷﾞﾉｳﾁより。㈱みらい建設の件、電話は午後３時以降、ﾒｰﾙは不可。"
    assert redact(text, known_names=["杉ノ内 みどり"]) == f"{NAME_MASK}より。㈱みらい建設の件、電話は午後３時以降、ﾒｰﾙは不可。"
