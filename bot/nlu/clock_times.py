"""Clock times and clock ranges in the Thai parts-of-day clock: "บ่ายโมง" 13:00, "สี่โมงเย็น"
16:00, "ตีห้า" 5:00, "ทุ่มนึง" 19:00, "9.00 น."; a range ("ตั้งแต่ 8 โมงถึงเที่ยง") is hours of work.

Its own module because the clock has its own arithmetic (`clock_hour`) and a time of day is
never an amount: the patterns here are blanked before numbers are read."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Final

from bot.nlu.date_parts import Found

# Thai tells the time in parts of the day: "8 โมง(เช้า)" 8:00, "บ่ายโมง" 13:00, "บ่ายสอง(โมง)" 14:00,
# "สี่โมงเย็น" 16:00, "เที่ยง" 12:00, "ตีห้า" 5:00, "ทุ่มนึง" 19:00, "สามทุ่ม" 21:00; also "9.00 น.",
# "13:30", "14 นาฬิกา". A bare "สี่โมง" (1–5 โมง) is afternoon; "สี่โมงเช้า" is the old six-hour
# clock's 10:00. A range ("ตั้งแต่ 8 โมงถึงเที่ยง", "9.00-12.30 น.") is a duration of work.

_CLOCK_NUMBERS: Final[dict[str, int]] = {
    **{str(n): n for n in range(25)}, **{f"0{n}": n for n in range(10)},
    "หนึ่ง": 1, "นึง": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6, "เจ็ด": 7, "แปด": 8,
    "เก้า": 9, "สิบ": 10, "สิบเอ็ด": 11, "สิบสอง": 12,
}  # fmt: skip
_CN: Final = r"(?:[0-9]{1,2}|สิบเอ็ด|สิบสอง|สิบ|หนึ่ง|นึง|สอง|สาม|สี่|ห้า|หก|เจ็ด|แปด|เก้า)"
_HALF_HOUR: Final = r"(?:ครึ่ง)?"
# Not followed by a duration: "บ่าย 3 ชม." is three hours in the afternoon, not 15:00.
NOT_DURATION: Final = r"(?!\s*(?:ชั่วโมง|ชม|นาที|ช\.ม))"
_CLOCK: Final = (
    r"(?:[0-9]{1,2}[.:][0-9]{2}(?:\s*(?:น\.|นาฬิกา|น(?![\u0e01-\u0e4e])))?"
    rf"|[0-9]{{1,2}}\s*นาฬิกา"
    rf"|(?:ตอน)?บ่าย\s*(?:{_CN}(?![0-9]){NOT_DURATION}\s*(?:โมง)?|โมง){_HALF_HOUR}"
    r"|เที่ยง(?:คืน|วัน|ตรง)?"
    rf"|ตี\s*{_CN}(?![0-9]){NOT_DURATION}{_HALF_HOUR}"
    rf"|(?:{_CN}\s*)?ทุ่ม(?:นึง|หนึ่ง)?{_HALF_HOUR}"
    rf"|{_CN}\s*โมง(?:เช้า|เย็น|ค่ำ)?{_HALF_HOUR})"
)
_CLOCK_PARTS: Final = re.compile(
    rf"(?P<hm>(?P<h>[0-9]{{1,2}})[.:](?P<m>[0-9]{{2}}))|(?P<nh>[0-9]{{1,2}})\s*นาฬิกา"
    rf"|(?P<pm>บ่าย)\s*(?P<pn>{_CN})?|(?P<noon>เที่ยงคืน|เที่ยง)"
    rf"|ตี\s*(?P<tn>{_CN})|(?:(?P<dn>{_CN})\s*)?ทุ่ม"
    rf"|(?P<on>{_CN})\s*โมง(?P<part>เช้า|เย็น|ค่ำ)?"
)
_RANGE_WORD: Final = r"(?:ไปจนถึง|จนถึง|ถึง|จน|-|–|~)"
CLOCK_RANGE: Final = (
    rf"(?:ตั้งแต่|เริ่ม)?\s*(?:เวลา\s*)?(?P<a>{_CLOCK})\s*{_RANGE_WORD}\s*(?:เวลา\s*)?"
    rf"(?P<b>{_CLOCK})(?!\s*(?:บาท|บ\.|฿))"
)


def clock_hour(text: str) -> Decimal | None:
    """The time of day ``text`` names, in hours since midnight (13.5 for "บ่ายโมงครึ่ง"), or None."""
    match = _CLOCK_PARTS.search(text)
    if match is None:
        return None
    groups = match.groupdict()
    half = Decimal("0.5") if text.rstrip().endswith("ครึ่ง") else Decimal(0)
    hour: int | None
    if groups["hm"]:
        hour, minutes = int(groups["h"]), int(groups["m"])
        if hour > 24 or minutes > 59:
            return None
        return Decimal(hour) + Decimal(minutes) / 60
    if groups["nh"]:
        hour = int(groups["nh"])
    elif groups["pm"]:
        number = _CLOCK_NUMBERS.get(groups["pn"] or "", 1)  # "บ่ายโมง" = 13:00
        hour = number + 12 if number <= 6 else number
    elif groups["noon"]:
        hour = 24 if groups["noon"] == "เที่ยงคืน" else 12
    elif groups["tn"]:
        hour = _CLOCK_NUMBERS.get(groups["tn"])
    elif "ทุ่ม" in match.group():
        hour = 18 + _CLOCK_NUMBERS.get(groups["dn"] or "", 1)  # "ทุ่มนึง" = 19:00
    else:
        said = _CLOCK_NUMBERS.get(groups["on"] or "")
        if said is None:
            return None
        part = groups["part"]
        if part == "เช้า":
            hour = said + 6 if said < 6 else said
        elif part in ("เย็น", "ค่ำ"):
            hour = said + 12 if said <= 7 else said
        else:
            hour = said + 12 if 1 <= said <= 5 else said
    if hour is None or not 0 <= hour <= 24:
        return None
    return Decimal(hour) + half


def clock_range(match: re.Match[str], today: date) -> Found:
    start, end = clock_hour(match.group("a")), clock_hour(match.group("b"))
    if start is None or end is None or end <= start:
        return Found(9, match.start(), is_span=True)
    return Found(9, match.start(), span=end - start, is_span=True)
