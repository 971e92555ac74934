"""How the model holds up when a voice is written the ways real citizens write it.

Each perturbation rewrites a text the way a citizen might have written the same voice: kanji words
left in kana (unconverted smartphone input, elderly writers, voice input), typing slips, no
punctuation, half-width kana, only the first sentence, or inside a letter's greeting and sign-off. They are seeded, so a report is
repeatable, and generic: none looks at a label or at which words matter for routing.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace

from .corpus import Example
from .evaluation import evaluate_model
from .kana import TO_HIRAGANA
from .tokenizer import KANJI, morphemes

_CONTENT = ("名詞", "動詞", "形容詞", "形状詞", "副詞")
_PUNCTUATION = re.compile(r"[、。，．,.！!？?\n]+")
_SENTENCE = re.compile(r".+?(?:[。！？!?\n]|$)", re.DOTALL)


def kana_words(text: str, rng: random.Random, share: float = 0.3, *, katakana: bool = False) -> str:
    """Content words written with kanji replaced, each with probability `share`, by their reading
    (in hiragana, or in katakana)."""
    out = []
    for surface, reading, pos in morphemes(text):
        if pos in _CONTENT and reading and KANJI.search(surface) and rng.random() < share:
            out.append(reading if katakana else reading.translate(TO_HIRAGANA))
        else:
            out.append(surface)
    return "".join(out)


def typing_slips(text: str, rng: random.Random, rate: float = 0.03) -> str:
    """Each character, with probability `rate`, dropped, doubled or swapped with the next."""
    chars, out, i = list(text), [], 0
    while i < len(chars):
        roll = rng.random()
        if roll < rate / 3:
            i += 1
            continue
        if roll < 2 * rate / 3:
            out += [chars[i], chars[i]]
        elif roll < rate and i + 1 < len(chars):
            out += [chars[i + 1], chars[i]]
            i += 1
        else:
            out.append(chars[i])
        i += 1
    return "".join(out)


def no_punctuation(text: str, rng: random.Random) -> str:
    """Sentences run together with spaces, as in a hurried message."""
    return _PUNCTUATION.sub(" ", text).strip()


_HALF_WIDTH = str.maketrans(
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー",
    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ",
)


_HALF_WIDTH_MARKS = {"\u3099": "ﾞ", "\u309a": "ﾟ"}


def half_width(text: str, rng: random.Random) -> str:
    """Katakana in half-width forms (ゴ → ｺﾞ) and ASCII in full-width, as old phones and some PCs write."""
    out = []
    for char in text:
        if "!" <= char <= "~":
            out.append(chr(ord(char) + 0xFEE0))
            continue
        base, *marks = unicodedata.normalize("NFD", char) if "ァ" <= char <= "ヴ" else char
        half = base.translate(_HALF_WIDTH)
        out.append(half + "".join(_HALF_WIDTH_MARKS.get(m, m) for m in marks) if half != base else char)
    return "".join(out)


def first_sentence(text: str, rng: random.Random) -> str:
    """Only the first sentence: the one-line voice."""
    match = _SENTENCE.match(text.strip())
    return match.group(0) if match else text


# Generic framing of a letter or an e-mail to the city: nothing in it says which 課 the matter is for.
_GREETINGS = ("市長様\n", "担当課の皆様\n", "前略\n", "お世話になっております。", "突然のご連絡で失礼いたします。",
              "いつも市政にご尽力いただき、ありがとうございます。", "お忙しいところ恐れ入ります。", "こんにちは。")
_WRITERS = ("みらい平に住んで五年になる会社員です。", "伊奈地区で年金暮らしをしている七十代の者です。",
            "谷和原地区に住む主婦です。", "小学生と保育園児を育てている共働きの親です。", "市内で小さな店を営んでいる者です。",
            "二年前に東京から引っ越してきました。", "")
_CLOSINGS = ("よろしくお願いいたします。", "ご検討のほど、よろしくお願い申し上げます。", "お返事をいただけると助かります。",
             "以上、長文失礼しました。", "草々", "どうぞよろしくお願いします。")


def letter_framing(text: str, rng: random.Random) -> str:
    """The voice inside a letter's greeting, the writer's introduction and a sign-off, as many citizens
    write to the city (the matter is then a smaller part of the text)."""
    return f"{rng.choice(_GREETINGS)}{rng.choice(_WRITERS)}\n{text}\n{rng.choice(_CLOSINGS)}"


PERTURBATIONS: dict[str, Callable[[str, random.Random], str]] = {
    "kanji words in hiragana (30%)": kana_words,
    "kanji words in hiragana (60%)": lambda text, rng: kana_words(text, rng, 0.6),
    "kanji words in katakana (30%)": lambda text, rng: kana_words(text, rng, katakana=True),
    "typing slips (3% of characters)": typing_slips,
    "typing slips (8% of characters)": lambda text, rng: typing_slips(text, rng, 0.08),
    "no punctuation": no_punctuation,
    "half-width kana, full-width ASCII": half_width,
    "first sentence only": first_sentence,
    "framed as a letter": letter_framing,
}


def perturb(texts: list[str], name: str, seed: int = 0) -> list[str]:
    """`texts` rewritten by the named perturbation, repeatably for a seed."""
    rng = random.Random(seed)
    return [PERTURBATIONS[name](text, rng) for text in texts]


CLEAN = "as written"
REPORTED = ("section_top1", "section_top3", "bu_accuracy", "measures_micro_f1")


def robustness_report(model, version: str, examples: Sequence[Example],
                      names: Sequence[str] = tuple(PERTURBATIONS), seed: int = 0) -> list[dict]:
    """The model's 課 top-1/top-3, 部 and measures on `examples` as written and under each perturbation:
    one row per perturbation, {"perturbation", "n", metric: value}."""
    rows = []
    for name in (CLEAN, *names):
        texts = [e.text for e in examples]
        rewritten = texts if name == CLEAN else perturb(texts, name, seed)
        result = evaluate_model(model, version, [replace(e, text=t) for e, t in zip(examples, rewritten)])
        rows.append({"perturbation": name, "n": result["n"]} | {key: result.get(key) for key in REPORTED})
    return rows


def format_robustness(rows: Sequence[dict], title: str = "") -> str:
    """A table of robustness_report's rows, with each metric's change from the text as written."""
    base = rows[0]
    lines = [title] if title else []
    lines.append(f"{'perturbation':36s}" + "".join(f"{name:>18s}" for name in ("課 top-1", "課 top-3", "部", "measures")))
    for row in rows:
        cells = []
        for key in REPORTED:
            value = row[key]
            if value is None:
                cells.append(f"{'–':>18s}")
            elif row is base:
                cells.append(f"{value:18.4f}")
            else:
                cells.append(f"{f'{value:.4f} ({value - base[key]:+.3f})':>18s}")
        lines.append(f"{row['perturbation']:36s}" + "".join(cells))
    return "\n".join(lines)
