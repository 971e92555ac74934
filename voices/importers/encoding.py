"""Which text encoding a CSV file was saved in: UTF-8 (with or without BOM), CP932 (Shift_JIS), or UTF-16
with its BOM (Excel's 「Unicode テキスト」)."""
from __future__ import annotations

import codecs
from pathlib import Path

ENCODING_LABELS: dict[str, str] = {
    "utf-8-sig": "UTF-8（BOM付き）",
    "utf-8": "UTF-8",
    "cp932": "Shift_JIS（CP932）",
    "utf-16": "UTF-16（Unicode テキスト）",
}
SAMPLE_BYTES = 64 * 1024


def _decoded_counts(data: bytes, encoding: str) -> tuple[int, int]:
    """(undecodable sequences, non-ASCII characters read) of ``data`` in ``encoding`` (a cut-off last
    character is fine)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(data, final=False)
    errors = text.count("\ufffd")
    return errors, sum(not ch.isascii() for ch in text) - errors


def detect_encoding(path: str | Path) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp932``, judged from the bytes; a few broken bytes do not change
    the verdict (they are reported on their rows later)."""
    with open(path, "rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        while True:  # skip plain ASCII: it reads the same in both encodings
            sample = handle.read(SAMPLE_BYTES)
            if not sample:
                return "utf-8"
            if not sample.isascii():
                break
        sample += handle.read(SAMPLE_BYTES)
    utf8_errors, utf8_read = _decoded_counts(sample, "utf-8")
    # Mostly valid UTF-8 (a CP932 file reads as UTF-8 in stray fragments at most) is UTF-8 with a few
    # rows pasted from elsewhere, and those rows are the ones to report, not the header.
    if utf8_errors == 0 or utf8_read > utf8_errors:
        return "utf-8"
    cp932_errors, _ = _decoded_counts(sample, "cp932")
    return "cp932" if cp932_errors < utf8_errors else "utf-8"
