"""Voice notes: what the bot heard, the audio's key, and the record it became."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from bot.storage.models import VoiceNote
from bot.storage.repositories.base import _Repository


class VoiceNoteRepository(_Repository):
    async def add(self, note: VoiceNote) -> VoiceNote:
        self.session.add(note)
        await self.session.flush()
        return note

    async def get(self, note_id: int | None) -> VoiceNote | None:
        return None if note_id is None else await self.session.get(VoiceNote, note_id)

    async def of_person(self, person_id: int) -> Sequence[VoiceNote]:
        return (
            await self.session.scalars(
                select(VoiceNote).where(VoiceNote.person_id == person_id).order_by(VoiceNote.id)
            )
        ).all()

    async def forget_person(self, person_id: int) -> None:
        """What was heard in a person's voice notes (erasure)."""
        await self.session.execute(delete(VoiceNote).where(VoiceNote.person_id == person_id))
