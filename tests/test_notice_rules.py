"""Market notice rules without I/O: text and tables, fields, audience, notice IDs, the reminder's time."""

from datetime import UTC, date, datetime

from flightrak import notice_text
from flightrak.demo_notices import NPRR348
from services.registration import notices as rules
from tests.test_notices_api import notice_tables, seed_sections

MARKET = {
    "148203657": rules.MarketCompany("148203657", "Brazos Scheduling Services, LLC", "QSE", True, ("a@b.example",)),
    "073915264": rules.MarketCompany("073915264", "Pecos Power Marketing, LP", "QSE", False),
    "103994067": rules.MarketCompany("103994067", "Oncor Electric Delivery Company LLC", "TDSP", True),
    "183529049": rules.MarketCompany("183529049", "ERCOT", "ERCOT", True),
}


def test_the_seed_table_pasted_tab_separated_becomes_the_seed_table():
    [table] = notice_tables(notice_text.to_html(NPRR348["additional_information"]))
    cells = [line for row in table for cell in row for line in cell]
    assert cells == seed_sections()["ADDITIONAL INFORMATION"][1:]
    plain = notice_text.to_plain(NPRR348["additional_information"])
    assert "Bill Determinant  Short Description" in plain and "QSFLAG" in plain


def test_fixed_width_and_pipe_tables_and_prose():
    fixed = "Intro line.\n\nCode      Meaning\nAVGTLSL   Average LSL\nSUSDFLAG  Exemption\n\nAfter."
    blocks = notice_text.blocks(fixed)
    assert [type(b).__name__ for b in blocks] == ["Prose", "Table", "Prose"]
    assert blocks[1].header == ["Code", "Meaning"] and blocks[1].rows[1] == ["SUSDFLAG", "Exemption"]
    pipe = notice_text.to_html("| A | B |\n| --- | --- |\n| 1 | <b>2</b> |")
    assert "<table>" in pipe and "&lt;b&gt;2&lt;/b&gt;" in pipe
    prose = notice_text.blocks("1.\xa0\xa0 New flag\n\n·\xa0 \xa0 \xa0Anytime a Resource")
    assert all(isinstance(b, notice_text.Prose) for b in prose)


def test_markdown_is_rendered_without_html_scripts_or_script_links():
    html = notice_text.to_html(
        "<script>x()</script> [a](javascript:x()) [b](https://www.ercot.com) ![i](https://e.example/i.png)"
    )
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html
    assert '<a href="https://www.ercot.com">b</a>' in html


def test_clean_notice_names_every_problem_and_normalizes():
    fields, problems = rules.clean_notice(
        {
            "notice_type": "NPRR",
            "short_description": "x",
            "audience": "QSEs, 103994067",
            "days_affected": "August 30, 2012; 08/29/2012",
            "long_description": "y",
            "contact": "z",
            "notice_date": "08/17/2012",
        },
        MARKET,
        set(),
        date(2026, 11, 23),
    )
    assert problems == {}
    assert fields["audience"] == "QSE, 103994067"
    assert fields["days_affected"] == "2012-08-29, 2012-08-30"
    assert fields["notice_date"] == "2012-08-17"
    _, problems = rules.clean_notice(
        {"audience": "183529049", "notice_date": "2030-01-01", "short_description": "a\nb", "bogus": "1"},
        MARKET,
        set(),
        date(2026, 11, 23),
    )
    assert {"audience", "notice_date", "short_description", "bogus", "notice_type", "contact"} <= set(problems)


def test_a_control_character_is_named_where_it_stands_as_in_every_form():
    _, problems = rules.clean_notice(
        {"notice_type": "NPRR", "long_description": "Line one\nBell \x07 here", "contact": "z\x00"},
        MARKET,
        set(),
        date(2026, 11, 23),
    )
    assert problems["long_description"] == "holds a control character (U+0007) at character 15; remove it"
    assert problems["contact"] == "holds a NUL byte at character 2; remove it"


def test_audience_reaches_active_companies_of_the_kinds_and_those_named():
    assert [c.duns for c in rules.addressed("QSE", MARKET)] == ["148203657"]  # Pecos is inactive
    assert [c.duns for c in rules.addressed("QSE, 103994067", MARKET)] == ["148203657", "103994067"]
    assert rules.audience_text("CR, TDSP", {}) == "CRs and TDSPs"
    assert rules.audience_text("QSE", {}) == "QSEs"


def test_notice_ids_and_the_reminder():
    assert rules.new_stem(date(2012, 7, 30), 0) == "M-A073012"
    assert rules.new_stem(date(2012, 7, 30), 1) == "M-B073012"
    assert rules.notice_id("M-A073012", 2) == "M-A073012-02"
    assert rules.NOTICE_ID.match("M-A073012-02") and not rules.NOTICE_ID.match("M-A07301-02")
    assert rules.stem_of("M-A073012-02") == "M-A073012"
    now = datetime(2026, 8, 1, tzinfo=UTC)
    due = rules.reminder_at([date(2026, 8, 29)], True, 48, now)
    assert due == "2026-08-27T00:00:00-05:00"
    assert rules.reminder_at([date(2026, 8, 29)], False, 48, now) == ""
    assert rules.reminder_at([date(2026, 8, 1)], True, 48, now) == ""  # already too late
    assert not rules.action_required("None") and rules.action_required("Implement changes.")
