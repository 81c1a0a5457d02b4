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

The package is split by job, and every public name is re-exported here:
:mod:`~povmodel.io.files` (atomic writes, checksums), :mod:`~povmodel.io.detect` (file, format,
encoding and delimiter detection), :mod:`~povmodel.io.tables` (:func:`read_table`),
:mod:`~povmodel.io.column_maps`, :mod:`~povmodel.io.coercion` (column types),
:mod:`~povmodel.io.validation` (schema checks), :mod:`~povmodel.io.loaders` (the typed loaders),
:mod:`~povmodel.io.vlss1998` and :mod:`~povmodel.io.boundaries`.
"""

from __future__ import annotations

from povmodel.io.boundaries import BOUNDARY_CODE_COLUMNS, BOUNDARY_FORMATS, check_boundaries
from povmodel.io.column_maps import COLUMN_MAP_KEYS, EXTRA_TYPES, ColumnMap, read_column_map
from povmodel.io.detect import DELIMITERS
from povmodel.io.files import (
    atomic_directory,
    atomic_path,
    raw_checksums,
    read_json,
    sha256_file,
    sha256_path,
    verify_raw_data,
    write_json,
    write_parquet,
    write_table,
    write_text,
)
from povmodel.io.loaders import read_households, read_persons, read_regional_panel
from povmodel.io.tables import MISSING_TOKENS, TABLE_FORMATS, read_table
from povmodel.io.vlss1998 import VLSS1998_FOLDER, VLSS1998_MAPS, read_vlss1998

__all__ = [
    "BOUNDARY_CODE_COLUMNS",
    "BOUNDARY_FORMATS",
    "COLUMN_MAP_KEYS",
    "DELIMITERS",
    "EXTRA_TYPES",
    "MISSING_TOKENS",
    "TABLE_FORMATS",
    "VLSS1998_FOLDER",
    "VLSS1998_MAPS",
    "ColumnMap",
    "atomic_directory",
    "atomic_path",
    "check_boundaries",
    "raw_checksums",
    "read_column_map",
    "read_households",
    "read_persons",
    "read_regional_panel",
    "read_table",
    "read_vlss1998",
    "sha256_file",
    "sha256_path",
    "verify_raw_data",
    "write_json",
    "read_json",
    "write_parquet",
    "write_table",
    "write_text",
]
