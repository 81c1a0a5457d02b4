"""What an input file is, before it is parsed: that it exists, is a non-empty file with a known
extension and has the content its extension says (not an image, a PDF or a Parquet file named
``.csv``), which text encoding a text table is in (UTF-8, UTF-16 with a byte-order mark, or
Windows-1258) and which delimiter it uses. Every failure is one
:class:`~povmodel.errors.DataValidationError` naming the file.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from povmodel.errors import DataValidationError, Problem

#: Delimiters recognised in text tables.
DELIMITERS = ",;\t|"
_SNIFF_LINES = 50
#: Leading bytes of file types people save by mistake under a table's name.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image", None),
    (b"\xff\xd8\xff", "a JPEG image", None),
    (b"GIF8", "a GIF image", None),
    (b"%PDF", "a PDF document", None),
    (b"PAR1", "a Parquet file", ".parquet"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)", ".xlsx"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel .xls workbook (OLE2)", ".xls"),
    (b"\x1f\x8b", "a gzip-compressed file", None),
    (b"SQLite format 3\x00", "an SQLite database", None),
    (b"<stata_dta>", "a Stata .dta file", ".dta"),
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ENCODING_HINT = "save the file as UTF-8 (or pass encoding=..., --encoding on the command line)"


def _problem(message: str, file: str, **kw) -> DataValidationError:
    return DataValidationError(Problem(message, file=file, **kw))


def _sniff_magic(head: bytes) -> tuple[str, str | None] | None:
    """(description, usual extension) of a known binary file type, from its first bytes."""
    for magic, description, ext in _MAGIC:
        if head.startswith(magic):
            return description, ext
    return None


def _check_file(path: Path, formats: dict[str, str]) -> str:
    """The format of ``path`` by extension, after checking it is a non-empty file."""
    file = str(path)
    if not path.exists():
        raise _problem("file not found", file)
    if path.is_dir():
        raise _problem("is a folder, not a file", file)
    if path.stat().st_size == 0:
        raise _problem("file is empty (0 bytes)", file)
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(formats))
        raise _problem(f"unknown file extension {path.suffix or '(none)'!r}: use one of {known}", file)
    return fmt


def _check_magic(path: Path, fmt: str, head: bytes) -> None:
    """Refuse a file whose content is not of the format its extension says."""
    file, found = str(path), _sniff_magic(head)
    if fmt == "csv" and found:
        what, ext = found
        hint = f": rename it to {ext}" if ext else ""
        raise _problem(f"this is {what}, not a text table (CSV/TSV){hint}", file)
    if fmt == "csv" or _has_magic(fmt, path.suffix.lower(), head):
        return
    if found:
        what, ext = found
        hint = f": rename it to {ext}" if ext else ""
        raise _problem(f"this is {what}, not a {fmt} file{hint}", file)
    if b"\x00" not in head and _looks_like_text(head):
        raise _problem(f"this looks like a text file (CSV?), not a {fmt} file: rename it to .csv", file)
    raise _problem(f"not a {fmt} file (unrecognised content)", file)


def _has_magic(fmt: str, suffix: str, head: bytes) -> bool:
    """Whether the first bytes are those of a binary table format."""
    if fmt == "parquet":
        return head.startswith(b"PAR1")
    if fmt == "excel":
        return head.startswith(b"PK\x03\x04" if suffix == ".xlsx" else b"\xd0\xcf\x11\xe0")
    # Stata: XML-like header since format 117, a version byte and a byte-order byte before
    return head.startswith(b"<stata_dta>") or (
        len(head) > 1 and 0x66 <= head[0] <= 0x73 and head[1] in (1, 2))


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample
        text = head[: exc.start].decode("utf-8")
    return all(c.isprintable() or c in "\t\r\n" for c in text)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _decode(raw: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    """Decode a text table: (text, encoding used). See :func:`read_table` for the rules."""
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except LookupError:
            raise _problem(f"unknown encoding {encoding!r}", file) from None
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise _problem(f"cannot be decoded as {encoding} (line {line}, byte {exc.start}): "
                           f"check the encoding, or save the file as UTF-8", file) from None
        return text.removeprefix("\ufeff"), encoding
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").removeprefix("\ufeff"), "utf-16"
        except UnicodeDecodeError:
            raise _problem(f"starts with a UTF-16 byte-order mark but is not valid UTF-16: "
                           f"{_ENCODING_HINT}", file) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise _problem(f"contains NUL bytes (line {line}): binary data, or UTF-16 text without a "
                       f"byte-order mark; {_ENCODING_HINT}", file)
    try:
        return raw.decode(encoding or "utf-8").removeprefix("\ufeff"), encoding or "utf-8"
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    _refuse_broken_utf8(raw, bad_at, file)
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _problem(f"not text in any supported encoding (UTF-8, UTF-16, Windows-1258): "
                       f"undecodable byte at line {line}; {_ENCODING_HINT}", file) from None
    control = _CONTROL.search(text)
    if control:
        line = _line_of(text, control.start())
        raise _problem(f"not text in any supported encoding (UTF-8, UTF-16, Windows-1258): control "
                       f"characters at line {line}; {_ENCODING_HINT}", file)
    return text, "cp1258"


def _refuse_broken_utf8(raw: bytes, bad_at: int, file: str) -> None:
    """A mostly-UTF-8 file with a few invalid bytes is damaged UTF-8, not Windows-1258."""
    text = raw.decode("utf-8", errors="replace")
    n_bad = text.count("\ufffd")
    n_multibyte = len(_NON_ASCII.findall(text)) - n_bad
    if n_multibyte > n_bad:
        line = raw.count(b"\n", 0, bad_at) + 1
        raise _problem(f"mixed encodings: UTF-8 text with {n_bad} invalid byte(s), first at line "
                       f"{line}; re-save the file as UTF-8", file)


def _sniff_delimiter(text: str, suffix: str) -> str:
    """The delimiter of a text table: csv.Sniffer on the first lines, checked against the header."""
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    header = lines[0] if lines else ""
    in_header = [d for d in DELIMITERS if d in header]
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in in_header:
        return sniffed
    if in_header:
        return max(in_header, key=header.count)
    return "\t" if suffix == ".tsv" else ","
