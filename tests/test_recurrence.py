"""Which tracked items recurring and per-unit activities become, and which are open as of a date (pure rules)."""

from __future__ import annotations

from datetime import date

from cchc_flow.models.rules.recurrence import bare, items, open_as_of, periods


def test_monthly_periods_cut_to_the_window() -> None:
    ps = periods("monthly", date(2022, 2, 10), date(2022, 12, 31))
    assert [p.label for p in ps] == [f"2022-{m:02d}" for m in range(2, 13)]
    assert (ps[0].start, ps[0].end) == (date(2022, 2, 10), date(2022, 2, 28))
    assert (ps[-1].start, ps[-1].end) == (date(2022, 12, 1), date(2022, 12, 31))


def test_quarters_halves_and_years() -> None:
    assert [p.label for p in periods("quarterly", date(2022, 5, 1), date(2023, 1, 15))] == [
        "2022-Q2",
        "2022-Q3",
        "2022-Q4",
        "2023-Q1",
    ]
    halves = periods("half-year", date(2022, 2, 1), date(2023, 12, 31))
    assert [(p.label, p.end) for p in halves] == [
        ("2022-H1", date(2022, 6, 30)),
        ("2022-H2", date(2022, 12, 31)),
        ("2023-H1", date(2023, 6, 30)),
        ("2023-H2", date(2023, 12, 31)),
    ]
    assert [p.label for p in periods("yearly", date(2022, 2, 1), date(2025, 12, 31))] == [
        "2022",
        "2023",
        "2024",
        "2025",
    ]


def test_item_keys_are_readable() -> None:
    one = items("1.1.1", date(2022, 1, 1), date(2022, 12, 31), None, None)
    assert [i.key for i in one] == ["1.1.1"]
    monthly = items("1.2.1", date(2022, 1, 1), date(2022, 12, 31), "monthly", None)
    assert len(monthly) == 12 and monthly[5].key == "1.2.1@2022-06" and monthly[5].period == "2022-06"
    quarterly = items("1.2.2", date(2022, 1, 1), date(2022, 12, 31), "quarterly", None)
    assert quarterly[2].key == "1.2.2@2022-Q3"
    fan = items("1.3.1", date(2022, 1, 1), date(2022, 12, 31), None, ("TTYTPM.KHOA_NOI", "TTYTPM.TYT_MY_AN"))
    assert [(i.key, i.member) for i in fan] == [
        ("1.3.1:KHOA_NOI", "TTYTPM.KHOA_NOI"),
        ("1.3.1:TYT_MY_AN", "TTYTPM.TYT_MY_AN"),
    ]
    both = items("1.3.2", date(2022, 1, 1), date(2022, 6, 30), "half-year", ("A", "B"))
    assert [i.key for i in both] == ["1.3.2@2022-H1:A", "1.3.2@2022-H1:B"]
    assert bare("TTYTPM.KHOA_NOI") == "KHOA_NOI" and bare("VPB") == "VPB"


def test_an_empty_group_fans_out_to_nothing() -> None:
    assert items("1.3.1", date(2022, 1, 1), date(2022, 12, 31), "monthly", ()) == []


def test_items_open_with_their_period() -> None:
    monthly = items("1.2.1", date(2022, 2, 10), date(2022, 12, 31), "monthly", None)
    loaded = date(2022, 2, 15)
    assert [i.key for i in open_as_of(monthly, date(2022, 2, 9), loaded)] == []
    assert [i.key for i in open_as_of(monthly, date(2022, 5, 31), loaded)] == [
        "1.2.1@2022-02",
        "1.2.1@2022-03",
        "1.2.1@2022-04",
        "1.2.1@2022-05",
    ]
    assert not any(i.opened_late for i in open_as_of(monthly, date(2022, 12, 31), loaded))


def test_a_period_that_passed_before_the_plan_was_loaded_is_opened_and_flagged() -> None:
    monthly = items("1.2.1", date(2022, 2, 10), date(2022, 12, 31), "monthly", None)
    opened = open_as_of(monthly, date(2022, 6, 20), loaded_on=date(2022, 6, 20))
    assert [(i.key, i.opened_late) for i in opened] == [
        ("1.2.1@2022-02", True),
        ("1.2.1@2022-03", True),
        ("1.2.1@2022-04", True),
        ("1.2.1@2022-05", True),
        ("1.2.1@2022-06", False),
    ]


def test_a_series_is_counted_over_its_items() -> None:
    from cchc_flow.models.rules.series_tally import parent_of, tally

    assert parent_of("1.2.1@2022-06") == "1.2.1" and parent_of("1.3.1:KHOA_NOI") == "1.3.1"
    assert parent_of("1.2.1") is None
    months = [(f"1.2.1@2022-{m:02d}", "done_on_time") for m in range(1, 11)]
    months += [("1.2.1@2022-11", "overdue"), ("1.2.1@2022-12", "done_late"), ("1.2.1@2023-01", "in_time")]
    shares = [("1.3.1:A", "done_on_time"), ("1.3.1:B", "cancelled"), ("1.3.1:C", "not_open")]
    [monthly, fan] = tally([*months, ("1.1.1", "overdue"), *shares])
    assert (monthly.parent, monthly.items, monthly.done, monthly.ratio, monthly.missed) == (
        "1.2.1",
        13,
        11,
        "10/12",
        ("1.2.1@2022-11",),
    )
    assert (fan.parent, fan.items, fan.done, fan.ratio, fan.missed) == ("1.3.1", 2, 1, "1/1", ())
