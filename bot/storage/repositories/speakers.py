"""Who is speaking, in one round trip: what every inbound message needs before it is handled.

One statement gives the chat account, its person with every programme role, their current
groups, the open question of this chat and, in a group chat, the occupation group the room is
linked to. It used to be five (account, roles, memberships, room, state), each paying the
ORM's fixed cost per statement; that cost, not the database, was most of the time they took.

Memberships come as rows (LEFT JOIN: one row per current membership, at least one row), folded
here in Python: no JSON aggregation, so the statement reads the same on SQLite and PostgreSQL.
The statement is built once at import and goes straight to the driver (bot/storage/driver.py);
the account and the open question are made from their columns as the ORM loads objects
(`_Repository._loaded`): this read is on every message, and the ORM's statement and loading
machinery cost it more than the read itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, Table, and_, bindparam, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.storage.driver import prebuilt
from bot.storage.models import (
    Administrator,
    ChatAccount,
    ChatRoom,
    ConversationState,
    Household,
    Membership,
    OccupationGroup,
    Officer,
    Person,
    Trainer,
)
from bot.storage.repositories.base import _Repository
from bot.storage.repositories.people import RoleIds


class GroupSeat(NamedTuple):
    """One current membership: the group, its name and the person's role in it."""

    group_id: int
    group_name: str
    role: str


class Speaker(NamedTuple):
    """The sender of a message as the database has them. `account` and `state` are the unit of
    work's own objects (changes to them are written on commit, as from any other read)."""

    account: ChatAccount
    state: ConversationState | None  # the open question of this account in this chat
    roles: RoleIds | None  # None: the account is linked to nobody
    groups: tuple[GroupSeat, ...]  # current memberships, oldest first
    room_group_id: int | None  # the occupation group an active group chat is linked to


_ACCOUNTS = cast(Table, ChatAccount.__table__)
_STATES = cast(Table, ConversationState.__table__)
# Columns, not entities: the statement goes to the driver (bot/storage/driver.py), and the two
# objects are made from their columns as the ORM would load them (`_Repository._loaded`).
_ACCOUNT_COLUMNS = tuple(_ACCOUNTS.c)
_STATE_COLUMNS = tuple(_STATES.c)
_A, _S = len(_ACCOUNT_COLUMNS), len(_ACCOUNT_COLUMNS) + len(_STATE_COLUMNS)
_STATE_ID = _A + _STATE_COLUMNS.index(_STATES.c.id)  # NULL: no open question in this chat


def speaking(in_room: bool) -> Select[Any]:
    """The statement of `SpeakerRepository.speaker`, not marked prebuilt:
    `InboxRepository.take_admitting` runs it as a subquery of the take, and `_IN_ROOM` /
    `_ONE_TO_ONE` are it, marked. Its bind parameters (`s_channel`, `s_external_id`,
    `s_chat_id`) are named like no column of `inbound_event`: in a statement that also
    updates that table, a parameter with a column's name would set that column. Its last two
    columns are the membership's start and id, the rows' order, for a query around it."""
    household = (
        select(Household.id)
        .where(Household.person_id == Person.id)
        .order_by(Household.id)
        .limit(1)
        .scalar_subquery()
    )
    room = (
        select(ChatRoom.group_id)
        .where(
            ChatRoom.channel == bindparam("s_channel"),
            ChatRoom.external_id == bindparam("s_chat_id"),
            ChatRoom.active.is_(True),
        )
        .scalar_subquery()
        if in_room
        else literal(None)
    )
    return (
        select(
            *_ACCOUNT_COLUMNS,
            *_STATE_COLUMNS,
            Person.id,
            Person.name,
            # officer, trainer and administrator are unique per person: a join adds no rows
            Officer.id,
            Officer.district_id,
            household,  # a person may head several households: the first, as before
            Trainer.id,
            Administrator.id,
            Membership.group_id,
            OccupationGroup.name,
            Membership.role,
            room,
            Membership.since,
            Membership.id,
        )
        .outerjoin(
            ConversationState,
            and_(
                ConversationState.chat_account_id == ChatAccount.id,
                ConversationState.chat_id == bindparam("s_chat_id"),
            ),
        )
        .outerjoin(Person, Person.id == ChatAccount.person_id)
        .outerjoin(Officer, Officer.person_id == Person.id)
        .outerjoin(Trainer, Trainer.person_id == Person.id)
        .outerjoin(Administrator, Administrator.person_id == Person.id)
        .outerjoin(Membership, and_(Membership.person_id == Person.id, Membership.until.is_(None)))
        .outerjoin(OccupationGroup, OccupationGroup.id == Membership.group_id)
        .where(
            ChatAccount.channel == bindparam("s_channel"),
            ChatAccount.external_id == bindparam("s_external_id"),
        )
        .order_by(Membership.since, Membership.id)
    )


_IN_ROOM = prebuilt(speaking(in_room=True))
_ONE_TO_ONE = prebuilt(speaking(in_room=False))

_REMEMBER = prebuilt(
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("a_id"))
    .values(
        last_records=bindparam("a_records", type_=_ACCOUNTS.c.last_records.type),
        last_record_at=bindparam("a_at", type_=_ACCOUNTS.c.last_record_at.type),
    )
)

_RENAME = prebuilt(
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("a_id"))
    .values(display_name=bindparam("a_name", type_=_ACCOUNTS.c.display_name.type))
)


SpeakerKey = tuple[str, str, str, bool]  # channel, external id, chat id, in a group chat


_READ_AHEAD = "speakers read ahead"  # the key in the session's `info`


def read_ahead(session: AsyncSession, key: SpeakerKey, rows: list[Any]) -> None:
    """`speaking`'s rows for `key`, read by another statement of this unit of work that ran
    it as a subquery (`InboxRepository.take_admitting`): the next `speaker(*key)` of the
    unit of work is answered from them instead of a statement of its own. Used once: a
    later call (after the first message of an account made it, or after a refusal) reads
    again. Kept in the session's `info`, which lives as long as the unit of work."""
    session.info.setdefault(_READ_AHEAD, {})[key] = rows


class SpeakerRepository(_Repository):
    async def speaker(
        self, channel: str, external_id: str, chat_id: str, *, in_room: bool
    ) -> Speaker | None:
        """The account `external_id` on `channel` writing in `chat_id` (a group chat when
        `in_room`), with everything above; None when the account does not exist yet."""
        known = self.session.info.get(_READ_AHEAD)
        rows = known.pop((channel, external_id, chat_id, in_room), None) if known else None
        if rows is None:
            rows = (
                await self._core(
                    _IN_ROOM if in_room else _ONE_TO_ONE,
                    {"s_channel": channel, "s_external_id": external_id, "s_chat_id": chat_id},
                )
            ).all()
        if not rows or rows[0][0] is None:  # no account (read ahead: one row of NULLs)
            return None
        first = rows[0]
        account = self._loaded(ChatAccount, _ACCOUNT_COLUMNS, first[:_A])
        state = (
            None
            if first[_A] is None
            else self._loaded(ConversationState, _STATE_COLUMNS, first[_A:_S])
        )
        person_id = first[_S]
        # No person row for a linked account: the caller says so (as load_actor did).
        roles = None if person_id is None else RoleIds(first[_S + 1], *first[_S + 2 : _S + 7])
        groups = tuple(
            GroupSeat(r[_S + 7], r[_S + 8], r[_S + 9]) for r in rows if r[_S + 7] is not None
        )
        return Speaker(
            account=account,
            state=state,
            roles=roles,
            groups=groups,
            room_group_id=first[_S + 10],
        )

    async def remember_records(
        self, account: ChatAccount, records: list[list[object]] | None, at: datetime | None
    ) -> None:
        """What `ยกเลิก` right after would undo: the records of the account's last message
        ([entity, id] pairs; None: nothing). One prebuilt Core UPDATE rather than a change to
        the ORM object: the message path writes this on most messages, and a flush pays the
        ORM's unit-of-work machinery for one changed attribute (see `RecordRepository.add`
        for what the two together saved). The unit of work's own object is given the same values
        as already written, so a later read in this transaction sees them and no flush
        writes them again. On PostgreSQL the UPDATE goes with the next statement (the reply's
        INSERT into the outbox), one round trip fewer."""
        await self._write_later(_REMEMBER, {"a_id": account.id, "a_records": records, "a_at": at})
        set_committed_value(account, "last_records", records)
        set_committed_value(account, "last_record_at", at)

    async def rename(self, account: ChatAccount, display_name: str) -> None:
        """The name the platform now gives the account (a Telegram user's first and last
        name; a LINE webhook carries none). Written as `remember_records` writes: one prebuilt
        UPDATE, the unit of work's object given the value as written. As a change to the ORM
        object it was a flush, and the statement after it went SQLAlchemy's slow way, on
        every first message of an account made by bulk onboarding (bench/webhook.py). Inside
        a savepoint it stays a change to the object, which a savepoint rolled back expires."""
        if self.session.in_nested_transaction():
            account.display_name = display_name
            return
        await self._core(_RENAME, {"a_id": account.id, "a_name": display_name})
        set_committed_value(account, "display_name", display_name)
