"""Value checks the policy and the case models share: the project's bilingual validation
error, and dates read only from ISO 8601 text (never a number: no Unix timestamps) and
only within the calendar's range, so no date arithmetic on them can overflow later.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from jknrules.language.fields import FIRST_YEAR, LAST_YEAR

#: The error type of :func:`invalid`; ``load/validation.py`` reads its two texts.
BILINGUAL_ERROR = "jknrules_invalid"


def invalid(message_id: str, message_en: str) -> PydanticCustomError:
    """A validation error with the project's own words in both languages (raise it from a
    validator; pydantic reports it like any other error)."""
    return PydanticCustomError(BILINGUAL_ERROR, "{en}", {"id": message_id, "en": message_en})


_NUMBERISH = re.compile(r"\s*[-+]?[0-9]+(\.[0-9]*)?\s*")


def calendar_text(value: Any) -> Any:
    """A date or a moment is ISO 8601 text (or a ``date``/``datetime`` from YAML or an API
    caller), never a number: pydantic would read ``1700000000`` or ``"1700000000"`` as a
    Unix timestamp."""
    if isinstance(value, bool | int | float) or (
            isinstance(value, str) and _NUMBERISH.fullmatch(value)):
        shown = _shown(value)
        raise invalid(
            f"{shown} adalah angka, bukan tanggal; tulis tanggal ISO 8601 seperti 2026-02-03 "
            "atau 2026-02-03T09:00:00+08:00 (angka tidak dibaca sebagai stempel waktu Unix)",
            f"{shown} is a number, not a date; write an ISO 8601 date such as 2026-02-03 or "
            "2026-02-03T09:00:00+08:00 (a number is never read as a Unix timestamp)")
    return value


def _shown(value: Any) -> str:
    if isinstance(value, int) and not -10**40 < value < 10**40:
        return f"<{value.bit_length()}-bit number>"  # repr fails past 4300 digits
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_UTC_FIRST = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
_UTC_END = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)


def in_calendar(value: dt.date) -> dt.date:
    """The date lies in :data:`FIRST_YEAR`–:data:`LAST_YEAR`; a moment with an offset
    also does once converted to UTC (so converting it to any time zone cannot overflow)."""
    inside = FIRST_YEAR <= value.year <= LAST_YEAR
    if inside and isinstance(value, dt.datetime) and value.utcoffset() is not None:
        try:
            inside = _UTC_FIRST <= value.astimezone(dt.UTC) < _UTC_END
        except (OverflowError, ValueError):
            inside = False
    if not inside:
        raise invalid(
            f"{value.isoformat()} di luar rentang kalender ({FIRST_YEAR}–{LAST_YEAR})",
            f"{value.isoformat()} is outside the calendar's range ({FIRST_YEAR}–{LAST_YEAR})")
    return value


#: A date of a policy (``effective_from``, a closed day, a document's date): ISO 8601 text
#: or a YAML date, in the calendar's range; never a number.
CalendarDate = Annotated[dt.date, BeforeValidator(calendar_text), AfterValidator(in_calendar)]

