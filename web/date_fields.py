"""The date filter input of the staff queue and the audit log: read as staff type it, in range, in Japanese."""
from __future__ import annotations

import unicodedata

from wtforms.fields import DateField
from wtforms.validators import StopValidation

from voices.dates import OUT_OF_RANGE, in_range, parse_date_text


class JaDateField(DateField):
    """A date input (2026-04-01, 2026/4/1, 全角 digits, 令和8年4月1日) with Japanese errors.

    A date outside 1990–2100 is refused with a message (9999-12-31 would overflow the JST bounds of a query).
    """

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        if not unicodedata.normalize("NFKC", text or "").strip():
            self.data = None
            return
        self.data = parse_date_text(text)
        if self.data is None:
            raise ValueError("日付は 2026-04-01 の形で入力してください。")

    def pre_validate(self, form) -> None:
        if self.process_errors:  # once the input could not be read, only that message is shown
            raise StopValidation()
        if self.data is not None and not in_range(self.data):
            raise StopValidation(OUT_OF_RANGE)

    @property
    def usable(self):
        """The date to filter by: None when empty or refused."""
        return None if self.errors or self.process_errors else self.data
