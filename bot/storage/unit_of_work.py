"""Unit of work: one transaction around one use case. It rolls back unless `commit()` was
called, so a handler that fails half-way leaves nothing half-written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Generic, Self, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import driver
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
from bot.storage.repositories.base import _Repository

R = TypeVar("R", bound=_Repository)


class _Lazy(Generic[R]):
    """A repository made on first use in a unit of work, then kept for the rest of it. A
    message uses five or six of the twenty; making all of them at every begin was a tenth of
    a unit of work's own cost (bench/trace_message.py)."""

    def __init__(self, kind: type[R]) -> None:
        self._kind = kind
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type) -> R: ...
    def __get__(self, uow: UnitOfWork | None, owner: type) -> R | Self:
        if uow is None:
            return self
        repository = self._kind(uow.session)
        uow.__dict__[self._name] = repository  # found before this descriptor from now on
        return repository


class UnitOfWork:
    session: AsyncSession
    people = _Lazy(PeopleRepository)
    speakers = _Lazy(SpeakerRepository)
    groups = _Lazy(GroupRepository)
    records = _Lazy(RecordRepository)
    conversations = _Lazy(ConversationRepository)
    outbox = _Lazy(OutboxRepository)
    inbox = _Lazy(InboxRepository)
    audit = _Lazy(AuditRepository)
    files = _Lazy(FileRepository)
    flood = _Lazy(FloodRepository)
    menus = _Lazy(MenuRepository)
    dashboard_secrets = _Lazy(DashboardSecretRepository)
    registry = _Lazy(RegistryRepository)
    administrators = _Lazy(AdministratorRepository)
    codes = _Lazy(AccessCodeRepository)
    throttles = _Lazy(ThrottleRepository)
    voice_notes = _Lazy(VoiceNoteRepository)
    handovers = _Lazy(HandoverRepository)
    money = _Lazy(GroupMoneyRepository)
    erasure = _Lazy(ErasureRepository)

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], gate: WriterGate | None = None
    ) -> None:
        self._sessions = sessions
        self._gate = gate

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.enter()
        self.session = self._sessions()
        # Entered again: the repositories of the last session are not this one's.
        for name in _REPOSITORIES.intersection(self.__dict__):
            del self.__dict__[name]
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
        session = self.session
        try:
            if session.in_transaction():
                await session.close()
            else:
                # Committed (or never begun): closing only forgets the objects and sends
                # nothing, so it needs no greenlet; AsyncSession.close would start one, a
                # tenth of a unit of work's own cost (bench/trace_message.py).
                session.sync_session.close()
        finally:
            if self._gate is not None:
                self._gate.leave()

    async def commit(self) -> None:
        # Held writes in one statement before the COMMIT (SQLAlchemy's commit hook would send
        # them one by one): bot/storage/driver.py, "Deferred writes".
        await driver.send_deferred(self.session)
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    async def flush(self, *, held: bool = True) -> None:
        """Writes the changes made so far (ids assigned, constraints checked) without ending
        the transaction: a later step of the same use case reads them, or a failure shows
        here and not later. Held writes go too (bot/storage/driver.py, "Deferred writes"),
        unless `held` is False: they then ride with the next statement, and the caller
        answers for their failure there (`Conversation._answer`). With nothing changed (most
        messages: their writes are Core statements) it returns at once, without the greenlet
        an AsyncSession call starts."""
        session = self.session
        if held:
            await driver.send_deferred(session)
        if session.new or session.deleted or session.dirty:
            await session.flush()  # held writes go first (the driver's before_execute hook)

    def holding(self) -> bool:
        """Whether held writes wait for a statement to ride with (PostgreSQL)."""
        return driver.holding(self.session)

    @staticmethod
    def held_writes_failed(error: BaseException) -> bool:
        """Whether `error` is the failure of a statement that held writes went with (the
        driver remembers those errors): possibly theirs."""
        return driver.carried(error)

    async def send_held(self) -> None:
        """Held writes that did not ride with a statement, sent now (one statement where
        they can be): a failure of theirs shows here, not at the commit."""
        await driver.send_deferred(self.session)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: what fails inside it is undone, the rest of the unit stays."""
        async with self.session.begin_nested():
            yield


_REPOSITORIES = frozenset(
    name for name, value in vars(UnitOfWork).items() if isinstance(value, _Lazy)
)
