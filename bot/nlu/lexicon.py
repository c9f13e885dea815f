"""Small word lists the parser needs beyond keywords and units: the programme's products (for
typo correction), honorifics, words that open a place or a buyer rather than a product, the
kinds of household income, and the words of a question or a plan.

All lookups are on whole newmm tokens or on the text of a run of tokens, never on substrings
of a word (THAI.md: short words hide inside longer ones).
"""

from __future__ import annotations

import functools
from typing import Final

from bot.nlu.typos import within_one_edit

# The programme's common products (สัมมาชีพชุมชน groups: salted eggs, silk, chilli paste,
# mushrooms, frogs...). Used only to correct a one-letter slip in an item of ≥ 4 characters
# ("ไข่เค้ม", "ไขเค็ม" → ไข่เค็ม); an item that is not near exactly one of them is kept as typed.
# fmt: off
PRODUCTS: Final = frozenset({
    "ไข่เค็ม", "ไข่เค็มสมุนไพร", "ไข่ไก่", "ไข่เป็ด", "ผ้าไหม", "ผ้าฝ้าย", "ผ้าทอ", "ผ้าขาวม้า",
    "ผ้าฝ้ายทอมือ", "น้ำพริก", "น้ำพริกเผา", "แหนมเห็ด", "เห็ดนางฟ้า", "เห็ดฟาง", "ข้าวหลาม",
    "ปลาร้า", "น้ำยาล้างจาน", "แชมพู", "สบู่", "กล้วยตาก", "ข้าวสาร", "ข้าวเปลือก", "ข้าวกล้อง",
    "หมอนขิด", "น้ำผึ้ง", "ปุ๋ยหมัก", "ปลาดุก", "ปลานิล", "ไก่ไข่", "ผักบุ้ง", "ผักสวนครัว",
    "ตะกร้าสาน", "กระเป๋าผ้า", "กล้วยฉาบ", "ทองม้วน", "จักสาน",
    # short ones: never corrected (too short), but never taken for a count word either
    "กบ", "ไข่", "ผัก", "ปลา", "ไก่", "เห็ด", "หมู", "กุ้ง", "ข้าว", "กล้วย", "พริก", "เป็ด",
})
# fmt: on
_PRODUCT_MIN_LENGTH: Final = 4


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


# Every product and its one-deletion variants → the products (a word within one edit of a
# product shares a deletion variant with it): a few set look-ups per item, not a scan.
_NEAR_PRODUCT: Final[dict[str, frozenset[str]]] = {}
for _product in PRODUCTS:
    if len(_product) >= _PRODUCT_MIN_LENGTH - 1:
        for _variant in {_product, *_deletions(_product)}:
            _NEAR_PRODUCT[_variant] = _NEAR_PRODUCT.get(_variant, frozenset()) | {_product}


@functools.lru_cache(maxsize=4096)  # a group's products come back in every report
def correct_product(item: str) -> str:
    """``item`` with a one-letter slip of a known product corrected, else unchanged."""
    if len(item) < _PRODUCT_MIN_LENGTH or item in PRODUCTS:
        return item
    near: set[str] = set()
    for variant in (item, *_deletions(item)):
        near |= _NEAR_PRODUCT.get(variant, frozenset())
    close = [p for p in near if within_one_edit(item, p)]
    return close[0] if len(close) == 1 else item


# Titles before a name ("ป้าประไพ", "นายบุญมี"); dropped from the name. Whole tokens only:
# "แม่ค้า", "พ่อค้า", "พี่น้อง" are one token each and never a title.
HONORIFICS: Final = frozenset(
    {"นาย", "นาง", "นางสาว", "น.ส.", "คุณ", "ลุง", "ป้า", "น้า", "พี่", "ยาย", "ตา", "แม่", "พ่อ", "อา"}
)
# A name ends at one of these (they are not name syllables): "นายบุญมีมาช่วย" → บุญมี. "มี"
# is not here: it is a common name syllable (บุญมี, ทองมี).
NAME_STOPWORDS: Final = frozenset(
    {
        "มา", "ไป", "ได้", "ที่", "ให้", "แล้ว", "กับ", "และ", "ก็", "จะ", "ช่วย", "ทำ", "ขาย",
        "เป็น", "อยู่", "ของ", "จาก", "ใน", "เอง", "ด้วย", "คน", "เลย", "บ้าง", "ไม่", "ยัง",
        "ซื้อ", "จ่าย", "เอา", "ส่ง", "มาเรียน", "เรียน", "มาช่วย", "ครับ", "ค่ะ",
    }
)  # fmt: skip
# Pronouns a speaker uses for herself: "ป้าทำงาน 3 ชม." is the sender's own work.
PRONOUNS: Final = frozenset(
    {"ผม", "ฉัน", "ดิฉัน", "หนู", "เรา", "ข้า", "เค้า", "เขา", "กู", "ข้าพเจ้า", "พวกเรา", "ตัวเอง"}
)

# Words that follow a number without counting anything: "ได้ 300 แล้ว", "ขาย 200 หมด".
NOT_COUNT_WORDS: Final = frozenset(
    {
        "แล้ว", "เลย", "ด้วย", "เอง", "หมด", "พอดี", "ถ้วน", "กว่า", "เศษ", "ที่", "ให้", "ได้", "มา",
        "ไป", "กับ", "และ", "จาก", "ใน", "ต่อ", "ถึง", "คือ", "เป็น", "อีก", "รวม", "เท่า", "ปี",
        "เดือน", "แต่", "ก็", "จ้ะ", "นะ", "ค่ะ", "คะ", "ครับ", "คับ", "จ้า", "ละ", "ๆ", "ยัง",
        "บ้าง", "กัน", "ทั้ง", "หรือ", "ไม่", "นี้", "นั้น", "โดย", "ตอน", "ช่วง", "สด", "ดี",
        "คน", "ท่าน", "ครบ", "พอ", "ต้น", "กำไร", "ขาดทุน", "เหลือ", "ทุน", "ยอด", "ค่า", "รับ",
        "จ่าย", "สุทธิ",
    }
)  # fmt: skip

# A run after one of these is a place, a buyer or a time, not the product:
# "ขายผักที่ตลาด", "ขายไข่เค็มให้โรงเรียน", "ส่งร้านในเมือง".
MODIFIERS: Final = frozenset(
    {"ที่", "ให้", "แก่", "จาก", "ใน", "ตอน", "ช่วง", "ส่ง", "ไว้", "เพื่อ", "สำหรับ", "ถึง", "แถว"}
)
# Runs that name where something happened ("ไปขายงานวัด", "ออกบูธงาน OTOP"): never a product.
VENUE_PREFIXES: Final = ("งาน", "ตลาด", "บูธ", "ร้าน", "ศาลา", "วัด", "โรงเรียน")
# Words that join products into a list: "ไข่เค็มกับน้ำพริก", "ค่าไข่ 3,000, ค่าดิน 500".
JOINERS: Final = frozenset({"กับ", "และ", ",", "+", "/", "&"})
# Products named by a generic word are not named: "ขายของได้ 1,200" (what was sold?).
GENERIC_ITEMS: Final = frozenset({"ของ", "สินค้า", "ผลผลิต", "อะไร"})
# Whose it was, at the end of an account-book line: "ค่าเทอมลูก" → ค่าเทอม.
FAMILY: Final = frozenset(
    {"ลูก", "หลาน", "แม่", "พ่อ", "ยาย", "ตา", "สามี", "ภรรยา", "เมีย", "ผัว", "น้อง", "พี่"}
)

# Household income named by its kind: the kind is the item ("ไปรับจ้างดำนา ได้ค่าแรง 300" →
# ค่าแรง). ``after``: the words that follow are kept ("ได้เงินเดือน อสม." → "เงินเดือน อสม.",
# "เบี้ยผู้สูงอายุ"); wages are named by the wage alone. ``before``: who gave it comes first
# ("ลูกส่งเงินมาให้" → ลูกส่งเงิน).
INCOME_KINDS: Final[dict[str, tuple[str, bool, bool]]] = {
    "ค่าแรง": ("ค่าแรง", False, False),
    "ค่าจ้าง": ("ค่าจ้าง", False, False),
    "รับจ้าง": ("ค่าจ้าง", False, False),
    "เงินปันผล": ("ปันผล", False, False),
    "ปันผล": ("ปันผล", False, False),
    "เงินเดือน": ("เงินเดือน", True, False),
    "ได้เงินเดือน": ("เงินเดือน", True, False),
    "ได้เงินปันผล": ("ปันผล", False, False),
    "ได้เงินช่วยเหลือ": ("เงินช่วยเหลือ", True, False),
    "เบี้ยยังชีพ": ("เบี้ยยังชีพ", True, False),
    "เบี้ย": ("เบี้ย", True, False),
    "เงินช่วยเหลือ": ("เงินช่วยเหลือ", True, False),
    "เงินสนับสนุน": ("เงินสนับสนุน", True, False),
    "เงินชดเชย": ("เงินชดเชย", True, False),
    "เงินอุดหนุน": ("เงินอุดหนุน", True, False),
    "ส่งเงิน": ("ส่งเงิน", False, True),
    # money out named by what it was for
    "ทำบุญ": ("ทำบุญ", True, False),
}

# --- mood -----------------------------------------------------------------------------------
# Question words, as whole tokens. "ไหม" is also in ผ้าไหม (one token there, so safe) and is a
# yes/no question only at the end of a clause; the others ask wherever they are.
WH_WORDS: Final = frozenset(
    {
        "ยังไง", "ยังงัย", "ยังไงดี", "อย่างไร", "ไง", "เท่าไหร่", "เท่าไร", "เท่าไร่", "เท่าใด", "กี่",
        "ไหน", "วันไหน", "ที่ไหน", "ตอนไหน", "เดือนไหน", "อันไหน", "ใคร", "ทำไม", "เมื่อไหร่",
        "เมื่อไร", "อะไร", "ไหนคะ", "อยากรู้", "อยากทราบ", "ขอทราบ", "สงสัย",
    }
)  # fmt: skip
YES_NO: Final = frozenset(
    {"ไหม", "มั้ย", "มั๊ย", "ไม๊", "หรือเปล่า", "รึเปล่า", "หรือยัง", "รึยัง", "เหรอ", "หรอ", "ป่าว"}
)
# "ไม่มีใครมา" (nobody came), "ไม่ได้ซื้ออะไร" (bought nothing): not questions.
NOT_QUESTION_BEFORE: Final = frozenset({"ไม่", "ไม่มี", "ไม่ได้", "ไม่รู้", "ไม่เห็น"})
# Words about using the bot: a question with one of them is a request for help.
BOT_WORDS: Final = frozenset(
    {
        "บันทึก", "พิมพ์", "กด", "ใช้งาน", "รหัส", "ลงทะเบียน", "เข้ากลุ่ม", "สมัคร", "เมนู", "บอท",
        "แก้ไข", "ลบ", "ปุ่ม", "แอป", "ระบบ", "ส่งยอด", "รายงาน", "ยืนยัน",
    }
)  # fmt: skip
# A question about a total is a request for a summary: "ยอดขายเดือนนี้เท่าไหร่แล้วคะ".
TOTAL_WORDS: Final = frozenset({"ยอด", "ยอดขาย", "ยอดรวม", "รวม", "ทั้งหมด", "สรุป", "ยอดเงิน"})
HOW_MUCH: Final = frozenset(
    {"เท่าไหร่", "เท่าไร", "เท่าไร่", "เท่าใด", "กี่", "อยากรู้", "อยากทราบ", "ขอทราบ"}
)
# Words that make what follows a plan or a supposition: "จะไปขาย", "อยากขาย", "ถ้าขายได้",
# "นัดประชุม". "เพิ่งจะ" (just now) is the past: not a plan.
PLAN_WORDS: Final = frozenset(
    {"จะ", "อยาก", "ว่าจะ", "กำลังจะ", "ตั้งใจ", "วางแผน", "เตรียม", "นัด", "ถ้า", "หาก", "คงจะ"}
)
NOT_PLAN_BEFORE: Final = frozenset({"เพิ่ง", "พึ่ง", "เพิ่งจะ"})
