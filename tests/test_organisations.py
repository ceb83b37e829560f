"""Organisations with their own unit directories: the Phù Mỹ and Kon Tum plans checked and loaded beside 3723, codes
unique within an organisation only, and an existing database upgraded with the Ministry as its organisation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
PHU_MY = REPO / "config/plans/phu-my-2022-2025.yaml"
KON_TUM = REPO / "config/plans/kon-tum-2021.yaml"
REFERENCE = REPO / "config/plans/byt-3723-2013-2015.yaml"


def rows(sql: str) -> list[tuple]:
    from cchc_flow.models.store.db import get_engine

    with get_engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


def test_the_two_plans_pass_plan_check_with_their_blanks_and_choices_as_warnings(cli) -> None:  # type: ignore[no-untyped-def]
    phu_my = cli("plan", "check", PHU_MY).stderr
    assert "plan.number: số văn bản để trống ('/KH-TTYT')" in phu_my
    assert "plan.signed_as_written: ngày ký chưa đầy đủ trong văn bản ('ngày tháng 02 năm 2022')" in phu_my
    assert "hoạt động 1.1.1: văn bản ghi 'thường xuyên' không nêu kỳ báo cáo; người nhập liệu chọn hằng quý" in phu_my
    assert "nhóm TTYTPM.KPT (Các khoa, phòng, trạm y tế) chưa có thành viên" in phu_my
    assert "hoạt động 1.1.4 không có đơn vị chủ trì" in phu_my
    kon_tum = cli("plan", "check", KON_TUM).stderr
    assert "nhóm SYTKT.PCM (Các phòng chuyên môn, cơ quan, đơn vị trực thuộc) chưa có thành viên" in kon_tum
    assert (
        "hoạt động 1.1.4: văn bản ghi 'thường xuyên' không nêu kỳ báo cáo; người nhập liệu chọn hằng tháng" in kon_tum
    )
    assert "Nguồn: tin bài của Sở Y tế" in kon_tum


def test_a_plan_read_with_another_organisations_directory_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ministry = tmp_path / "bo-y-te.yaml"
    ministry.write_text((REPO / "config/units.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("plan", "check", PHU_MY, "--units", ministry, expect=2)
    assert "plan.organisation: kế hoạch của tổ chức TTYTPM nhưng danh mục" in result.stderr
    assert "bo-y-te.yaml là của BYT" in result.stderr and "1 lỗi" in result.stderr


def test_codes_are_unique_within_an_organisation_not_across(cli) -> None:  # type: ignore[no-untyped-def]
    for plan in (REFERENCE, PHU_MY, KON_TUM):
        cli("plan", "load", plan)
    assert rows("select code, organisation from plan order by code") == [
        ("byt-3723-2013-2015", "BYT"),
        ("kon-tum-2021", "SYTKT"),
        ("phu-my-2022-2025", "TTYTPM"),
    ]
    units = dict(rows("select code, organisation from unit"))
    # "LD" (the leadership) and "DVLQ" (the related units) in three directories: three units each
    assert units["LDB"] == "BYT" and units["TTYTPM.LD"] == "TTYTPM" and units["SYTKT.LD"] == "SYTKT"
    assert units["DVLQ"] == "BYT" and units["SYTKT.DVLQ"] == "SYTKT"
    assert dict(rows("select code, name from organisation")) == {
        "BYT": "Bộ Y tế",
        "TTYTPM": "Trung tâm Y tế Phù Mỹ",
        "SYTKT": "Sở Y tế tỉnh Kon Tum",
    }
    assert rows("select focal_unit, leadership from plan where code = 'phu-my-2022-2025'") == [
        ("TTYTPM.TCHC", "TTYTPM.LD")
    ]
    spec = rows("select spec from plan where code = 'phu-my-2022-2025'")[0][0]
    spec = json.loads(spec) if isinstance(spec, str) else spec  # SQLite: text; PostgreSQL: JSONB
    assert spec["plan"]["implements"] == {"number": "13/KH-SYT", "signed": "2022-01-26", "issuer": "Sở Y tế Bình Định"}
    # recurring and per-unit activities are series: their items come with their periods (none before a phase run)
    assert rows("select key, cadence, for_each from activity_series where key = '1.1.1' order by plan_id") == [
        ("1.1.1", "quarterly", "TTYTPM.KPT"),
        ("1.1.1", "quarterly", "SYTKT.PCM"),
    ]
    assert cli("plan", "load", PHU_MY).stdout.startswith("Kế hoạch phu-my-2022-2025 không thay đổi")


def test_an_existing_database_is_upgraded_with_the_ministry_as_its_organisation(db_url: str) -> None:
    from alembic import command

    from cchc_flow.models.store.db import _alembic_config, get_engine, migrate

    cfg = _alembic_config(db_url)
    with get_engine(db_url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
        conn.execute(sa.text("insert into unit (code, kind, aliases, tags) values ('VPB', 'unit', '[]', '[]')"))
        conn.execute(
            sa.text(
                "insert into plan (id, code, number, title, issuer, signed, focal_unit, leadership, digest, spec, "
                "loaded_at) values (1, 'p', '1/KH', 't', 'i', :signed, 'VPB', 'VPB', 'd', '{}', :at)"
            ),
            {"signed": date(2013, 9, 25), "at": datetime(2013, 9, 25, tzinfo=UTC)},
        )
    migrate(db_url)
    assert rows("select code, organisation from plan") == [("p", "BYT")]
    assert rows("select code, organisation from unit") == [("VPB", "BYT")]
    assert rows("select code, name from organisation") == [("BYT", "Bộ Y tế")]


def test_a_reporting_duty_names_units_of_its_own_organisation(cli) -> None:  # type: ignore[no-untyped-def]
    """ "Sở Y tế" is the Bình Định Department in the Phù Mỹ directory and the Kon Tum Department's leadership in its
    own: the Phù Mỹ centre reports to the first, even with both plans loaded."""
    from cchc_flow.models.services.periodic import plan_periods, reporters
    from cchc_flow.models.store.db import session
    from cchc_flow.models.store.queries import get_plan

    cli("plan", "load", KON_TUM)
    cli("plan", "load", PHU_MY)
    with session() as s:
        plan = get_plan(s, "phu-my-2022-2025")
        periods = plan_periods(s, plan)
        assert [(p.label, p.due, p.to) for p in periods[:2]] == [
            ("2022-H1", date(2022, 6, 5), "TTYTPM.SYT"),
            ("2022", date(2022, 12, 5), "TTYTPM.SYT"),
        ]
        assert reporters(s, plan, "bao-cao-so-y-te") == ("TTYTPM.LD",)  # "Trung tâm Y tế", as the plan lists it
