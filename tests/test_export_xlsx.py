"""``export --format xlsx`` through the command line, the workbook read back with openpyxl;
and the CSV injection guard for every character a spreadsheet starts a formula with."""

from __future__ import annotations

import csv
import io
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from handlers.export import FORMULA_START, _cell
from tests.test_cli import run_cli

SCRIPT = """\
/dsar new access name="=1+2" email=jane@example.com received=2025-11-03 details="@SUM(A1) please"
/dsar new erasure name="Bob Smith" email=bob@example.com received=2025-11-04 via=letter
/dsar close DSAR-0002 outcome=no_data_held
/breach new aware="2025-11-20T10:00+00:00" summary="|calc laptop on a train" subjects=12
"""


def header(ws: object) -> list[str]:
    return [str(c.value) for c in ws[1]]  # type: ignore[index]


def by_column(ws: object, row: int) -> dict[str, Cell]:
    names = header(ws)
    return {name: ws.cell(row=row, column=i + 1) for i, name in enumerate(names)}  # type: ignore[attr-defined]


def test_xlsx_has_both_registers_as_formatted_sheets(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.db")
    logged = run_cli("console", "--db", db, stdin=SCRIPT, cwd=tmp_path)
    assert logged.returncode == 0, logged.stdout + logged.stderr
    out = tmp_path / "registers.xlsx"
    result = run_cli(
        "export", "--format", "xlsx", "--include-personal", "--output", str(out), "--db", db,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"2 requests written to {out}\n1 breach written to {out}\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    book = load_workbook(out)
    assert book.sheetnames == ["DSAR log", "Breach register"]
    log, register = book["DSAR log"], book["Breach register"]
    for ws in (log, register):
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
        assert all(c.font.bold for c in ws[1])
    assert header(log)[:3] == ["reference", "type", "state"]
    assert "requester_name" in header(log)

    open_one, closed = by_column(log, 2), by_column(log, 3)
    assert open_one["reference"].value == "DSAR-0001"
    assert open_one["received"].value == datetime(2025, 11, 3)  # noqa: DTZ001 - a date cell, not text
    assert open_one["received"].number_format == "yyyy-mm-dd"
    assert open_one["deadline"].is_date and open_one["paused_days"].value == 0
    assert open_one["extended"].value == "no"
    # Long overdue (the real clock is past December 2025): the row is marked; the closed is not.
    assert open_one["reference"].fill.fgColor.rgb == "00FFC7CE"
    assert closed["reference"].fill.fill_type is None
    assert closed["closed"].is_date and closed["on_time"].value == "no"  # closed a year late
    # Formula-like text is a string cell, never a formula.
    for cell, text in (
        (open_one["requester_name"], "=1+2"),
        (open_one["details"], "@SUM(A1) please"),
    ):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert closed["requester_name"].quotePrefix is False

    breach = by_column(register, 2)
    assert breach["aware_at"].value == datetime(2025, 11, 20, 10, 0)  # noqa: DTZ001 - UTC, said by the format
    assert breach["aware_at"].number_format == 'yyyy-mm-dd hh:mm "UTC"'
    assert breach["people_affected"].value == 12
    assert breach["reference"].fill.fgColor.rgb == "00FFC7CE"  # no ICO decision after 72 h
    assert breach["summary"].data_type == "s" and str(breach["summary"].value).startswith("|calc")

    plain = tmp_path / "plain.xlsx"
    one = run_cli("export", "--format", "xlsx", "--kind", "breaches", "--output", str(plain),
                  "--db", db, cwd=tmp_path)  # fmt: skip
    assert one.returncode == 0, one.stderr
    only = load_workbook(plain)
    assert only.sheetnames == ["Breach register"] and "summary" not in header(only.active)


def test_xlsx_needs_a_file_and_csv_needs_a_kind(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.db")
    no_file = run_cli("export", "--format", "xlsx", "--db", db, cwd=tmp_path)
    assert (no_file.returncode, no_file.stderr) == (
        2, "privacy-desk: --format xlsx needs --output FILE.xlsx\n",
    )  # fmt: skip
    no_kind = run_cli("export", "--db", db, cwd=tmp_path)
    assert no_kind.returncode == 2 and "needs --kind" in no_kind.stderr


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "|", "%", "\t", "\r"])
def test_csv_guard_covers_every_formula_leading_character(start: str) -> None:
    text = f"{start}cmd|' /C calc'!A0"
    assert start in FORMULA_START
    assert _cell(text) == "'" + text
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_cell(text)])
    [[read]] = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert read.startswith("'")


def test_csv_guard_leaves_values_that_are_not_text() -> None:
    assert _cell(-3) == "-3" and _cell(date(2025, 1, 2)) == "2025-01-02"
    assert _cell("Jane") == "Jane" and _cell(None) == ""
