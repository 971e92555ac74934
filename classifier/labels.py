"""The label space: 部/課 and reform measures from `data/reference/`, plus the voice types.

The TSV files are read on first attribute access (PEP 562), never at import time.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "reference"

VOICE_TYPES: tuple[str, ...] = ("苦情", "要望", "提案", "問合せ", "意見", "感謝")
NO_MEASURE = "none"


def _read_tsv(name: str) -> list[list[str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [row for row in rows[1:] if row and any(cell.strip() for cell in row)]


@cache
def _sections() -> tuple[tuple[str, str, str], ...]:
    return tuple((bu.strip(), section.strip(), hints.strip()) for bu, section, hints in _read_tsv("sections.tsv"))


@cache
def _measures() -> tuple[tuple[str, str, str, str], ...]:
    return tuple(tuple(cell.strip() for cell in row[:4]) for row in _read_tsv("measures.tsv"))


@cache
def _bu_by_section() -> dict[str, str]:
    return {section: bu for bu, section, _ in _sections()}


def section_names() -> list[str]:
    """The 27 課 names in reference order."""
    return [section for _, section, _ in _sections()]


def measure_codes() -> list[str]:
    """The 21 measure codes (M1-1 … M7-3) in reference order."""
    return [row[0] for row in _measures()]


def bu_of(section: str) -> str:
    """The 部 a 課 belongs to; KeyError for an unknown 課."""
    try:
        return _bu_by_section()[section]
    except KeyError:
        raise KeyError(f"unknown section (課): {section!r}") from None


def is_section(name: str) -> bool:
    """Is `name` one of the reference 課?"""
    return name in _bu_by_section()


def __getattr__(name: str):
    if name == "SECTIONS":
        return list(_sections())
    if name == "MEASURES":
        return list(_measures())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
