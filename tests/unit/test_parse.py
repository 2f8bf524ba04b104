"""The parser on the founding report, on every real report, and on crafted layouts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from rag.errors import ParseError, UnsupportedFormat
from rag.parse import parse_file, parse_text
from rag.types import NUMBERED_KINDS, Document, whole_label
from tests.conftest import FOUNDING, shared_files


def numbered(doc: Document) -> list[str]:
    """Labels of the numbered units, a long unit's parts ("111 part 2") left out."""
    return [u.label for u in doc.units if u.kind in NUMBERED_KINDS and " part " not in u.label]


def assert_parts_follow(doc: Document) -> None:
    """A long unit's parts come right after it, numbered 2, 3, …; each under the cap."""
    previous = None
    for u in doc.units:
        if m := re.fullmatch(r"(.+) part (\d+)", u.label):
            assert previous is not None and whole_label(previous.label) == m.group(1), u.label
            expected = 2 if previous.label == m.group(1) else \
                int(previous.label.rsplit(" ", 1)[1]) + 1
            assert int(m.group(2)) == expected and u.kind == previous.kind, u.label
        assert len(u.text) < 7000, f"{doc.id}: {u.label} has {len(u.text):,} characters"
        previous = u


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text.lower())


def assert_sequences_complete(doc: Document) -> None:
    """Paragraphs 1..N with no gap or repeat; sub-items N.1..N.M inside paragraph N."""
    labels = numbered(doc)
    assert len(labels) == len(set(labels)), f"duplicate labels in {doc.id}"
    assert_parts_follow(doc)
    paras = [int(u.label) for u in doc.units if u.kind == "paragraph" and " part " not in u.label]
    assert paras == list(range(1, len(paras) + 1)), f"{doc.id}: paragraph gaps"
    subs: dict[int, list[int]] = {}
    for u in doc.units:
        if u.kind == "subparagraph" and " part " not in u.label:
            major, minor = map(int, u.label.split("."))
            assert major in paras, f"{doc.id}: {u.label} has no parent paragraph"
            subs.setdefault(major, []).append(minor)
    for major, minors in subs.items():
        assert minors == list(range(1, len(minors) + 1)), f"{doc.id}: gaps under {major}"
    recs = [int(u.label.split()[1]) for u in doc.units
            if u.kind == "recommendation" and " part " not in u.label]
    assert recs == list(range(1, len(recs) + 1))


def test_founding_report_units() -> None:
    doc = parse_file(FOUNDING)
    labels = numbered(doc)
    assert labels[:3] == ["1", "2", "3"]
    assert [x for x in labels if not x.startswith("Rec")] == [str(n) for n in range(1, 40)]
    assert [x for x in labels if x.startswith("Rec")] == [
        f"Recommendation {n}" for n in range(1, 12)
    ]
    assert_sequences_complete(doc)
    by = {u.label: u for u in doc.units}
    # Paragraph 11 runs on after a blank line (a page break in the original).
    assert "litigation surgeries" in by["11"].text
    # The numbered agenda inside paragraph 31 stays inside it.
    assert "Other matters" in by["31"].text
    assert by["38"].text.count("(a)") == 1
    assert by["Recommendation 6"].text.startswith("Member States should consider")
    assert by["10"].section == "III. Summary of deliberations"
    assert by["Recommendation 9"].section.endswith(
        "B. Recommendations on crime prevention measures in trafficking in persons"
    )
    assert doc.date == "9 September 2019"
    assert doc.title == "Working Group on Trafficking in Persons: Draft Report"
    assert doc.body is not None and doc.body.startswith("Conference of the Parties")
    assert doc.units[0].kind == "title"
    assert any(u.kind == "heading" and u.text == "III. Summary of deliberations" for u in doc.units)


def test_offsets_point_at_the_source() -> None:
    text = FOUNDING.read_text(encoding="utf-8")
    doc = parse_text(text, "x")
    for u in doc.units:
        source_words = Counter(words(text[u.start : u.end]))
        assert not Counter(words(u.text)) - source_words, u.label
    assert text[doc.unit("10").start :].startswith("10. Ms. Qingtian Meng")  # type: ignore[union-attr]


def test_token_counts() -> None:
    doc = parse_file(FOUNDING)
    u = doc.unit("10")
    assert u is not None and 120 < u.tokens < 250


@pytest.mark.corpus
@pytest.mark.parametrize("path", shared_files(), ids=lambda p: p.stem)
def test_every_shared_report(path: Path) -> None:
    doc = parse_file(path)
    assert_sequences_complete(doc)
    # The draft has no symbol (limited distribution); every other report prints one.
    assert doc.symbol or path.stem == "CTOC_COP_WG.4_2019_draft"
    assert doc.date and doc.title
    text = path.read_text(encoding="utf-8")
    for u in doc.units:
        assert not re.search(r"GE\.\d{2}-\d{5}", u.text), f"job number in {u.label}"
        assert not re.search(r"[\ue000-\uf8ff]", u.text), f"barcode in {u.label}"
        assert not Counter(words(u.text)) - Counter(words(text[u.start : u.end])), u.label


EXPECTED_LAST = {
    "A_HRC_43_15": ("123", "122.215"),
    "A_HRC_59_15": ("141", None),
    "A_HRC_43_2": ("1022", None),
    "A_RES_80_9": ("31", None),
    "A_HRC_WG.6_34_SVN_2": ("78", None),
}


@pytest.mark.corpus
@pytest.mark.parametrize("stem", sorted(EXPECTED_LAST))
def test_known_last_paragraphs(stem: str, shared_corpus: Path) -> None:
    doc = parse_file(shared_corpus / f"{stem}.txt")
    paras = [u.label for u in doc.units if u.kind == "paragraph"]
    assert paras[-1] == EXPECTED_LAST[stem][0]


@pytest.mark.corpus
def test_upr_recommendations_and_page_breaks(shared_corpus: Path) -> None:
    doc = parse_file(shared_corpus / "A_HRC_43_15.txt")
    by = {u.label: u for u in doc.units}
    assert by["121.4"].text.startswith("Build on progress in ensuring independence")
    # Paragraph 8 continues over a page break; the header and page number are gone.
    assert by["8"].text.endswith("review of the constitutionality of legal acts.")
    assert "A/HRC/43/15" not in by["8"].text
    # "resolution 5/1" and "paragraph 15 (a)" do not start paragraphs.
    assert "(a) A national report" in by["3"].text
    # Sub-item 122.51 runs across the page break; "(Islamic Republic of Iran)" stays with it.
    assert by["122.51"].text.endswith("(Islamic Republic of Iran);")


@pytest.mark.corpus
def test_run_on_numbers_and_blocks(shared_corpus: Path) -> None:
    res = parse_file(shared_corpus / "A_RES_80_9.txt")
    by = {u.label: u for u in res.units}
    assert by["6"].text.startswith("We recall the Global Compact")
    assert by["7"].text.startswith("We also reaffirm our recognition")
    add = parse_file(shared_corpus / "A_HRC_43_15_Add.1.txt")
    blocks = [u.label for u in add.units if u.kind == "block"]
    assert "122.11" in blocks and "122.14–15" in blocks
    assert [u.label for u in add.units if u.kind == "paragraph"] == ["1", "2", "3", "4", "5"]


@pytest.mark.corpus
def test_footnotes_at_page_foot_are_removed(shared_corpus: Path) -> None:
    doc = parse_file(shared_corpus / "A_HRC_59_15.txt")
    three = doc.unit("3")
    assert three is not None
    assert "A/HRC/WG.6/48/SVN/1." not in three.text


@pytest.mark.corpus
@pytest.mark.parametrize("stem", ["A_HRC_43_15", "A_HRC_59_15"])
def test_pdf_matches_text_version(stem: str, shared_corpus: Path) -> None:
    txt = parse_file(shared_corpus / f"{stem}.txt")
    pdf = parse_file(shared_corpus / "pdf" / f"{stem}.pdf")
    assert numbered(pdf) == numbered(txt)
    assert (pdf.symbol, pdf.date, pdf.title) == (txt.symbol, txt.date, txt.title)
    by_label = {u.label: u for u in txt.units}
    for u in pdf.units:
        if u.kind not in NUMBERED_KINDS:
            continue
        a, b = Counter(words(by_label[u.label].text)), Counter(words(u.text))
        same = sum((a & b).values()) / max(sum(a.values()), sum(b.values()), 1)
        assert same >= 0.98, (u.label, same)


PAGED = (
    "United Nations                     A/HRC/99/1\n\nReport of the Test Group\n\n"
    "I. Introduction\n"
    "1.    The Group met in Geneva. It considered resolution 5/1 and\n"
    "paragraph 15 (a) of the annex.\n"
    "2.    The Group discussed the recom-\n"
    "mendations and a forty-\nthird item of recommendations.\n"
    "3.    This paragraph continues\n\n\n"
    "          1  See A/HRC/1/2.\n"
    "\n7\n\fA/HRC/99/1\n\n"
    "over the page break.\n"
    "4. Done.\n"
)


def test_crafted_pdftotext_layout() -> None:
    doc = parse_text(PAGED, "test")
    by = {u.label: u for u in doc.units}
    assert numbered(doc) == ["1", "2", "3", "4"]
    assert by["2"].text == (
        "The Group discussed the recommendations and a forty-third item of recommendations."
    )
    assert by["3"].text == "This paragraph continues over the page break."
    assert "See A/HRC" not in by["3"].text
    assert doc.symbol == "A/HRC/99/1"


def test_unnumbered_text_is_kept_with_a_warning() -> None:
    doc = parse_text("Some notes\n\nA first thought.\n\nA second thought.\n", "notes")
    assert doc.warnings and "no numbered paragraphs" in doc.warnings[0]
    assert "A second thought." in " ".join(u.text for u in doc.units)


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ParseError, match="empty"):
        parse_file(empty)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    with pytest.raises(ParseError, match="binary"):
        parse_file(binary)
    odd = tmp_path / "x.xyz"
    odd.write_text("1. Hello.")
    with pytest.raises(UnsupportedFormat, match=r"supported: .*\.pdf"):
        parse_file(odd)


def test_docx_and_html(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("I. Introduction")
    document.add_paragraph("1. The meeting opened in Vienna.")
    document.add_paragraph("2. Delegates spoke about supply chains.")
    document.save(str(tmp_path / "r.docx"))
    d = parse_file(tmp_path / "r.docx")
    assert numbered(d) == ["1", "2"] and d.format == "docx"
    (tmp_path / "r.html").write_text(
        "<html><body><h2>I. Introduction</h2><p>1. The meeting &amp; opened.</p>"
        "<p>2. Delegates spoke.</p><script>x=1</script></body></html>"
    )
    h = parse_file(tmp_path / "r.html")
    assert numbered(h) == ["1", "2"]
    assert h.unit("1").text == "The meeting & opened."  # type: ignore[union-attr]


def test_non_utf8_text(tmp_path: Path) -> None:
    (tmp_path / "cp.txt").write_bytes("1. Caf\xe9 d\xe9l\xe9gu\xe9s.\n".encode("latin-1"))
    (tmp_path / "u16.txt").write_bytes("1. Délégués présents.\n".encode("utf-16"))
    assert "Caf" in parse_file(tmp_path / "cp.txt").units[0].text
    assert parse_file(tmp_path / "u16.txt").unit("1").text == "Délégués présents."  # type: ignore[union-attr]


def test_numbered_sub_headings_nest_under_an_unnumbered_heading() -> None:
    # An HRC session report: under each country's (unnumbered) heading, numbered
    # sub-headings that the paragraph sequence does not take.
    text = (
        "A. Consideration of universal periodic review outcomes\n\n"
        "Italy\n\n"
        "1. At its 30th meeting, the Council considered the outcome of the review of Italy.\n\n"
        "4. Concluding remarks of the State under review\n\n"
        "2. The President stated that 292 of 306 recommendations had the support of Italy.\n\n"
        "San Marino\n\n"
        "3. At its 31st meeting, the Council considered the outcome of the review.\n"
    )
    by = {u.label: u for u in parse_text(text, "session").units}
    assert by["2"].section.endswith(
        "A. Consideration of universal periodic review outcomes > Italy > "
        "4. Concluding remarks of the State under review")
    # Search reads a numbered sub-heading with the heading it is about.
    assert by["2"].heading == "Italy > 4. Concluding remarks of the State under review"
    assert by["3"].section.endswith("outcomes > San Marino") and by["3"].heading == "San Marino"


def test_anchor_links_keep_only_their_words() -> None:
    doc = parse_file(FOUNDING)
    papers = next(u for u in doc.units if u.label == "38")
    assert "](#)" not in papers.text
    assert "Annotated provisional agenda (CTOC/COP/WG.4/2019/1);" in papers.text
