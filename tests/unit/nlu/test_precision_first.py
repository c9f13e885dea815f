"""Issue 13, precision first: what the conversation layer needs from `parse` beyond the
corpus — mood, several products, whose report, names at a training, monthly wordings and
roles, hours, dates ahead and vague, limits, unknown count words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.nlu import SaleLine, parse

TODAY = date(2026, 12, 3)  # a Thursday
TREASURER = frozenset({"treasurer"})
HOUSEHOLD = frozenset({"household"})
TRAINER = frozenset({"trainer"})


@pytest.mark.parametrize(
    ("text", "mood", "intent"),
    [
        ("พรุ่งนี้จะเอาไข่เค็มไปขาย", "plan", "unknown"),
        ("เดือนหน้าจะทำไข่เค็มเพิ่มเป็น 500 ฟอง", "plan", "unknown"),
        ("จะไปขายที่ตลาด", "plan", "unknown"),
        ("นัดประชุมวันเสาร์นี้ 9 โมง", "plan", "unknown"),
        ("พรุ่งนี้ประชุมกลุ่ม 9 โมงนะคะ", "plan", "unknown"),  # ahead, no figures
        ("บันทึกยอดขายยังไงคะ", "question", "help"),
        ("ลืมรหัสเข้ากลุ่มค่ะ ทำไงดี", "question", "help"),
        ("จะยกเลิกรายการล่าสุดต้องทำยังไง", "question", "help"),
        ("ยอดขายเดือนนี้เท่าไหร่แล้วคะ", "question", "report"),
        ("อยากรู้ยอดขายเดือนที่แล้ว", "question", "report"),
        ("ไข่เค็มฟองละเท่าไหร่คะ", "question", "unknown"),
        ("ประชุมวันไหนคะ", "question", "unknown"),
        ("อยากขายผ้าไหมออนไลน์ทำยังไงดีคะ", "question", "unknown"),
        # reports, though they carry a plan or a question word
        ("ขายไข่เค็มได้ 500 บาท จะเอาไปฝากธนาคาร", "report", "sale"),
        ("เพิ่งจะขายไข่เค็มได้ 20 ฟอง 100 บาท", "report", "sale"),
        ("ขายไข่เค็ม 30 ฟอง 150 บาท ได้ไหมคะ", "report", "sale"),
        ("ไม่มีใครมาประชุม", "report", "unknown"),  # negated, not a question
    ],
)
def test_plans_and_questions_are_not_reports(text: str, mood: str, intent: str) -> None:
    parsed = parse(text, TODAY)
    assert (parsed.mood, parsed.intent) == (mood, intent)
    if mood != "report":
        assert parsed.amount is None and parsed.quantity is None and not parsed.ambiguous


def test_a_plan_keeps_its_date_but_no_figures() -> None:
    parsed = parse("พรุ่งนี้จะมาช่วยงาน 3 ชั่วโมงนะคะ", TODAY)
    assert parsed.mood == "plan" and parsed.date == date(2026, 12, 4) and parsed.hours is None


def test_several_products_each_priced_become_lines() -> None:
    parsed = parse("ขายไข่เค็ม 20 ฟอง 100 บาท กบ 5 ตัว 75 บาท", TODAY)
    assert parsed.items == (
        SaleLine("ไข่เค็ม", Decimal(100), Decimal(20), "ฟอง"),
        SaleLine("กบ", Decimal(75), Decimal(5), "ตัว"),
    )
    assert parsed.item is None and parsed.amount is None and not parsed.ambiguous
    lines = parse("จ่ายค่าอาหารไก่ 350 ค่าไฟ 450", TODAY, HOUSEHOLD)
    assert [(line.item, line.amount) for line in lines.items] == [
        ("ค่าอาหารไก่", Decimal(350)),
        ("ค่าไฟ", Decimal(450)),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "ขายไข่เค็มกับน้ำพริก ได้ 1,850 บาท",
        "ขายไข่เค็ม 30 ฟอง กบ 10 ตัว ได้ 450",
        "ไปขายงานวัดบ้านโนนดู่ ได้ 1,850 บาท ขายไข่เค็มกับน้ำพริก",
    ],
)
def test_several_products_with_one_total_ask_the_split(text: str) -> None:
    parsed = parse(text, TODAY)
    assert parsed.intent == "sale" and "item" in parsed.ambiguous
    assert len(parsed.items) == 2 and all(line.amount is None for line in parsed.items)


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("สมศรีทำงาน 3 ชั่วโมง", "สมศรี"),
        ("ประไพ ทำงาน ๔ ชม.", "ประไพ"),
        ("บุญมีทำงาน 4 ชั่วโมง", "บุญมี"),
        ("ป้าประไพช่วยงาน 2 ชม.", "ประไพ"),
        ("วันนี้นายบุญมีมาช่วยล้างไข่ 3 ชั่วโมง", "บุญมี"),
        ("ลุงสมชายช่วยขุดบ่อกบ 5 ชั่วโมง", "สมชาย"),
        ("ขายแทนสมศรี ผ้าไหม 1 ผืน 2,500", "สมศรี"),
        ("ป้าบัวขายไข่เค็ม 40 ฟอง 200 บาท", "บัว"),
        ("ผมทำงาน 3 ชม.", None),  # a pronoun
        ("ป้าทำงาน 3 ชม.", None),  # a title alone: the speaker herself
        ("ขายไข่เค็ม 50 ฟองให้ป้าแดง 250 บาท", None),  # the buyer
        ("แก้ไข ชั่วโมง 4", None),
    ],
)
def test_whose_report(text: str, person: str | None) -> None:
    assert parse(text, TODAY).person == person


@pytest.mark.parametrize(
    ("text", "names", "attendees"),
    [
        ("อบรมการทำบัญชีครัวเรือน คำปุ่น มาเรียน", ("คำปุ่น",), 1),
        ("วันนี้สอนเพาะเห็ดนางฟ้า มี สมใจ บุญเรือน คำปุ่น", ("สมใจ", "บุญเรือน", "คำปุ่น"), 3),
        ("เมื่อวานสอนทำน้ำพริกเผา ป้าแดง กับ ยายทอง มาเรียน", ("แดง", "ทอง"), 2),
        ("สอนเลี้ยงปลาดุกในบ่อดิน ครัวเรือน ทองใบ มาคนเดียว", ("ทองใบ",), 1),
        ("สอนทำไข่เค็มสมุนไพร ครัวเรือนมา 8 ครัวเรือน", (), 8),
        ("อบรมเลี้ยงกบในบ่อซีเมนต์", (), None),  # nobody named: asked by the handler
    ],
)
def test_names_at_a_training(text: str, names: tuple[str, ...], attendees: int | None) -> None:
    parsed = parse(text, TODAY, TRAINER)
    assert parsed.intent == "training"
    assert (parsed.names, parsed.attendees) == (names, attendees)


@pytest.mark.parametrize(
    ("text", "income", "expenses", "month"),
    [
        ("รับ 12,000 จ่าย 4,500", 12000, 4500, None),
        ("เงินเข้า 8,000 เงินออก 2,500 เดือน พ.ย.", 8000, 2500, date(2026, 11, 1)),
        ("รายได้รวม 15,000 ค่าใช้จ่ายรวม 6,200 เดือนพฤศจิกายน 2569", 15000, 6200, date(2026, 11, 1)),
        ("รายรับ 9,000 รายจ่าย ค่าไข่ 3,000 ค่าดิน 500 ค่าถุง 200 เดือน พ.ย.", 9000, 3700, date(2026, 11, 1)),
        ("สรุปเดือน ก.ย. รายรับ 10,000\nค่าไข่ 3,000\nค่าถุง 500", 10000, 3500, date(2026, 9, 1)),
        ("เดือน พ.ย. ไม่มีรายรับเลยค่ะ รายจ่าย 800", 0, 800, date(2026, 11, 1)),
        ("ยอดขายทั้งเดือน พ.ย. 18,400 ต้นทุน 7,900", 18400, 7900, date(2026, 11, 1)),
        ("เดือน ๘/๖๘ รายรับ ๕,๖๐๐ รายจ่าย ๑,๒๐๐", 5600, 1200, date(2025, 8, 1)),
        ("ตค รายรับ 5000 รายจ่าย 1000", 5000, 1000, date(2026, 10, 1)),
        ("กันยา 69 รับ 5,000 จ่าย 5,000", 5000, 5000, date(2026, 9, 1)),
    ],
)  # fmt: skip
def test_monthly_figures_in_every_wording(
    text: str, income: int, expenses: int, month: date | None
) -> None:
    parsed = parse(text, TODAY, TREASURER)
    assert parsed.intent == "monthly" and not parsed.ambiguous
    assert (parsed.income, parsed.expenses, parsed.month) == (
        Decimal(income),
        Decimal(expenses),
        month,
    )


def test_roles_change_what_money_words_mean() -> None:
    assert parse("รายรับ 300 ขายผัก", TODAY, HOUSEHOLD).intent == "income"
    assert parse("ฝึกปฏิบัติทำไข่เค็ม มา 19 ครัวเรือน", TODAY, TRAINER).intent == "training"
    assert parse("ฝึกปฏิบัติทำไข่เค็ม สมาชิก 12 คน", TODAY).intent == "activity"
    balance = parse("รายรับ 10000 รายจ่าย 3000 เดือน ต.ค. คงเหลือ -2000", TODAY, TREASURER)
    assert balance.balance == Decimal(-2000)
    assert "balance" in parse("รายรับ 5,000 รายจ่าย 3,000 กำไร 1,000", TODAY, TREASURER).ambiguous


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("วันนี้ช่วยงานกลุ่ม 3 ชม. ครึ่ง", "3.5"),
        ("ทำงานตั้งแต่ 8 โมงถึงเที่ยงค่ะ", "4"),
        ("ทำงาน 9.00-12.30 น.", "3.5"),
        ("บ่ายโมงถึงสี่โมงเย็น ช่วยคัดไข่ใส่กล่อง", "3"),
        ("ตีห้าถึงแปดโมง ให้อาหารกบ", "3"),
        ("ทุ่มนึงถึงสามทุ่ม ทอผ้า", "2"),
        ("ทำงานเช้า 2 ชม. บ่าย 3 ชม.", "5"),
        ("ทอผ้า 2 ผืน ใช้เวลา 6 ชั่วโมง", "6"),
        ("ทำงาน 8 ชั่วโมง ทั้งวันเลย", "8"),
        ("ช่วยงาน 2 วัน วันละ 8 ชั่วโมง", "16"),
        ("ห่อไข่เค็ม ๓ ชม", "3"),
        ("ช่วยคัดไข่ 90 นาที", "1.5"),
    ],
)
def test_hours(text: str, hours: str) -> None:
    parsed = parse(text, TODAY)
    assert parsed.intent == "work" and not parsed.ambiguous
    assert parsed.hours == Decimal(hours)


@pytest.mark.parametrize(
    "text",
    ["ทำงาน 30 ชั่วโมง", "ทำงาน 2 วัน", "ช่วยดองไข่ครึ่งวัน", "ทำงาน 3", "ทำงาน 3 ชม. 2 วัน"],
)
def test_hours_that_are_asked(text: str) -> None:
    parsed = parse(text, TODAY)
    assert parsed.intent == "work" and parsed.hours is None and "hours" in parsed.ambiguous


@pytest.mark.parametrize(
    "text",
    [
        "5/12/69 ขายไข่เค็ม 40 ฟอง 200 บ.",  # two days ahead
        "พรุ่งนี้ขายไข่เค็ม 50 ฟอง 250 บาท",
        "ขายไข่เค็ม 50 ฟอง 250 บาท อาทิตย์ที่แล้ว",  # a week, not a day
        "วันจันทร์ที่แล้วขายผ้าไหม 1 ผืน 1,800",  # 30 Nov or 23 Nov?
        "ขายผ้าไหมได้สามพันห้า เดือนก่อน",  # some day last month
        "ขายผัก สามพันห้าวันก่อน",  # the other day
    ],
)
def test_record_dates_that_are_asked(text: str) -> None:
    parsed = parse(text, TODAY)
    assert parsed.intent == "sale" and parsed.date is None and "date" in parsed.ambiguous


def test_spoken_amount_last_month_is_not_five_months_ago() -> None:
    parsed = parse("ขายผ้าไหม 1 ผืน สามพันห้า เดือนก่อน", TODAY)
    assert parsed.amount == Decimal(3500) and parsed.month == date(2026, 11, 1)


@pytest.mark.parametrize(
    "text",
    [
        "รายรับ 15,000 รายจ่าย 5,000 เดือน ม.ค. 70",  # not started
        "รายรับ 12,500 รายจ่าย 4,000 เดือน ธ.ค. 69",  # three days old
    ],
)
def test_months_not_over_are_asked(text: str) -> None:
    parsed = parse(text, TODAY, TREASURER)
    assert parsed.month is None and "month" in parsed.ambiguous


def test_a_month_in_its_last_week_or_over_is_fine() -> None:
    november = parse("รายรับ 12,500 รายจ่าย 4,000 เดือน พ.ย. 69", TODAY, TREASURER)
    assert november.month == date(2026, 11, 1) and not november.ambiguous
    on_the_last_day = parse("รายรับเดือนนี้ 8,000 รายจ่าย 2,000", date(2026, 11, 30), TREASURER)
    assert on_the_last_day.month == date(2026, 11, 1) and not on_the_last_day.ambiguous


@pytest.mark.parametrize(
    "text",
    [
        "ขายผ้าไหม 1 ผืน 99999999999 บาท",  # over the maximum: never truncated
        "ขายไข่เค็ม 50 ฟอง 25000 บาท",  # 500 baht an egg
        "ขายผ้าไหม 1 ผืน 150,000 บาท",
        "จ่ายค่าอาหารไก่ 35000",  # an account-book line over 20,000
    ],
)
def test_implausible_money_is_asked(text: str) -> None:
    parsed = parse(text, TODAY)
    assert parsed.amount is None and parsed.unit_price is None and "amount" in parsed.ambiguous


def test_unknown_count_words_are_units_with_a_question() -> None:
    jar = parse("ขายปลาร้า ๒ ไห ไหละ ๓๐๐", TODAY)
    assert (jar.quantity, jar.unit, jar.unit_price, jar.amount) == (
        Decimal(2),
        "ไห",
        Decimal(300),
        Decimal(600),
    )
    assert jar.ambiguous == ("unit",)
    assert parse("ขายปลาร้า 2 ไห 600 บาท", TODAY).ambiguous == ("unit",)
    bamboo = parse("ขายข้าวหลาม ๑๕ กระบอก กระบอกละ ๒๐", TODAY)  # a known unit now
    assert (bamboo.unit, bamboo.amount, bamboo.ambiguous) == ("กระบอก", Decimal(300), ())


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("ลูกค้ามาซื้อไข่เค็ม 50 ฟอง จ่ายมา 250", "ไข่เค็ม"),
        ("แม่ค้ามารับไข่เค็มไป 200 ฟอง ให้ 900 บาท", "ไข่เค็ม"),
        ("ลูกค้าโอนค่าไข่เค็มมา 600 บาท 120 ฟอง", "ไข่เค็ม"),
        ("ลูกค้าสั่งผ้าไหม โอนมาแล้ว 500", "ผ้าไหม"),
        ("ออกบูธงาน OTOP ขายไข่เค็มได้ 3,200", "ไข่เค็ม"),
        ("ขายไข่เค้ม 20 ฟอง 100 บ", "ไข่เค็ม"),  # a slip of a known product
        ("ขยไข่เค็ม 30 ฟอง 150 บาทค่ะ", "ไข่เค็ม"),  # a slip of ขาย
    ],
)
def test_sales_in_other_wordings(text: str, item: str) -> None:
    parsed = parse(text, TODAY)
    assert (parsed.intent, parsed.item, parsed.ambiguous) == ("sale", item, ())


@pytest.mark.parametrize(
    "text",
    ["ลูกค้าสั่งไข่เค็ม 100 ฟอง จะมารับวันเสาร์", "ฝากขายไข่เค็มที่ร้านป้าแดง 50 ฟอง", "ขายดีมากช่วงนี้"],
)
def test_not_sales(text: str) -> None:
    assert parse(text, TODAY).intent == "unknown"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ย้อมผ้าสีธรรมชาติ ทั้งกลุ่ม", "production"),
        ("ปล่อยลูกกบลงบ่อ 2,000 ตัว", "production"),
        ("จัดทำบรรจุภัณฑ์ใหม่ ติดฉลาก อย.", "production"),
        ("เก็บเห็ดได้ 15 กิโล", "production"),
        ("ถ่ายรูปสินค้าลงเพจ ทำตลาดออนไลน์", "marketing"),
        ("ไปอบรมการทำบัญชีกลุ่มที่ ธกส. สมาชิกไป 5 คน", "training"),
    ],
)
def test_activities_without_the_word(text: str, kind: str) -> None:
    parsed = parse(text, TODAY)
    assert (parsed.intent, parsed.activity_kind) == ("activity", kind)


def test_account_book_items_keep_what_they_were_for() -> None:
    assert parse("ค่าไฟ 450", TODAY).item == "ค่าไฟ"
    assert parse("จ่ายค่าเทอมลูก 1,500", TODAY).item == "ค่าเทอม"
    assert parse("ไปรับจ้างดำนา ได้ค่าแรง 300", TODAY).item == "ค่าแรง"
    assert parse("ได้เงินเดือน อสม. 1,000", TODAY).item == "เงินเดือน อสม."
    assert parse("ได้เบี้ยผู้สูงอายุ 600", TODAY).item == "เบี้ยผู้สูงอายุ"
    assert parse("ได้เงินช่วยเหลือเกษตรกร ไร่ละพัน 5 ไร่", TODAY).amount == Decimal(5000)


def test_meetings_count_who_came() -> None:
    assert parse("ประชุมกลุ่ม ผู้ชาย 5 ผู้หญิง 11", TODAY).attendees == 16
    assert parse("ประชุมสมาชิก ๑๒/๒๕ คน", TODAY).attendees == 12
    assert parse("มีสมาชิกทั้งหมด 25 คน มาประชุม 18 คน", TODAY).attendees == 18
    roll = parse("มีสมาชิกทั้งหมด 25 คน", TODAY)  # the group's size, not who came
    assert roll.intent == "meeting" and roll.attendees is None
    assert "attendees" in parse("ประชุม สมาชิกมา 250 คน", TODAY).ambiguous
