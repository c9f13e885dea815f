"""The cadence rules over a simulated year: a group founded on a given date, with visits,
meetings, figures and summaries logged on given days, is swept every morning at 08:00 (as
the daily job does), each reminder key is sent the first time it is due (as the unique key
does), and the reminders of every calendar week must be exactly the table's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from scheduler import policy
from scheduler.policy import (
    ANNUAL,
    ANNUAL_LATE,
    FIGURES,
    FIGURES_LATE,
    MEETING,
    MEETING_LATE,
    VISIT_FOLLOWUP,
    VISIT_PLAN,
    Cadence,
    GroupFacts,
    HouseholdFacts,
    Moment,
    Schedule,
)

BKK = ZoneInfo("Asia/Bangkok")
SETTINGS = Settings(_env_file=None)
BASE = Cadence.from_settings(SETTINGS)
SCHEDULE = Schedule.from_settings(SETTINGS)


def at(day: date, hour: int = 8, minute: int = 0) -> Moment:
    return Moment.of(datetime.combine(day, time(hour, minute), tzinfo=BKK), BKK)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass
class Story:
    """What one group logged, and when (each record counts from its day on)."""

    founded: date
    visits: list[date] = field(default_factory=list)
    meetings: list[date] = field(default_factory=list)
    figures: dict[date, date] = field(default_factory=dict)  # month reported -> submitted on
    annual: dict[int, date] = field(default_factory=dict)  # year -> submitted on
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def facts(self, m: Moment) -> GroupFacts:
        today = m.today
        visits = [v for v in self.visits if v <= today]
        meetings = [d for d in self.meetings if d <= today]
        return GroupFacts(
            group_id=1,
            name="กลุ่มทดสอบ",
            officer_id=1,
            founded_on=self.founded,
            last_visit=max(visits, default=None),
            meeting_this_month=any(d >= m.month_start for d in meetings),
            meeting_last_month=any(m.prev_month_start <= d < m.month_start for d in meetings),
            figures_last_month=self.figures.get(m.prev_month_start, date.max) <= today,
            annual_years=frozenset(y for y, d in self.annual.items() if d <= today),
        )


def simulate(story: Story, first: date, last: date) -> dict[str, set[tuple[date, str, str]]]:
    """Every morning's sweep from `first` to `last`: week key -> {(day sent, kind, period)}."""
    cadence = BASE.override(story.overrides)
    sent: set[tuple[str, str, str, str]] = set()
    weeks: dict[str, set[tuple[date, str, str]]] = defaultdict(set)
    for day in days(first, last):
        m = at(day)
        facts = story.facts(m)
        due = policy.group_reminders(facts, cadence, m)
        visit = policy.visit_due(facts, cadence, m)
        digest = policy.digest_due(facts.officer_id, [visit] if visit else [], m, SCHEDULE)
        if digest is not None:
            due.append(digest)
        for item in due:
            key = (item.kind, item.target, item.role, item.period)
            if key not in sent:
                sent.add(key)
                weeks[m.week].add((day, item.kind, item.period))
    return weeks


def expected(rows: list[tuple[str, str, str]], year: int = 2025) -> dict[str, set[Any]]:
    weeks: dict[str, set[tuple[date, str, str]]] = defaultdict(set)
    for day, kind, period in rows:
        sent = date.fromisoformat(f"{year}-{day}")
        weeks[policy.week_key(sent)].add((sent, kind, period))
    return weeks


def monthly(day: int, months: range, year: int = 2025) -> list[date]:
    return [date(year, month, day) for month in months]


# A group founded 1 March 2024: weekly visits until 1 March 2025, monthly after. The officer
# visits on Mondays, misses week 4 until Friday and week 7 entirely, then visits on the 1st of
# each month but skips August. Meetings on the 10th, none in April, July's late (25th). The
# treasurer sends figures on the 3rd, February's late (12 March), May's on 7 June. Last year's
# annual summary came on time; this year's (FY2024) only on 20 October.
MATURING = Story(
    founded=date(2024, 3, 1),
    visits=[date(2025, 1, d) for d in (6, 13, 24, 27)]
    + [date(2025, 2, d) for d in (3, 17, 24)]
    + [date(2025, m, 1) for m in (3, 4, 5, 6, 7, 9, 10, 11, 12)],
    meetings=[date(2024, 12, 10)]
    + [date(2025, m, 10) for m in range(1, 13) if m not in (4, 7)]
    + [date(2025, 7, 25)],
    figures={date(2024, 12, 1): date(2025, 1, 3)}
    | {date(2025, m, 1): date(2025, m + 1, 3) for m in range(1, 12)}
    | {date(2025, 2, 1): date(2025, 3, 12), date(2025, 5, 1): date(2025, 6, 7)},
    annual={2023: date(2024, 10, 5), 2024: date(2025, 10, 20)},
)
MATURING_EXPECTED = [
    ("01-20", VISIT_PLAN, "2025-W04"),
    ("01-23", VISIT_FOLLOWUP, "2025-W04"),
    ("02-01", FIGURES, "2025-01:1"),
    ("02-10", VISIT_PLAN, "2025-W07"),
    ("02-13", VISIT_FOLLOWUP, "2025-W07"),
    ("03-01", FIGURES, "2025-02:1"),
    ("03-05", FIGURES, "2025-02:5"),
    ("03-10", FIGURES_LATE, "2025-02"),
    ("04-01", FIGURES, "2025-03:1"),
    ("04-20", MEETING, "2025-04"),
    ("04-30", MEETING_LATE, "2025-04"),
    ("05-01", FIGURES, "2025-04:1"),
    ("06-01", FIGURES, "2025-05:1"),
    ("06-05", FIGURES, "2025-05:5"),
    ("07-01", FIGURES, "2025-06:1"),
    ("07-20", MEETING, "2025-07"),
    # No visit in August: the Thursday digest of the week August starts in goes out on the
    # 1st (a Friday, still inside that week's follow-up window), then every Monday/Thursday.
    ("08-01", FIGURES, "2025-07:1"),
    ("08-01", VISIT_FOLLOWUP, "2025-W31"),
    ("08-04", VISIT_PLAN, "2025-W32"),
    ("08-07", VISIT_FOLLOWUP, "2025-W32"),
    ("08-11", VISIT_PLAN, "2025-W33"),
    ("08-14", VISIT_FOLLOWUP, "2025-W33"),
    ("08-18", VISIT_PLAN, "2025-W34"),
    ("08-21", VISIT_FOLLOWUP, "2025-W34"),
    ("08-25", VISIT_PLAN, "2025-W35"),
    ("08-28", VISIT_FOLLOWUP, "2025-W35"),
    ("09-01", FIGURES, "2025-08:1"),
    ("10-01", FIGURES, "2025-09:1"),
    ("10-01", ANNUAL, "FY2024"),
    ("10-15", ANNUAL_LATE, "FY2024"),
    ("11-01", FIGURES, "2025-10:1"),
    ("12-01", FIGURES, "2025-11:1"),
]

# A group founded on Wednesday 18 June 2025 (first year: weekly visits), with its own
# cadence: meetings due by the 25th, reporting year from January. Visited on founding day and
# the next Thursday, not at all the week after, then every Monday. Meetings after the 25th,
# none in September. June's figures only on 15 July; later months on time or on the 1st.
NEW_GROUP = Story(
    founded=date(2025, 6, 18),
    visits=[date(2025, 6, 18), date(2025, 6, 26)]
    + [date(2025, 7, 7) + timedelta(weeks=n) for n in range(13)],
    meetings=[date(2025, 7, 26), date(2025, 8, 30)],
    figures={
        date(2025, 6, 1): date(2025, 7, 15),
        date(2025, 7, 1): date(2025, 8, 2),
        date(2025, 8, 1): date(2025, 9, 1),
        date(2025, 9, 1): date(2025, 10, 4),
    },
    overrides={"meeting_due_day": 25, "fiscal_year_start_month": 1},
)
NEW_GROUP_EXPECTED = [
    ("06-23", VISIT_PLAN, "2025-W26"),
    ("06-30", VISIT_PLAN, "2025-W27"),
    ("07-01", FIGURES, "2025-06:1"),
    ("07-03", VISIT_FOLLOWUP, "2025-W27"),
    ("07-05", FIGURES, "2025-06:5"),
    ("07-10", FIGURES_LATE, "2025-06"),
    ("07-25", MEETING, "2025-07"),
    ("08-01", FIGURES, "2025-07:1"),
    ("08-25", MEETING, "2025-08"),
    ("09-25", MEETING, "2025-09"),
    ("09-30", MEETING_LATE, "2025-09"),
    ("10-01", FIGURES, "2025-09:1"),
]


@pytest.mark.parametrize(
    ("story", "first", "last", "rows"),
    [
        pytest.param(
            MATURING, date(2025, 1, 6), date(2025, 12, 28), MATURING_EXPECTED, id="maturing"
        ),
        pytest.param(NEW_GROUP, date(2025, 6, 16), date(2025, 10, 5), NEW_GROUP_EXPECTED, id="new"),
    ],
)
def test_a_simulated_year_yields_exactly_the_expected_reminders_each_week(
    story: Story, first: date, last: date, rows: list[tuple[str, str, str]]
) -> None:
    got = simulate(story, first, last)
    want = expected(rows)
    for week in sorted({at(d).week for d in days(first, last)}):
        assert got.get(week, set()) == want.get(week, set()), week


def test_a_group_that_stops_following_up_is_reminded_without_nagging() -> None:
    """A group that logs nothing for a year: each reminder comes once per period, never more."""
    story = Story(founded=date(2024, 1, 15))
    weeks = simulate(story, date(2025, 1, 6), date(2025, 12, 28))
    for week, sent in weeks.items():
        kinds = [kind for _, kind, _ in sent]
        assert kinds.count(VISIT_PLAN) <= 1 and kinds.count(VISIT_FOLLOWUP) <= 1, week
    every = [item for sent in weeks.values() for item in sent]
    # Monthly from its first birthday: one plan and one follow-up each week (never visited).
    assert sum(1 for _, kind, _ in every if kind == VISIT_PLAN) == 51  # W02..W52
    assert sum(1 for _, kind, _ in every if kind == MEETING) == 12
    assert sum(1 for _, kind, _ in every if kind == MEETING_LATE) == 12  # Dec 2024 .. Nov 2025
    # The 1st and the 5th of every month; in January the sweeps start on the 6th, and a late
    # sweep sends only the latest reminder day's reminder, not both.
    assert sum(1 for _, kind, _ in every if kind == FIGURES) == 23
    assert sum(1 for _, kind, _ in every if kind == FIGURES_LATE) == 12


# --- the pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "slot"),
    [
        ((2025, 10, 20, 7, 59), None),  # Monday before 08:00: last week's windows are closed
        ((2025, 10, 20, 8, 0), VISIT_PLAN),
        ((2025, 10, 22, 18, 0), VISIT_PLAN),  # a late sweep on Wednesday still sends the plan
        ((2025, 10, 23, 8, 0), VISIT_FOLLOWUP),
        ((2025, 10, 26, 23, 0), VISIT_FOLLOWUP),
    ],
)
def test_digest_windows(local: tuple[int, int, int, int, int], slot: str | None) -> None:
    y, mo, d, h, mi = local
    assert policy.digest_slot(at(date(y, mo, d), h, mi), SCHEDULE) == slot


@pytest.mark.parametrize(
    ("hour", "minute", "until"),
    [
        (19, 59, None),
        (20, 0, datetime(2025, 10, 21, 7, 0, tzinfo=BKK)),
        (23, 30, datetime(2025, 10, 21, 7, 0, tzinfo=BKK)),
        (6, 59, datetime(2025, 10, 20, 7, 0, tzinfo=BKK)),
        (7, 0, None),
    ],
)
def test_quiet_hours(hour: int, minute: int, until: datetime | None) -> None:
    assert policy.quiet_until(at(date(2025, 10, 20), hour, minute), SCHEDULE) == until


def test_quiet_hours_can_be_turned_off_or_set_within_a_day() -> None:
    noon = at(date(2025, 10, 20), 12, 30)
    off = Schedule(quiet=policy.parse_quiet_hours("off"))
    assert policy.quiet_until(noon, off) is None
    lunch = Schedule(quiet=policy.parse_quiet_hours("12:00-13:00"))
    assert policy.quiet_until(noon, lunch) == datetime(2025, 10, 20, 13, 0, tzinfo=BKK)


def test_visits_most_overdue_first_with_days_since_the_last_one() -> None:
    m = at(date(2025, 10, 20))
    new = GroupFacts(1, "กลุ่มใหม่", 1, date(2025, 6, 1), last_visit=date(2025, 10, 10))
    old = GroupFacts(2, "กลุ่มเก่า", 1, date(2023, 1, 1), last_visit=date(2025, 9, 10))
    never = HouseholdFacts(3, "สมใจ", 1)
    items = [
        policy.visit_due(new, BASE, m),
        policy.visit_due(old, BASE, m),
        policy.household_visit_due(never, m),
    ]
    ordered = policy.order_visits(i for i in items if i is not None)
    assert [v.name for v in ordered] == ["ครัวเรือนสมใจ", "กลุ่มเก่า", "กลุ่มใหม่"]
    assert [v.days_since(m.today) for v in ordered] == [None, 40, 10]
    assert [v.every for v in ordered] == [policy.MONTH, policy.MONTH, policy.WEEK]


def test_a_visit_this_period_satisfies_it() -> None:
    m = at(date(2025, 10, 23))  # Thursday
    weekly = GroupFacts(1, "ก", 1, date(2025, 6, 1), last_visit=date(2025, 10, 20))
    monthly_ = GroupFacts(2, "ข", 1, date(2020, 1, 1), last_visit=date(2025, 10, 1))
    assert policy.visit_due(weekly, BASE, m) is None
    assert policy.visit_due(monthly_, BASE, m) is None
    last_week = weekly._replace(last_visit=date(2025, 10, 19))  # Sunday: last week
    assert policy.visit_due(last_week, BASE, m) is not None


def test_household_reminder_goes_to_the_trainer_or_else_the_officer() -> None:
    m = at(date(2025, 10, 20))
    with_trainer = HouseholdFacts(1, "สมใจ", 1, has_trainer=True)
    without = HouseholdFacts(2, "สมหมาย", 1)
    active = HouseholdFacts(3, "สมศักดิ์", 1, has_trainer=True, progress_this_month=True)
    assert [d.role for d in policy.household_reminders(with_trainer, BASE, m)] == ["trainer"]
    assert [d.role for d in policy.household_reminders(without, BASE, m)] == ["officer"]
    assert policy.household_reminders(active, BASE, m) == []
    assert policy.household_reminders(with_trainer, BASE, at(date(2025, 10, 19))) == []


def test_overrides_per_group_and_bad_values_are_ignored() -> None:
    cadence = BASE.override({"figures_remind_days": "2, 6", "new_group_months": "6", "x": 1})
    assert cadence.figures_remind_days == (2, 6)
    assert cadence.new_group_months == 6
    assert BASE.override({"meeting_due_day": "soon"}) == BASE
    assert BASE.override({"meeting_due_day": 40}) == BASE
    assert not BASE.override({"reminders": False}).enabled
    paused = GroupFacts(1, "ก", 1, date(2020, 1, 1))
    m = at(date(2025, 10, 20))
    off = BASE.override({"reminders": False})
    assert policy.group_reminders(paused, off, m) == []
    assert policy.visit_due(paused, off, m) is None


def test_every_setting_has_a_default_from_settings() -> None:
    custom = Settings(
        _env_file=None,
        new_group_months=6,
        figures_remind_days="3",
        digest_plan_day="tue",
        digest_followup_day="",
        quiet_hours="21:00-06:00",
    )
    cadence, schedule = Cadence.from_settings(custom), Schedule.from_settings(custom)
    assert cadence.new_group_months == 6 and cadence.figures_remind_days == (3,)
    assert schedule.plan_day == 1 and schedule.followup_day is None
    assert schedule.quiet == (time(21, 0), time(6, 0))
    tuesday = at(date(2025, 10, 21), 8, 0)
    assert policy.digest_slot(tuesday, schedule) == VISIT_PLAN
    assert policy.digest_slot(at(date(2025, 10, 24), 8, 0), schedule) == VISIT_PLAN


def test_week_keys() -> None:
    assert policy.week_key(date(2025, 12, 29)) == "2026-W01"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        Moment.of(datetime(2025, 10, 20, 8, 0), BKK)  # noqa: DTZ001
    assert Moment.of(datetime(2025, 10, 20, 1, 0, tzinfo=UTC), BKK).today == date(2025, 10, 20)
