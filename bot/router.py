"""Routing as data: an ordered table of (name, matcher, handler). The first rule whose matcher
returns something other than None handles the message; the table reads top to bottom as the
bot's priorities:

1. platform events (follow, join, unsend, edit) and linking codes;
2. commands, typed or pressed, in any state (bot/vocabulary.py): a waiting question never
   swallows "สรุป", "เมนู", "/meeting" or "ยกเลิก"; it stays open and is asked again after;
3. the answer to the waiting question, when the message is one (handlers/open_question.py);
4. reports, then greetings/thanks/plans/questions, then "not understood".

Whatever runs, the conversation core (conversation.py) then tells the person about a question
still waiting, or one that came back.

This module is the table and the walk down it; when each rule applies is in
`bot/routing/matchers.py`, what it does in `bot/routing/replies.py`, the guided reports by
intent in `bot/routing/specs.py`.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from bot.handlers import (
    account,
    administrator,
    codes,
    dashboard,
    export,
    handover,
    help,
    model_households,
    poster,
    reminders,
    report,
    social,
    start,
    visit_plan,
    voice,
)
from bot.handlers.context import Context, reply
from bot.messages import Reply
from bot.routing import matchers as match
from bot.routing import replies
from bot.routing.matchers import ANNUAL_PREFIXES, DIVIDEND_PREFIXES, EDIT_PREFIXES, Matcher
from bot.routing.replies import Handler
from bot.routing.specs import SPECS


@dataclass(frozen=True)
class Rule:
    name: str
    matches: Matcher
    handle: Handler


# What a voice note may do: the same as typed text, minus what removes, changes or links
# without a report's confirmation (a misheard "ยกเลิก" must not undo a record). Reports from
# it are always confirmed (record_flow.run).
VOICE_RULES = frozenset({
    "start", "resume", "help", "summary", "visit_plan", "summary_of", "slash_report",
    "open_question", "report", "help_or_summary", "social", "fallback",
})  # fmt: skip


async def _voice(ctx: Context, _: Any) -> Reply | None:
    """A voice note: refused politely unless heard; then what was heard is handled as the
    typed text would be (within VOICE_RULES), its answer headed by what was heard."""
    if ctx.message.is_group:
        return None  # people talking to each other; never fetched nor transcribed
    if ctx.actor is None or not ctx.actor.roles:
        return await start.not_linked(ctx)
    refused = voice.refusal(ctx)
    if refused is not None:
        return refused
    if ctx.state is not None and ctx.state.flow not in SPECS:
        return reply(voice.ANSWER_BY_TAP)  # erase, undo, edit, a choice: by tap or typing
    await voice.keep(ctx)
    _, answer = await dispatch(ctx, tuple(r for r in RULES if r.name in VOICE_RULES))
    return voice.framed(ctx, answer)


RULES: tuple[Rule, ...] = (
    Rule("follow", match.event("follow"), replies.greet),
    Rule("join", match.event("join"), replies.greet),
    Rule("unfollow", match.event("unfollow"), replies.unfollow),
    Rule("unsend", match.event("unsend"), replies.withdraw_source),
    Rule("edited", match.event("edit"), replies.edited),
    Rule("voice", match.event("audio"), _voice),
    Rule("link", match.link_code, replies.link),
    Rule(
        "consent",
        lambda ctx: True if ctx.state and ctx.state.flow == "consent" else None,
        replies.resume,
    ),
    Rule("my_data", match.said("my_data"), replies.my_data),
    Rule("erase", match.said("erase"), replies.erase),
    Rule("unlinked", match.unlinked, replies.not_linked),
    Rule("handover", handover.wants_decision, handover.decide),
    Rule("issue_code", codes.wants_code, codes.issue),
    Rule("add_account", account.wants_add_account, account.add_account),
    Rule("sign_out_everywhere", account.wants_sign_out_everywhere, account.sign_out_everywhere),
    # Commands, typed or pressed (bot/vocabulary.py), in any state.
    Rule("start", match.said("start"), replies.start_command),
    Rule("undo", match.said("undo"), replies.undo_word),
    Rule("undo_last", match.said("undo_last"), replies.undo_last),
    Rule("cancel_flow", match.said("cancel_flow"), replies.cancel_command),
    Rule("resume", match.said("resume"), replies.resume_command),
    Rule("help", match.said("help"), replies.handler(help.menu)),
    Rule("administrator", administrator.asked, administrator.show),
    Rule("summary", match.said("summary"), replies.handler(report.summary)),
    Rule("reminders_off", match.said("reminders_off"), replies.handler(reminders.stop)),
    Rule("reminders_snooze", match.said("reminders_snooze"), replies.handler(reminders.snooze)),
    Rule("reminders_on", match.said("reminders_on"), replies.handler(reminders.resume)),
    Rule("dashboard_word", match.said("dashboard"), replies.handler(dashboard.link)),
    Rule("visit_plan", match.said("visit_plan"), replies.handler(visit_plan.show)),
    Rule("ack", match.said("confirm", "decline", waiting=False), replies.ack),
    Rule("voice_fix", voice.wants_fix, voice.fix),
    Rule("edit", match.starts(EDIT_PREFIXES), replies.edit),
    Rule("annual", match.starts(ANNUAL_PREFIXES), replies.annual_summary),
    Rule("dividend", match.starts(DIVIDEND_PREFIXES), replies.dividend_report),
    Rule("export", export.wants_export, export.export),
    Rule("model_households", model_households.asked, model_households.ranking),
    Rule("dashboard", dashboard.wants_dashboard, dashboard.link),
    Rule("poster", poster.wants_poster, poster.poster),
    Rule("summary_of", match.summary_asked, replies.summary),
    Rule("slash_report", match.slash_report, replies.slash),
    Rule("correction", match.correction, replies.correct),
    Rule("open_question", match.open_question, replies.resume),
    Rule("set_name", match.name_given, replies.set_name),
    Rule("report", match.report_intent, replies.report_said),
    Rule("help_or_summary", match.asks_help_or_summary, replies.help_or_summary),
    Rule("social", social.matches, replies.social_answer),
    Rule("fallback", lambda ctx: True, replies.fallback),
)


async def dispatch(ctx: Context, rules: tuple[Rule, ...] = RULES) -> tuple[str, Reply | None]:
    for rule in rules:
        args = rule.matches(ctx)
        if inspect.isawaitable(args):
            args = await args
        if args is not None:
            return rule.name, await rule.handle(ctx, args)
    return "none", None
