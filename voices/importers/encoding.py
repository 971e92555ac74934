"""Which text encoding a CSV file was saved in: UTF-8 (with or without BOM) or CP932 (Shift_JIS)."""
from __future__ import annotations

import codecs
from pathlib import Path

ENCODING_LABELS: dict[str, str] = {
    "utf-8-sig": "UTF-8（BOM付き）",
    "utf-8": "UTF-8",
    "cp932": "Shift_JIS（CP932）",
}
SAMPLE_BYTES = 64 * 1024


class UnsupportedEncoding(ValueError):
    """The file is in an encoding we do not read; the message says what to do, in Japanese."""


def _errors_when_decoded(data: bytes, encoding: str) -> int:
    """How many undecodable sequences ``data`` has in ``encoding`` (a cut-off last character is fine)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(data, final=False)
    return text.count("\ufffd")


def detect_encoding(path: str | Path) -> str:
    """``utf-8-sig``, ``utf-8`` or ``cp932``, judged from the bytes; a few broken bytes do not change
    the verdict (they are reported on their rows later)."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnsupportedEncoding(
                "UTF-16 のファイルは読めません。Excel では「CSV UTF-8（コンマ区切り）」で保存し直してください。"
            )
        handle.seek(0)
        while True:  # skip plain ASCII: it reads the same in both encodings
            sample = handle.read(SAMPLE_BYTES)
            if not sample:
                return "utf-8"
            if not sample.isascii():
                break
        sample += handle.read(SAMPLE_BYTES)
    utf8_errors = _errors_when_decoded(sample, "utf-8")
    if utf8_errors == 0:
        return "utf-8"
    cp932_errors = _errors_when_decoded(sample, "cp932")
    return "cp932" if cp932_errors < utf8_errors else "utf-8"
