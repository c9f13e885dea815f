"""Labels: the words just before a number that say what it is ("รายรับ 12000" income, "คงเหลือ
8500" balance, "สมาชิกมา 15" attend, "ได้ 250" money, "รวม 300" total), with their fillers.

A lexical table (long by nature: see docs/architecture.md, exceptions), apart from `figures`
so the words treasurers, households and officers use can be read and extended in one place."""

from __future__ import annotations

from typing import Final, Literal

from bot.nlu.tokens import Token, significant

Label = Literal[
    "money", "total", "income", "expenses", "balance", "attend", "absent", "members", "sales",
    "gender", "hours",
]  # fmt: skip


# Words just before a number that say what it is (matched as a suffix of the 1–3 words
# before it, so "สมาชิก"+"มา" and "สมาชิกมา" both end in "มา").
LABELS: Final[dict[str, Label]] = {
    "รายรับ": "income", "รายได้": "income", "รับ": "income", "รับเงิน": "income", "ได้รับ": "income",
    "รายจ่าย": "expenses", "ค่าใช้จ่าย": "expenses", "จ่าย": "expenses", "จ่ายไป": "expenses",
    "ใช้จ่าย": "expenses", "ใช้ไป": "expenses",
    "คงเหลือ": "balance", "เหลือ": "balance", "ยกไป": "balance",
    "รวม": "total", "ทั้งหมด": "total", "เป็นเงิน": "total", "ยอดรวม": "total", "รวมเป็น": "total",
    "ได้": "money", "ได้เงิน": "money", "ราคา": "money", "ยอด": "money", "เงิน": "money",
    "มา": "attend", "ผู้เข้าร่วม": "attend", "เข้าร่วม": "attend", "เข้าประชุม": "attend",
    "เข้าอบรม": "attend", "ผู้เข้าอบรม": "attend", "มาประชุม": "attend", "มาร่วม": "attend",
    "สมาชิกมา": "attend", "คนมา": "attend", "ครัวเรือนมา": "attend", "สมาชิกมาประชุม": "attend",
    "ไม่มา": "absent", "ไม่มาประชุม": "absent", "ไม่ได้มา": "absent", "ขาด": "absent",
    "ขาดประชุม": "absent", "ลา": "absent", "ลาประชุม": "absent",
    # money in and out, as treasurers and households say it
    "เงินเข้า": "income", "รับมา": "income", "ได้รับมา": "income", "รายรับรวม": "income",
    "เงินออก": "expenses", "ออก": "expenses", "จ่ายออก": "expenses", "ต้นทุน": "expenses",
    "ยอดคงเหลือ": "balance", "เงินคงเหลือ": "balance", "เหลือเงิน": "balance",
    "ยอดขาย": "sales", "ขายได้": "sales",
    "ได้มา": "money", "เงินมา": "money", "ได้เงินมา": "money", "จ่ายมา": "money",
    "โอนมา": "money", "ให้": "money", "ได้ตังค์": "money", "ตังค์": "money",
    # head counts
    "สมาชิกไป": "attend", "ไป": "attend", "มากัน": "attend", "มาครบ": "attend",
    "มากันครบ": "attend", "มาทั้งหมด": "attend", "มีคนมา": "attend", "คนมาเรียน": "attend",
    "ครัวเรือนเข้าร่วม": "attend", "สมาชิกเข้าร่วม": "attend", "เข้าร่วมประชุม": "attend",
    "ผู้เข้าประชุม": "attend", "มาช่วย": "attend", "สมาชิกมาช่วย": "attend",
    "สมาชิกทั้งหมด": "members", "มีสมาชิก": "members", "สมาชิกมีทั้งหมด": "members",
    "จาก": "members",  # "19 จาก 20 ครัวเรือน": 20 is how many there are
    "ผู้ชาย": "gender", "ชาย": "gender", "ผู้หญิง": "gender", "หญิง": "gender",
    "ชม.ทำงาน": "hours", "ชั่วโมงทำงาน": "hours", "ชม.": "hours", "ชั่วโมง": "hours",
}  # fmt: skip
# Words that may trail a label without changing it: "รายได้รวม", "ยอดขายทั้งเดือน",
# "เงินเข้ากลุ่ม". A label alone ("รวม 300") keeps its own meaning.
_LABEL_FILLERS: Final = ("ทั้งหมด", "ทั้งสิ้น", "ทั้งเดือน", "ทั้ง", "รวม", "ของกลุ่ม", "กลุ่ม")
_LABEL_SKIP: Final = frozenset({":", "=", "-", "–", "@"})


def labels_before(tokens: list[Token], index: int) -> set[Label]:
    """Labels among the (up to three) words right before a number; marks those words."""
    words: list[int] = []
    for previous in significant(tokens, index - 1, -1):
        token = tokens[previous]
        if token.text in _LABEL_SKIP:
            continue
        if token.kind != "word" or token.role in ("number", "unit", "currency") or len(words) == 3:
            break
        words.append(previous)
    words.reverse()
    # The longest label wins: "ได้เงินมา 350" is money, though "มา" alone would be a head count.
    for size in range(len(words), 0, -1):
        chosen = words[-size:]
        label = _label("".join(tokens[i].text for i in chosen))
        if label is not None:
            for i in chosen:
                tokens[i].role = "label"  # also keywords: "ผู้เข้าร่วม 25" is not a topic
            return {label}
    return set()


def _with_fillers() -> dict[str, Label]:
    """Every label with up to two fillers after it ("รายได้รวม", "เงินเข้ากลุ่มทั้งหมด"): one
    dict look-up per candidate instead of trying each filler."""
    forms: dict[str, Label] = {}
    for text, label in LABELS.items():
        for first in ("", *_LABEL_FILLERS):
            for second in ("", *_LABEL_FILLERS):
                forms.setdefault(text + first + second, label)
    forms.update(LABELS)  # a label that ends like a filler keeps its own meaning
    return forms


_LABEL_FORMS: Final = _with_fillers()


def _label(text: str) -> Label | None:
    return _LABEL_FORMS.get(text)
