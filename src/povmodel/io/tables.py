"""Reading raw tables with :func:`read_table`: CSV / TSV / TXT (read entirely as text), Parquet,
Stata ``.dta`` and Excel, each indexed by the row number a person sees in the file, with clean
column names, cells stripped and normalised to NFC, the usual missing-value tokens
(:data:`MISSING_TOKENS`) read as missing, and a load report (file, SHA-256, rows, format,
encoding) in ``attrs["load_report"]``.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pandas as pd

from povmodel.io._text import _first_line, _nfc, _token
from povmodel.io.detect import _check_file, _check_magic, _decode, _problem, _sniff_delimiter

#: Cell values read as missing (after stripping spaces), whatever the format.
MISSING_TOKENS = ("", "NA", "NaN", "..", "-")
#: File extension -> format name.
TABLE_FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
    ".dta": "stata", ".xlsx": "excel", ".xls": "excel",
}


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
