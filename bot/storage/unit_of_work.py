"""Unit of work: one transaction around one use case. It rolls back unless `commit()` was
called, so a handler that fails half-way leaves nothing half-written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.database import WriterGate
from bot.storage.repositories import (
    AccessCodeRepository,
    AdministratorRepository,
    AuditRepository,
    ConversationRepository,
    DashboardSecretRepository,
    ErasureRepository,
    FileRepository,
    FloodRepository,
    GroupMoneyRepository,
    GroupRepository,
    HandoverRepository,
    InboxRepository,
    MenuRepository,
    OutboxRepository,
    PeopleRepository,
    RecordRepository,
    RegistryRepository,
    SpeakerRepository,
    ThrottleRepository,
    VoiceNoteRepository,
)


class UnitOfWork:
    session: AsyncSession
    people: PeopleRepository
    speakers: SpeakerRepository
    groups: GroupRepository
    records: RecordRepository
    conversations: ConversationRepository
    outbox: OutboxRepository
    inbox: InboxRepository
    audit: AuditRepository
    files: FileRepository
    flood: FloodRepository
    menus: MenuRepository
    dashboard_secrets: DashboardSecretRepository
    registry: RegistryRepository
    administrators: AdministratorRepository
    codes: AccessCodeRepository
    throttles: ThrottleRepository
    voice_notes: VoiceNoteRepository
    handovers: HandoverRepository
    money: GroupMoneyRepository
    erasure: ErasureRepository

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriterGate | None = None
    ) -> None:
        self._sessions = sessions
        self._gate = gate

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.enter()
        self.session = self._sessions()
        self.people = PeopleRepository(self.session)
        self.speakers = SpeakerRepository(self.session)
        self.groups = GroupRepository(self.session)
        self.records = RecordRepository(self.session)
        self.conversations = ConversationRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.inbox = InboxRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.files = FileRepository(self.session)
        self.flood = FloodRepository(self.session)
        self.menus = MenuRepository(self.session)
        self.dashboard_secrets = DashboardSecretRepository(self.session)
        self.registry = RegistryRepository(self.session)
        self.administrators = AdministratorRepository(self.session)
        self.codes = AccessCodeRepository(self.session)
        self.throttles = ThrottleRepository(self.session)
        self.voice_notes = VoiceNoteRepository(self.session)
        self.handovers = HandoverRepository(self.session)
        self.money = GroupMoneyRepository(self.session)
        self.erasure = ErasureRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() ends the transaction, rolling back anything not committed. Unlike an explicit
        # rollback() it detaches objects without expiring them, so values read inside a
        # read-only unit of work stay readable after it (no lazy loads in async code).
        try:
            await self.session.close()
        finally:
            if self._gate is not None:
                self._gate.leave()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    async def flush(self) -> None:
        """Writes the changes made so far (ids assigned, constraints checked) without ending
        the transaction: a later step of the same use case reads them. With nothing changed
        (most messages: their writes are Core statements) it returns at once, without the
        greenlet an AsyncSession call starts."""
        session = self.session
        if session.new or session.deleted or session.dirty:
            await session.flush()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: what fails inside it is undone, the rest of the unit stays."""
        async with self.session.begin_nested():
            yield
