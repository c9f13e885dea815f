"""Every pitfall listed in /work/shared/THAI.md, checked through the public `parse`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.nlu import parse

TODAY = date(2025, 10, 20)


def test_text_to_num_pitfalls_do_not_apply() -> None:
    # "ไปเยี่ยมบ้าน" made text_to_num raise (ยี่ inside เยี่ยม), "ห้ามขาย" became 5,
    # "สามีมาช่วยขาย" became สา+มี.
    visit = parse("ไปเยี่ยมบ้าน", TODAY)
    assert visit.intent == "visit" and visit.amount is None and visit.quantity is None
    forbidden = parse("ห้ามขาย", TODAY)
    assert forbidden.intent == "unknown" and forbidden.negated and forbidden.amount is None
    husband = parse("สามีมาช่วยขาย", TODAY)
    assert husband.intent == "sale" and husband.amount is None and husband.attendees is None


def test_colloquial_number_words() -> None:
    expected = {
        "ขายได้พันห้า": Decimal(1500),
        "ขายได้หมื่นสอง": Decimal(12000),
        "ขายได้แสนห้า": Decimal(150000),
        "ขายได้ล้านห้า": Decimal(1500000),
        "ขายได้ร้อยนึง": Decimal(100),
        "ขายได้ 2 พัน": Decimal(2000),
        "ขายได้ 3 หมื่น 2": Decimal(32000),
        "ขายได้ 1.5k": Decimal(1500),
    }
    for text, amount in expected.items():
        assert parse(text, TODAY).amount == amount, text


def test_ambiguous_and_approximate_number_words_are_asked() -> None:
    for text in ("ขายได้ร้อยห้า", "ขายได้พันกว่าบาท"):
        parsed = parse(text, TODAY)
        assert parsed.amount is None and "number" in parsed.ambiguous, text


def test_numeric_months_thai_digits_and_spoken_months() -> None:
    # thai_strptime read "15 10 2568" as January and failed on Thai digits and "กรกฎา".
    assert parse("ประชุม 15/10/2568", TODAY).date == date(2025, 10, 15)
    assert parse("ประชุม ๑๕/๑๐/๒๕๖๘", TODAY).date == date(2025, 10, 15)
    assert parse("ประชุม 3 กรกฎา 2568", TODAY).date == date(2025, 7, 3)


def test_years() -> None:
    assert parse("ประชุม 1 มี.ค. 67", TODAY).date == date(2024, 3, 1)  # two digits: BE
    assert parse("ประชุม 1 มี.ค. 2567", TODAY).date == date(2024, 3, 1)  # ≥ 2400: BE
    assert parse("ประชุม 1 มี.ค. 2024", TODAY).date == date(2024, 3, 1)
    assert parse("ประชุม 1 ก.ย.", TODAY).date == date(2025, 9, 1)  # no year: most recent past
    # ...unless this year's is ahead and nearer: 1 Nov on 20 Oct is not last year's, asked
    ahead = parse("ประชุม 1 พ.ย.", TODAY)
    assert ahead.date is None and "date" in ahead.ambiguous


def test_dotless_months_only_after_a_digit_or_month_word() -> None:
    customer = parse("ลูกค้าสั่งไข่เค็ม", TODAY)
    assert customer.month is None and customer.date is None
    assert customer.intent == "unknown"  # an order not paid is not a sale (yet)
    paid = parse("ลูกค้าสั่งไข่เค็ม โอนมาแล้ว 500", TODAY)
    assert paid.month is None and paid.intent == "sale" and paid.item == "ไข่เค็ม"
    assert parse("ประชุม 12 กค 68", TODAY).date == date(2025, 7, 12)
    assert parse("สรุปเดือนกค", TODAY).month == date(2025, 7, 1)
    assert parse("ขายผัก 2 กรกฏาคม 2568", TODAY).date == date(2025, 7, 2)  # ฏ misspelling


def test_last_week_and_last_sunday() -> None:
    # "อาทิตย์ที่แล้ว" is last week, not a day: a record asks which day; a summary uses the week
    last_week = parse("ประชุมอาทิตย์ที่แล้ว", TODAY)
    assert last_week.date is None and "date" in last_week.ambiguous
    assert parse("สรุปอาทิตย์ที่แล้ว", TODAY).date == date(2025, 10, 13)  # its Monday
    assert parse("ประชุมวันอาทิตย์ที่แล้ว", TODAY).date == date(2025, 10, 19)  # last Sunday


def test_short_unit_words_inside_other_words() -> None:
    expense = parse("รายจ่ายค่าปุ๋ย 500", TODAY)
    assert expense.unit is None and expense.amount == Decimal(500)
    fruit = parse("ขายผลไม้ 300 บาท", TODAY)
    assert fruit.unit is None and fruit.item == "ผลไม้" and fruit.amount == Decimal(300)
    onion = parse("ขายหัวหอม 3 กิโล 90 บาท", TODAY)
    assert onion.item == "หัวหอม" and onion.unit == "กิโลกรัม"
    fair = parse("ไปงานวัดขายผลไม้ 2 หวี 80 บาท", TODAY)
    assert fair.unit == "หวี" and fair.quantity == Decimal(2)


def test_laughter_and_negations() -> None:
    for text in ("555", "ถถถ", "5555555"):
        parsed = parse(text, TODAY)
        assert parsed.intent == "unknown" and parsed.amount is None, text
    assert parse("ขายผัก 555", TODAY).amount is None
    for text in ("ไม่ได้ขาย", "ห้ามขาย", "ยังไม่ได้ขาย"):
        parsed = parse(text, TODAY)
        assert parsed.intent == "unknown" and parsed.negated, text


def test_repeat_mark_and_unit_prices() -> None:
    eggs = parse("ขายไข่เค็ม50ฟองๆละ5บาท", TODAY)
    assert (eggs.unit_price, eggs.amount) == (Decimal(5), Decimal(250))
    assert parse("ขายกบ 20 ตัว ตัวละ 15", TODAY).amount == Decimal(300)
    assert parse("ขายกล้วย 3 หวี หวีละ 40", TODAY).amount == Decimal(120)
    assert parse("ขายหมู 2 กิโล กิโลละ 80", TODAY).amount == Decimal(160)


def test_dates_are_matched_before_tokenizing() -> None:
    parsed = parse("ขายไข่ 1 มี.ค. 67 100 บาท", TODAY)
    assert parsed.date == date(2024, 3, 1) and parsed.amount == Decimal(100)


def test_polite_particles_and_stretched_endings() -> None:
    plain = parse("ขายผัก 200 บาท", TODAY)
    for text in ("ขายผัก 200 บาทครับ", "ขายผัก 200 บาทค่ะ", "ขายผักค่าาา 200 บาทครับบบ",
                 "ขายผัก 200 บาท นะจ้ะ", "ขายผัก 200 บาทคับ", "ขายผัก 200 บาทจ้า"):  # fmt: skip
        parsed = parse(text, TODAY)
        assert (parsed.intent, parsed.item, parsed.amount) == (plain.intent, "ผัก", plain.amount)


def test_wrong_keyboard_layout_digits() -> None:
    assert parse("ขายไข่ ถจ ฟอง", TODAY).quantity == Decimal(50)
