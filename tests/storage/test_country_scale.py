"""The country-scale generator and benchmarks (bench/country.py, bench/country_bench.py), at a
tiny scale so that they stay runnable: the generator loads a consistent country into the real
schema, and one pass of each benchmark (sweep, overview, roll-up, workbook, plans) runs on it.
PostgreSQL only: the generator loads with COPY, as the benchmarks do at full scale."""

from __future__ import annotations

import argparse

import pytest
from sqlalchemy import text

from bench.country import generate
from bench.country_bench import Scale, measure, report
from bot.storage.database import create_engine

pytestmark = pytest.mark.postgres

SCALE = 0.0005  # one district of 38 villages, 75 groups, 750 households


async def test_the_generator_loads_a_consistent_country(postgres_url: str) -> None:
    counts = await generate(postgres_url, SCALE, quiet=True)
    assert counts.rows["occupation_group"] == 75 and counts.rows["household"] == 750
    assert counts.rows["person"] == counts.rows["household"] + 4 + counts.rows["trainer"]
    assert counts.rows["sale"] > 750 and counts.rows["monthly_figures"] > 75
    engine = create_engine(postgres_url)
    try:
        async with engine.begin() as conn:
            run = conn.scalar
            # Every village under a sub-district of its own district.
            assert await run(text(
                "SELECT count(*) FROM area v JOIN area s ON s.id = v.parent_id "
                "WHERE v.kind = 'village' AND s.kind = 'subdistrict' AND s.parent_id = v.district_id"
            )) == 38  # fmt: skip
            # Every group has a chair; a few have no treasurer yet (the sweep reports them).
            chairs = await run(text("SELECT count(*) FROM membership WHERE role = 'chair'"))
            assert chairs == 75
            # Every foreign key holds (the load skips the triggers: check them here).
            for child, column, parent in (("membership", "person_id", "person"),
                                          ("sale", "recorded_by", "person"),
                                          ("household", "trainer_id", "trainer"),
                                          ("occupation_group", "village_id", "area"),
                                          ("visit", "officer_id", "officer")):  # fmt: skip
                assert await run(text(
                    f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p ON p.id = c.{column} "
                    f"WHERE c.{column} IS NOT NULL AND p.id IS NULL"
                )) == 0, (child, column)  # fmt: skip
            # The sequences were moved past the loaded ids: the bot can keep writing.
            new = await run(text(
                "INSERT INTO area (kind, name, parent_id) VALUES ('province', 'ใหม่', NULL) "
                "RETURNING id"
            ))  # fmt: skip
            assert new > counts.rows["area"]
    finally:
        await engine.dispose()


async def test_one_pass_of_each_country_benchmark(postgres_url: str) -> None:
    await generate(postgres_url, SCALE, quiet=True)
    result = Scale(SCALE)
    args = argparse.Namespace(districts=1, repeat=1, provinces=1, workbooks=1)
    await measure(postgres_url, result, args)  # raises if the repeated sweep wrote again
    assert result.groups == 75 and result.households == 750
    assert result.written > 0 and result.messages > 0
    assert result.district_groups == 75  # the one district's overview shows every group
    assert len(result.rollup_ms) == 1 and len(result.workbook_ms) == 1
    assert all(result.plans[view] > 0 for view in ("sweep", "overview", "rollup", "workbook"))
    table = report([result], "bench/country_bench.py --scales 0.0005", "test machine")
    assert "| 0.0005 |" in table and "Plans" in table
