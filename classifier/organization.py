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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from . import labels

# One row per 課 of the application's database: its label, 部, whether it is active, and the label of
# the 課 that took over its duties when it was retired.
ORGANIZATION_SQL = """
SELECT s.classifier_label AS label, d.name AS bu, s.active AS active, t.classifier_label AS successor
FROM sections s JOIN departments d ON d.id = s.department_id
LEFT JOIN sections t ON t.id = s.successor_id
"""


@dataclass(frozen=True)
class Organization:
    """課 label → 部 for every 課 a model may learn, and retired label → the label that took over."""

    bu_by_section: Mapping[str, str]
    merged_into: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def reference(cls) -> Organization:
        return cls({section: bu for bu, section, _ in labels.SECTIONS})

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> Organization:
        """From rows with label, bu, active and successor (the columns of ORGANIZATION_SQL).

        The reference 課 stay known (with their reference 部) unless the rows say otherwise, so the
        shipped corpus always has somewhere to go."""
        bu_by_section = {section: bu for bu, section, _ in labels.SECTIONS}
        merged_into = {}
        for row in rows:
            bu_by_section[row["label"]] = row["bu"]
            if not row["active"] and row["successor"] and row["successor"] != row["label"]:
                merged_into[row["label"]] = row["successor"]
        return cls(bu_by_section, merged_into)

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

    def relabel(self, example):
        """`example` (a corpus.Example) with its 課 and alternatives resolved to the 課 now handling them."""
        section = self.resolve(example.section)
        alt = tuple(dict.fromkeys(a for a in map(self.resolve, example.alt_sections) if a != section))
        if (section, alt) == (example.section, example.alt_sections):
            return example
        return replace(example, section=section, alt_sections=alt)

    def bu_of(self, label: str) -> str:
        """The 部 of `label`; "" for a label this organization does not know."""
        return self.bu_by_section.get(label, "")

    def describe(self) -> dict:
        """What a version's metadata records: the 課 added to the reference, moved to another 部, merged."""
        reference = {section: bu for bu, section, _ in labels.SECTIONS}
        return {
            "added": sorted(s for s in self.bu_by_section if s not in reference),
            "moved": {s: bu for s, bu in sorted(self.bu_by_section.items()) if s in reference and reference[s] != bu},
            "merged_into": dict(sorted(self.merged_into.items())),
        }
