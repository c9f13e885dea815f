"""Repositories: the only place that writes SQL for the services, one module per aggregate.

Each takes the unit of work's session, so everything it does belongs to that one transaction."""

from bot.storage.repositories.administrators import AdministratorRepository
from bot.storage.repositories.audit import AuditRepository
from bot.storage.repositories.codes import AccessCodeRepository
from bot.storage.repositories.conversations import ConversationRepository
from bot.storage.repositories.dashboard_secrets import DashboardSecretRepository
from bot.storage.repositories.erasure import ErasureRepository
from bot.storage.repositories.files import FileRepository
from bot.storage.repositories.flood import FloodRepository
from bot.storage.repositories.group_money import GroupMoneyRepository
from bot.storage.repositories.groups import GroupRepository
from bot.storage.repositories.handovers import HandoverRepository
from bot.storage.repositories.inbox import InboxRepository, PendingEvent
from bot.storage.repositories.menus import MenuRepository
from bot.storage.repositories.outbox import OutboxRepository
from bot.storage.repositories.people import PeopleRepository
from bot.storage.repositories.records import HOURS, GroupMonth, RecordRepository
from bot.storage.repositories.registry import RegistryRepository
from bot.storage.repositories.speakers import GroupSeat, Speaker, SpeakerRepository
from bot.storage.repositories.throttles import ThrottleRepository
from bot.storage.repositories.voice_notes import VoiceNoteRepository

__all__ = [
    "HOURS",
    "AccessCodeRepository",
    "AdministratorRepository",
    "AuditRepository",
    "ConversationRepository",
    "DashboardSecretRepository",
    "ErasureRepository",
    "FileRepository",
    "FloodRepository",
    "GroupMoneyRepository",
    "GroupMonth",
    "GroupRepository",
    "GroupSeat",
    "HandoverRepository",
    "InboxRepository",
    "MenuRepository",
    "OutboxRepository",
    "PendingEvent",
    "PeopleRepository",
    "RecordRepository",
    "RegistryRepository",
    "Speaker",
    "SpeakerRepository",
    "ThrottleRepository",
    "VoiceNoteRepository",
]
