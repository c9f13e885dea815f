"""Button captions (issue 20): they fit LINE's 20 characters without cutting a word, and typing
one chooses what tapping it does."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.labels import label_matches, short_label, short_labels
from bot.services import admin
from bot.storage.models import Membership, Person, Role, Sale
from tests.support.chat import Chat

# --- button captions ----------------------------------------------------------------------


def test_captions_are_shortened_between_words() -> None:
    assert short_label("กลุ่มทอผ้าไหมบ้านนาดี") == "กลุ่มทอผ้าไหมบ้านนา…"
    assert short_label("กลุ่มไข่เค็มสมุนไพรลูกหม่อน") == "กลุ่มไข่เค็มสมุนไพร…"
    assert short_label("กลุ่มเลี้ยงกบแบบธรรมชาติ") == "กลุ่มเลี้ยงกบแบบธรรมชาติ"[:16] + "…"
    assert short_label("สรุป") == "สรุป"
    for text in ("กลุ่มวิสาหกิจชุมชนแปรรูปข้าวกล้องหอมมะลิ", "ก" * 40, "จันทร์เพ็ญ แสงดีมีสุขสบาย"):
        label = short_label(text)
        assert len(label) <= 20 and label.endswith("…") and label_matches(label, text), label
    # Two options that would read the same keep their first and last words instead.
    same = short_labels(["กลุ่มไข่เค็มสมุนไพรลูกหม่อน", "กลุ่มไข่เค็มสมุนไพรบ้านนาดี"])
    assert same == ["กลุ่ม…ลูกหม่อน", "กลุ่ม…บ้านนาดี"]
    assert label_matches(same[0], "กลุ่มไข่เค็มสมุนไพรลูกหม่อน")
    assert not label_matches(same[0], "กลุ่มไข่เค็มสมุนไพรบ้านนาดี")
    assert label_matches("กลุ่มไข่เค็มสมุนไพร...", "กลุ่มไข่เค็มสมุนไพรลูกหม่อน")


async def test_typing_a_shortened_caption_chooses_that_group(chat: Chat) -> None:
    assert chat.ids is not None
    async with chat.app.uow() as uow:
        weaving = await admin.create_group(
            uow, name="กลุ่มทอผ้าไหมบ้านนาดี", occupation="ทอผ้าไหม", village="บ้านนาดี",
            officer_id=chat.ids.officer_id, founded=datetime(2025, 1, 1, tzinfo=UTC).date(),
        )  # fmt: skip
        member = await uow.session.scalar(select(Person).where(Person.name == "บุญมี ใจงาม"))
        assert member is not None
        uow.session.add(Membership(person_id=member.id, group_id=weaving.id, role=Role.MEMBER))
        await uow.commit()
    question = await chat.say("ขายผ้าไหม 1 ผืน 900 บาท")
    assert question is not None and "หลายกลุ่ม" in question.text
    labels = {q.label: q.message for q in question.quick_replies}
    assert labels["กลุ่มทอผ้าไหมบ้านนา…"] == "กลุ่มทอผ้าไหมบ้านนาดี"
    assert labels["กลุ่มไข่เค็มสมุนไพร…"] == "กลุ่มไข่เค็มสมุนไพรลูกหม่อน"
    assert all(len(label) <= 20 for label in labels)
    saved = await chat.text("กลุ่มทอผ้าไหมบ้านนา…")  # typed as shown, ellipsis and all
    assert "บันทึกการขายแล้ว" in saved and "กลุ่มทอผ้าไหมบ้านนาดี" in saved
    assert await chat.count(Sale, Sale.group_id == weaving.id) == 1
