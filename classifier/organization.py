"""The organization a model is trained for: the 課 labels it may learn, their 部, and 課 merged away.

Japanese cities reorganize (機構改革), usually on April 1: a 課 is renamed, moved to another 部, split,
merged into another, or created. The model knows each 課 by a label that does not change when the 課 is
renamed (the application keeps it as `Section.classifier_label`), so a rename needs nothing here. What
does need the organization at training time:
- a 課 retired into another (its duties handed over): its corpus voices, lexicon terms and staff labels
  train the 課 that took over, so the two labels do not compete;
- a 課 the reference does not have: staff-confirmed voices train it as a new class, with its 部;
- a 課 moved to another 部: predictions report the 部 it now belongs to.

`Organization.reference()` is the shipped default (27 課 in 7 部, nothing merged). The application
builds one from its `sections` table (`ORGANIZATION_SQL`, `from_rows`).

The 所管事項 the administrator writes for a 課 are the city's own 事務分掌. Terms it adds beyond the
reference's routing hints join the routing lexicon as that 課's (and leave any other 課's lexicon row
for the same term), so 「放置自転車は都市計画課」 reaches the model without editing package files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from . import labels
from .corpus import Example

# One row per 課 of the application's database: its label, 部, whether it is active, the label of the
# 課 that took over its duties when it was retired, and its 所管事項.
ORGANIZATION_SQL = """
SELECT s.classifier_label AS label, d.name AS bu, s.active AS active, t.classifier_label AS successor,
       s.description AS description
FROM sections s JOIN departments d ON d.id = s.department_id
LEFT JOIN sections t ON t.id = s.successor_id
"""
# 所管事項 are written as lists: 「広報紙・ホームページ・SNS, 広聴(市民の声の受付と振り分け)」.
_DUTY_SEPARATORS = re.compile(r"[,、，・/／;；\n\r()（）「」【】]+")
DUTY_TERM_CHARS = (2, 30)  # shorter or longer pieces are not terms


def duty_terms(text: str) -> list[str]:
    """The terms of a 所管事項 text, in order, without repeats."""
    low, high = DUTY_TERM_CHARS
    pieces = (piece.strip() for piece in _DUTY_SEPARATORS.split(unicodedata.normalize("NFKC", text or "")))
    return list(dict.fromkeys(piece for piece in pieces if low <= len(piece) <= high))


def _reference_bu() -> dict[str, str]:
    """The reference organization: 課 → 部."""
    return {section: bu for bu, section, _ in labels.SECTIONS}


def normalized(described: Mapping | None) -> dict:
    """A version's recorded organization with every key (versions before a key existed lack it)."""
    return {"added": [], "moved": {}, "merged_into": {}, "duties": {}, **(described or {})}


@dataclass(frozen=True)
class Organization:
    """課 label → 部 for every 課 a model may learn, retired label → the label that took over, and the
    所管事項 terms each 課 has beyond the reference's routing hints."""

    bu_by_section: Mapping[str, str]
    merged_into: Mapping[str, str] = field(default_factory=dict)
    # label → 所管事項 terms the city added beyond the reference's routing hints
    duties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def reference(cls) -> Organization:
        return cls(_reference_bu())

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> Organization:
        """From rows with label, bu, active, successor and description (the columns of ORGANIZATION_SQL).

        The reference 課 stay known (with their reference 部) unless the rows say otherwise, so the
        shipped corpus always has somewhere to go."""
        bu_by_section = _reference_bu()
        hints = {section: set(duty_terms(hint)) for _, section, hint in labels.SECTIONS}
        merged_into, duties = {}, {}
        for row in rows:
            label = row["label"]
            bu_by_section[label] = row["bu"]
            if not row["active"] and row["successor"] and row["successor"] != label:
                merged_into[label] = row["successor"]
            added = [term for term in duty_terms(row.get("description") or "") if term not in hints.get(label, ())]
            if added and row["active"]:
                duties[label] = tuple(added)
        return cls(bu_by_section, merged_into, duties)

    def knows(self, label: str) -> bool:
        return label in self.bu_by_section

    def resolve(self, label: str) -> str:
        """The label that now handles `label`'s duties: itself, or the end of its chain of successors."""
        seen = {label}
        while label in self.merged_into:
            label = self.merged_into[label]
            if label in seen:  # a cycle the application should have refused: stop where it closes
                break
            seen.add(label)
        return label

    def relabel(self, example: Example) -> Example:
        """`example` with its 課 and alternatives resolved to the 課 now handling them."""
        section = self.resolve(example.section)
        alt = tuple(dict.fromkeys(a for a in map(self.resolve, example.alt_sections) if a != section))
        if (section, alt) == (example.section, example.alt_sections):
            return example
        return replace(example, section=section, alt_sections=alt)

    def adapt_lexicon(self, lexicon: Iterable[Example]) -> list[Example]:
        """The routing lexicon (one-term examples) for this organization: merged 課 resolved, a term the
        city's 所管事項 give to a 課 taken from any other, and the city's terms added."""
        claimed = {term: label for label, terms in self.duties.items() for term in terms}
        kept = [self.relabel(row) for row in lexicon if claimed.get(row.text, row.section) == row.section]
        have = {(row.text, row.section) for row in kept}
        return kept + [Example(term, label, source="lexicon", has_measures=False)
                       for term, label in claimed.items() if (term, label) not in have]

    def bu_of(self, label: str) -> str:
        """The 部 of `label`; "" for a label this organization does not know."""
        return self.bu_by_section.get(label, "")

    def describe(self) -> dict:
        """What a version's metadata records: the 課 added to the reference, moved to another 部, merged,
        and the 所管事項 terms added."""
        reference = _reference_bu()
        return {
            "added": sorted(s for s in self.bu_by_section if s not in reference),
            "moved": {s: bu for s, bu in sorted(self.bu_by_section.items()) if s in reference and reference[s] != bu},
            "merged_into": dict(sorted(self.merged_into.items())),
            "duties": {label: list(terms) for label, terms in sorted(self.duties.items())},
        }

