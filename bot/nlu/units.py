"""Units of measure as typed, mapped to one canonical spelling and a kind.

Canonical names (what `Parsed.unit` holds): กิโล / กก. / กก / กิโลกรัม / โล / kg → "กิโลกรัม";
แพ็ค / แพ็ก / แพค / แพก → "แพ็ค"; ชม. / ชม / ชั่วโมง → "ชั่วโมง"; every other unit is its own
canonical name (ขีด stays ขีด, 100 g: the parser reports what was said and converts nothing).

A unit word only counts as a unit right after a number ("50 ฟอง") or in a unit-price form
("ฟองละ 5"); the token boundary comes from newmm, so ราย in รายจ่าย, ผล in ผลไม้, หัว in
หัวหอม and งาน in งานวัด are never read as units (they are not separate tokens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

UnitKind = Literal["product", "land", "people", "times", "time"]


@dataclass(frozen=True, slots=True)
class Unit:
    name: str  # canonical spelling
    kind: UnitKind
    # time units: hours in one unit as a ratio, so 30 นาที is exactly 0.5 h (1/60 is not a
    # finite decimal)
    hours_per_unit: tuple[int, int] | None = None
    # False for a count word read from the message itself ("๒ ไห ไหละ ๓๐๐"): taken as a unit,
    # and the parser asks "ไห เป็นหน่วยนับใช่ไหมคะ" (ambiguity "unit")
    known: bool = True

    def to_hours(self, value: Decimal) -> Decimal | None:
        if self.hours_per_unit is None:
            return None
        numerator, denominator = self.hours_per_unit
        return value * numerator / denominator


def _same(kind: UnitKind, *names: str) -> dict[str, Unit]:
    return {name: Unit(name, kind) for name in names}


KILOGRAM: Final = Unit("กิโลกรัม", "product")
PACK: Final = Unit("แพ็ค", "product")
HOUR: Final = Unit("ชั่วโมง", "time", (1, 1))
# A working day is counted as 8 hours, so ครึ่งวัน = 4 h. Days count as hours only in work
# reports (see parser.py); "อบรม 5 วัน" is a duration, not hours worked.
DAY: Final = Unit("วัน", "time", (8, 1))
MINUTE: Final = Unit("นาที", "time", (1, 60))

# fmt: off
UNITS: Final[dict[str, Unit]] = {
    **dict.fromkeys(["กิโล", "กก.", "กก", "กิโลกรัม", "โล", "กิโลฯ", "kg", "กิโลฯ."], KILOGRAM),
    **dict.fromkeys(["แพ็ค", "แพ็ก", "แพค", "แพก"], PACK),
    **_same("product", "ขีด", "กรัม", "ตัน", "ลิตร"),
    **_same(
        "product",
        "ฟอง", "ตัว", "ถุง", "ขวด", "ชิ้น", "กล่อง", "ต้น", "หวี", "เครือ", "มัด", "กำ", "ลูก",
        "ผล", "ใบ", "หัว", "กระปุก", "ห่อ", "แผง", "ถาด", "ตะกร้า", "กระสอบ", "โหล", "ถัง", "ก้อน",
        "ผืน", "ชุด", "ซอง", "กระป๋อง", "อัน", "แก้ว", "จาน", "พวง", "ดอก", "คู่", "เข่ง", "ลัง",
        "กระบอก", "ม้วน", "แท่ง", "เมตร", "หลา", "พับ", "ถ้วย", "ชาม", "หม้อ", "ด้าม", "เล่ม",
        "กอ", "หน่อ", "กิ่ง", "ตับ", "ปี๊บ", "แกลลอน", "กระติบ", "ไม้", "เส้น", "เม็ด", "แผ่น",
        "กระถาง",
    ),
    **_same("land", "ไร่", "งาน", "ตารางวา"),
    **_same("people", "คน", "ราย", "ครัวเรือน", "หลัง", "หลังคาเรือน", "ท่าน"),
    **_same("times", "ครั้ง", "รอบ"),
    **dict.fromkeys(["ชั่วโมง", "ชม.", "ชม", "ช.ม.", "hr", "hrs", "h"], HOUR),
    "วัน": DAY,
    **dict.fromkeys(["นาที", "น.ที"], MINUTE),
}
# fmt: on

# The most one unit of a village product plausibly sells for (baht). A price above it is a
# slip ("ขายไข่เค็ม 50 ฟอง 25000 บาท": 500 baht an egg, 250 meant) and is asked, not saved.
# Generous on purpose: only absurd prices trip it. Units not listed have no limit of their own
# (a cow is one ตัว at 30,000 baht; land is rented by the ไร่).
# fmt: off
MAX_UNIT_PRICE: Final[dict[str, Decimal]] = {
    name: Decimal(limit)
    for name, limit in {
        "ฟอง": 50, "ผืน": 50_000, "หวี": 500, "มัด": 2_000, "กำ": 500, "แผง": 1_000,
        "ขีด": 2_000, "กรัม": 1_000, "กิโลกรัม": 10_000, "ถุง": 5_000, "ขวด": 5_000,
        "กระปุก": 2_000, "แพ็ค": 5_000, "ห่อ": 2_000, "ซอง": 2_000, "กระบอก": 500, "โหล": 2_000,
        "ลูก": 2_000, "ผล": 2_000, "หัว": 2_000, "ดอก": 1_000, "พวง": 2_000, "แก้ว": 1_000,
        "จาน": 1_000, "ชิ้น": 20_000, "อัน": 20_000, "ใบ": 20_000, "ก้อน": 2_000, "ลิตร": 2_000,
    }.items()
}
# fmt: on

# "ตัวละ", "โลละ", "ฟองๆละ": newmm sometimes keeps unit+ละ as one token.
_UNIT_PRICE_TOKEN: Final = re.compile(r"(.+?)ๆ?ละ")


def lookup(token: str) -> Unit | None:
    """The unit ``token`` names (Latin spellings case-insensitively), or None."""
    return UNITS.get(token) or UNITS.get(token.lower())


def unit_price_token(token: str) -> Unit | None:
    """The unit of a glued unit-price token such as "ตัวละ" or "โลละ"; None otherwise."""
    match = _UNIT_PRICE_TOKEN.fullmatch(token)
    return lookup(match.group(1)) if match else None
