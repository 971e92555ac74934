"""After a 機構改革, does training follow the city's organization: new 課 learnt, merged 課 folded into
the 課 that took over their duties, moved 課 reported under their new 部?"""

import sqlite3

import classifier
from classifier import artifacts
from classifier.corpus import Example
from classifier.organization import Organization
from tests.classifier_support import NEW_WORD_VOICES, staff_database

MORE_NEW_WORD_VOICES = [
    "ミラポンを商店街でも使えるようにしてください",
    "ミラポンのポイントが消えてしまった",
    "ミラポン事業の担当はどこですか",
    "ミラポンの説明会を開いてほしい",
]


def test_the_organization_resolves_merges_and_knows_added_sections():
    organization = Organization.from_rows([
        {"label": "教育指導課", "bu": "教育委員会", "active": False, "successor": "学校総務課"},
        {"label": "学校総務課", "bu": "教育委員会", "active": False, "successor": "学校教育課"},
        {"label": "学校教育課", "bu": "教育委員会", "active": True, "successor": None},
        {"label": "農政課", "bu": "都市建設部", "active": True, "successor": None},
        {"label": "A課", "bu": "未来部", "active": False, "successor": "B課"},
        {"label": "B課", "bu": "未来部", "active": False, "successor": "A課"},
    ])
    assert organization.resolve("教育指導課") == "学校教育課"  # follows the whole chain
    assert organization.resolve("建設課") == "建設課"
    assert organization.resolve("A課") in {"A課", "B課"}  # a cycle ends instead of looping
    assert organization.knows("学校教育課") and organization.knows("建設課") and not organization.knows("X課")
    assert organization.bu_of("農政課") == "都市建設部" and organization.bu_of("X課") == ""
    described = organization.describe()
    assert described["added"] == ["A課", "B課", "学校教育課"] and described["merged_into"]["A課"] == "B課"
    assert described["moved"] == {"農政課": "都市建設部"}
    assert described["merged_into"]["教育指導課"] == "学校総務課"
    example = Example("授業の進め方について", "教育指導課", alt_sections=("学校総務課", "生涯学習課"))
    relabelled = organization.relabel(example)
    assert (relabelled.section, relabelled.alt_sections) == ("学校教育課", ("生涯学習課",))
    assert Organization.reference().relabel(example) is example


def test_training_follows_a_reorganization(small_corpus, tmp_path):
    """教育指導課 merged into 学校総務課, a new ポイント推進課 in a new 部 with staff-confirmed voices,
    and 農政課 moved to 都市建設部: the model learns exactly the city's 課 and reports their 部."""
    sections = [
        (1, "学校総務課", "学校総務課", "教育委員会", 1, None),
        (2, "教育指導課", "教育指導課", "教育委員会", 0, 1),
        (3, "ポイント推進課", "ポイント推進課", "未来創造部", 1, None),
        (4, "農政課", "農政課", "都市建設部", 1, None),
    ]
    voices = [(text, 3, "問合せ", 1) for text in NEW_WORD_VOICES + MORE_NEW_WORD_VOICES]
    voices.append(("先生の指導方法に疑問があります", 2, "苦情", 1))  # confirmed before the merger
    url = staff_database(tmp_path / "city.db", sections, voices)
    result = classifier.train(database_url=url, corpus_dir=small_corpus, model_dir=tmp_path, promote="always",
                              log=lambda m: None)
    assert result.metadata["organization"] == {
        "added": ["ポイント推進課"], "moved": {"農政課": "都市建設部"}, "merged_into": {"教育指導課": "学校総務課"},
        "duties": {}}
    model, _ = artifacts.load(result.version, tmp_path)
    classes = set(model.section.classes_)
    assert "教育指導課" not in classes and {"学校総務課", "ポイント推進課"} <= classes
    assert len(classes) == 27  # 27 reference 課 − 1 merged + 1 added
    prediction = model.predict(["ミラポンが使えるお店を増やしてほしい"], result.version)[0]
    assert (prediction.section, prediction.bu) == ("ポイント推進課", "未来創造部")
    assert model.bu_of("農政課") == "都市建設部" and model.bu_of("学校総務課") == "教育委員会"
    # the held-out figures are computed against the same organization
    assert 0 <= result.metrics["heldout"]["bu_accuracy"] <= 1


def test_staff_records_follow_the_organization_they_are_given(small_corpus, tmp_path):
    """The web path passes records and the organization; an unknown 課 is skipped, not a crash."""
    organization = Organization.from_rows([
        {"label": "ポイント推進課", "bu": "未来創造部", "active": True, "successor": None},
        {"label": "教育指導課", "bu": "教育委員会", "active": False, "successor": "学校総務課"},
    ])
    records = [{"text": text, "section": "ポイント推進課"} for text in NEW_WORD_VOICES]
    records += [{"text": "授業参観の日程を知りたい", "section": "教育指導課"}, {"text": "謎の声", "section": "存在しない課"}]
    result = classifier.retrain_with_examples(records, corpus_dir=small_corpus, model_dir=tmp_path,
                                              organization=organization)
    assert result.metadata["counts"]["extra"] == len(NEW_WORD_VOICES) + 1
    assert result.metadata["counts"]["extra_skipped"] == 1
    model, _ = artifacts.load(result.version, tmp_path)
    assert "教育指導課" not in set(model.section.classes_)
    assert "ポイント推進課" in set(model.section.classes_)


def test_the_citys_duties_extend_the_lexicon():
    """所管事項 as the administrator wrote them: terms beyond the reference hints become the 課's lexicon
    terms, taken from any other 課; the reference descriptions change nothing."""
    from classifier import corpus, labels
    from classifier.organization import duty_terms

    assert duty_terms("広報紙・ホームページ・SNS, 広聴(市民の声の受付と振り分け)、Ａ") == [
        "広報紙", "ホームページ", "SNS", "広聴", "市民の声の受付と振り分け"]
    reference_rows = [{"label": section, "bu": bu, "active": True, "successor": None, "description": hint}
                      for bu, section, hint in labels.SECTIONS]
    lexicon = corpus.load_lexicon()
    unchanged = Organization.from_rows(reference_rows)
    assert unchanged.duties == {} and unchanged.adapt_lexicon(lexicon) == lexicon
    owner = next(row.section for row in lexicon if row.text == "自転車ヘルメット")
    assert owner != "都市計画課"
    city = [dict(row) for row in reference_rows]
    for row in city:
        if row["label"] == "都市計画課":
            row["description"] += "、自転車ヘルメット・ミラポン"
        if row["label"] == "農政課":  # retired: its 所管事項 no longer teach anything
            row.update(active=False, description=row["description"] + "、ドローン")
    organization = Organization.from_rows(city)
    assert organization.duties == {"都市計画課": ("自転車ヘルメット", "ミラポン")}
    assert organization.describe()["duties"] == {"都市計画課": ["自転車ヘルメット", "ミラポン"]}
    adapted = organization.adapt_lexicon(lexicon)
    assert [row.section for row in adapted if row.text == "自転車ヘルメット"] == ["都市計画課"]
    assert [row.section for row in adapted if row.text == "ミラポン"] == ["都市計画課"]
    assert len(adapted) == len(lexicon) + 1  # one term moved (from 防災課), one added


def test_a_model_learns_the_duties_the_city_wrote(small_corpus, tmp_path):
    from classifier import labels

    sections = [(1, "都市計画課", "都市計画課", "都市建設部", 1, None)]
    url = staff_database(tmp_path / "city.db", sections, [])
    hint = {section: hint for _, section, hint in labels.SECTIONS}["都市計画課"]
    with sqlite3.connect(tmp_path / "city.db") as db:
        db.execute("UPDATE sections SET description = ? WHERE id = 1", (hint + "、ミラポン",))
    result = classifier.train(database_url=url, corpus_dir=small_corpus, model_dir=tmp_path, promote="always",
                              log=lambda m: None)
    assert result.metadata["organization"]["duties"] == {"都市計画課": ["ミラポン"]}
    model, _ = artifacts.load(result.version, tmp_path)
    assert model.predict(["ミラポンについて教えてください"], result.version)[0].section == "都市計画課"
