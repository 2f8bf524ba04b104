"""CLI tables fit the terminal without ever cutting an id (what --doc takes)."""

from __future__ import annotations

import pytest

from rag.cli import _fitted_table

HEADER = ("id", "symbol", "date", "¶", "units", "title")
ROWS = [
    ("CTOC_COP_WG.4_2019_draft", "—", "9 September 2019", "50", "64",
     "Working Group on Trafficking in Persons: Draft Report"),
    ("A_HRC_WG.6_34_SVN_1", "A/HRC/WG.6/34/SVN/1", "6 August 2019", "116", "157",
     "National report submitted in accordance with paragraph 5 of the annex to Human "
     "Rights Council resolution 16/21: Slovenia"),
    ("A_HRC_43_2", "A/HRC/43/2", "6 May 2021", "1022", "1233",
     "Report of the Human Rights Council on its forty-third session"),
]


@pytest.mark.parametrize("width", [60, 80, 120, 200])
def test_ids_are_never_cut_and_lines_fit(width: int) -> None:
    lines = _fitted_table(HEADER, ROWS, width, shrink=5, optional=(1, 4))
    assert all(len(line) <= width for line in lines)
    for row, line in zip(ROWS, lines[2:], strict=True):
        assert line.startswith(row[0] + " ")
        assert row[3] in line.split()  # the paragraph count survives too


def test_only_the_title_gives_way_and_wide_terminals_show_it_whole() -> None:
    narrow = _fitted_table(HEADER, ROWS, 80, shrink=5, optional=(1, 4))
    assert narrow[0].split() == ["id", "date", "¶", "units", "title"]  # symbol dropped first
    assert any(line.endswith("…") for line in narrow[2:])
    wide = _fitted_table(HEADER, ROWS, 250, shrink=5, optional=(1, 4))
    assert wide[0].split() == list(HEADER)
    assert wide[3].endswith("resolution 16/21: Slovenia")
    assert "A/HRC/WG.6/34/SVN/1" in wide[3]


def test_numbers_right_aligned_without_a_shrinking_column() -> None:
    rows = [("A_HRC_43_15", "2", "50.0 %"), ("CTOC_COP_WG.4_2019_draft", "12", "100.0 %")]
    lines = _fitted_table(("document", "n", "gold-hit"), rows, 40, shrink=None)
    assert lines[2] == "A_HRC_43_15                2    50.0 %"
    assert lines[3] == "CTOC_COP_WG.4_2019_draft  12   100.0 %"
