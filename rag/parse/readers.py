"""File formats → plain text with form feeds at page breaks.

Each reader returns the *source text* that unit offsets refer to: the decoded
file for text formats (newlines normalised to ``\\n``), the extracted text for
PDF, DOCX and HTML. Libraries are imported lazily so that a search never pays
for a PDF parser.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

from rag.errors import ParseError, UnsupportedFormat


def read_text(path: Path) -> str:
    data = path.read_bytes()
    return decode(data, path)


def decode(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode report text: UTF-8 (with or without BOM), UTF-16 with BOM, else a detected codec."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16")
    elif data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(data).best()
            if best is None:
                raise ParseError(f"{path}: not a text file (no text encoding fits)") from None
            text = str(best)
    if "\x00" in text:
        raise ParseError(f"{path}: binary data in a text file (NUL bytes)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_pdf(path: Path) -> str:
    """Text of each page in reading order, pages separated by form feeds."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise ParseError(f"{path}: cannot open PDF ({exc})") from exc
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    text = "\f".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    # pdfium writes a hyphen that falls at a line end as U+0002 ("sixty\x02ninth",
    # "decision\x02making"): in UN documents these are compounds' own hyphens.
    text = text.replace("\x02", "-")
    if not text.replace("\f", "").strip():
        raise ParseError(f"{path}: the PDF has no text layer (scanned?); OCR it first")
    return text


def read_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types
        raise ParseError(f"{path}: cannot open DOCX ({exc})") from exc
    return "\n\n".join(p.text for p in document.paragraphs)


_BLOCK_TAGS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "tr", "br", "section"]


def read_html(path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode(path.read_bytes(), path), "lxml")
    for tag in soup(["script", "style", "nav", "header", "footer"]):
        tag.decompose()
    blocks = []
    for el in soup.find_all(_BLOCK_TAGS):
        if el.find(_BLOCK_TAGS):
            continue  # only the innermost blocks, so text is not repeated
        text = " ".join(el.get_text(" ").split())
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)


READERS: dict[str, Callable[[Path], str]] = {
    ".txt": read_text,
    ".md": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
}


def read(path: Path) -> tuple[str, str]:
    """(source text, format name) of a report file."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormat(path, path.suffix, READERS)
    return reader(path), path.suffix.lower().lstrip(".")
