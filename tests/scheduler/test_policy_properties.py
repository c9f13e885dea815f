"""Invariants of the reminder rules, for any group, any history and any instant (hypothesis).

The table tests in test_policy.py pin the programme's cadence day by day; these say what must
hold whatever the dates: a person who has done the thing is not reminded of it, recording
more never brings more reminders, nobody is reminded about a group before it existed, the
reminder keys of one sweep are distinct (the unique key would silently drop a second one), and
the quiet hours always end within a day, at their end time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.calendar import add_months
from bot.config import Settings
from scheduler import policy
from scheduler.policy import Cadence, GroupFacts, Moment, Schedule

BKK = ZoneInfo("Asia/Bangkok")
BASE = Cadence.from_settings(Settings(_env_file=None))

instants = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 - hypothesis draws naive times, made UTC below
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
).map(lambda naive: naive.replace(tzinfo=UTC))
days = st.dates(min_value=date(2022, 1, 1), max_value=date(2031, 1, 31))


@st.composite
def groups(draw: st.DrawFn) -> GroupFacts:
    return GroupFacts(
        group_id=draw(st.integers(1, 10**6)),
        name="กลุ่มทดสอบ",
        officer_id=7,
        founded_on=draw(days),
        last_visit=draw(st.none() | days),
        meeting_this_month=draw(st.booleans()),
        meeting_last_month=draw(st.booleans()),
        figures_last_month=draw(st.booleans()),
        annual_years=frozenset(draw(st.sets(st.integers(2022, 2031), max_size=3))),
    )


@settings(max_examples=300, deadline=None)
@given(instants)
def test_the_calendar_of_a_moment_holds_together(now: datetime) -> None:
    m = Moment.of(now, BKK)
    assert m.week_start.weekday() == 0 and m.week_end - m.week_start == timedelta(days=6)
    assert m.week_start <= m.today <= m.week_end
    assert m.month_start.day == 1 and m.month_start <= m.today <= m.month_end
    assert (m.month_end + timedelta(days=1)).day == 1
    assert m.prev_month_start < m.month_start <= m.prev_month_start + timedelta(days=31)


@settings(max_examples=400, deadline=None)
@given(groups(), instants)
def test_a_visit_in_the_current_period_means_no_visit_is_due(
    group: GroupFacts, now: datetime
) -> None:
    m = Moment.of(now, BKK)
    due = policy.visit_due(group, BASE, m)
    if group.founded_on > m.today:
        assert due is None  # nobody visits a group before it exists
        return
    weekly = policy.is_new_group(group.founded_on, BASE, m.today)
    start = m.week_start if weekly else m.month_start
    visited = group.last_visit is not None and group.last_visit >= start
    assert (due is None) == visited
    if due is not None:
        assert due.every == (policy.WEEK if weekly else policy.MONTH)


@settings(max_examples=400, deadline=None)
@given(groups(), instants, st.data())
def test_recording_more_never_brings_more_reminders(
    group: GroupFacts, now: datetime, data: st.DataObject
) -> None:
    m = Moment.of(now, BKK)
    before = set(policy.group_reminders(group, BASE, m))
    more = group._replace(
        meeting_this_month=group.meeting_this_month or data.draw(st.booleans()),
        meeting_last_month=group.meeting_last_month or data.draw(st.booleans()),
        figures_last_month=group.figures_last_month or data.draw(st.booleans()),
        annual_years=group.annual_years | frozenset(data.draw(st.sets(st.integers(2022, 2031)))),
    )
    assert set(policy.group_reminders(more, BASE, m)) <= before


@settings(max_examples=400, deadline=None)
@given(groups(), instants)
def test_what_was_done_is_not_reminded_and_keys_are_distinct(
    group: GroupFacts, now: datetime
) -> None:
    m = Moment.of(now, BKK)
    dues = policy.group_reminders(group, BASE, m)
    kinds = {d.kind for d in dues}
    if group.figures_last_month:
        assert not kinds & {policy.FIGURES, policy.FIGURES_LATE}
    if group.meeting_this_month:
        assert policy.MEETING not in kinds
    keys = [(d.kind, d.target, d.role, d.period) for d in dues]
    assert len(keys) == len(set(keys))
    for d in dues:
        assert d.target == group.target
        # Nobody is reminded about a month or a year that ended before the group was founded.
        assert d.about is not None
        months = 12 if d.kind in (policy.ANNUAL, policy.ANNUAL_LATE) else 1
        assert group.founded_on < add_months(d.about, months)


@settings(max_examples=300, deadline=None)
@given(
    instants,
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_the_quiet_hours_end_within_a_day_at_their_end(
    now: datetime, start: time, end: time
) -> None:
    m = Moment.of(now, BKK)
    until = policy.quiet_until(m, Schedule(quiet=(start, end)))
    if until is None:
        return
    assert timedelta(0) < until - now <= timedelta(days=1)
    assert until.astimezone(BKK).time() == end
