from hypothesis import given
from hypothesis import strategies as st

from xihu_desktop.ui.tsv import format_tsv, parse_tsv


def test_excel_block_with_quoted_multiline_cells() -> None:
    text = 'a\t"line 1\r\nline 2"\t"he said ""hi"""\r\n"x" y\t2\t\r\n'
    assert parse_tsv(text) == [
        ["a", "line 1\nline 2", 'he said "hi"'],
        ['"x" y', "2", ""],
    ]


def test_ragged_rows_are_padded_and_trailing_newline_ignored() -> None:
    assert parse_tsv("1\t2\t3\n4\n") == [["1", "2", "3"], ["4", "", ""]]
    assert parse_tsv("") == []
    assert parse_tsv("\n") == []
    assert parse_tsv("single") == [["single"]]


def test_lone_cr_line_endings_and_empty_cells() -> None:
    assert parse_tsv("a\t\tb\rc\t\t") == [["a", "", "b"], ["c", "", ""]]


cell = st.text(alphabet=st.sampled_from(list('ab 中"\t\n,')), max_size=6)


@given(st.lists(st.lists(cell, min_size=2, max_size=2), min_size=1, max_size=4))
def test_round_trip(rows: list[list[str]]) -> None:
    parsed = parse_tsv(format_tsv(rows))
    # a block that is entirely empty trailing rows loses them (as in Excel)
    while rows and all(c == "" for c in rows[-1]):
        rows = rows[:-1]
    assert parsed[: len(rows)] == rows
