"""Read CSV (English or German conventions), Excel and Parquet files as text tables.

Cells come back as text so that validation can name the exact value that was
written. Each table gets a ``_row`` column with the spreadsheet row number
(header = row 1; for Parquet the record number + 1, as if it had a header).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from painmech._utils._checks import check_option
from painmech.exceptions import InputFormatError

__all__ = ["TableFormat", "read_table", "sniff_csv"]

_COMMA_DEC = re.compile(r"^[+-]?\d*,\d+$")
_POINT_DEC = re.compile(r"^[+-]?\d*\.\d+$")
_MAX_SNIFF = 64 * 1024


@dataclass(frozen=True)
class TableFormat:
    """How a text table was written.

    Attributes
    ----------
    sep : str
        Field separator (``","``, ``";"`` or a tab).
    decimal : str
        Decimal mark (``"."`` or ``","``).
    encoding : str
        Text encoding (``"utf-8"`` or ``"latin-1"``).
    """

    sep: str
    decimal: str
    encoding: str


def _decode(raw: bytes, encoding: str | None, path: str) -> tuple[str, str]:
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as err:
            raise InputFormatError(f"{path}: cannot decode as {encoding}: {err}") from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Latin-1 maps every byte, so it is the fallback for legacy German files
        # (Excel "CSV (Trennzeichen-getrennt)" on Windows writes cp1252/Latin-1).
        return raw.decode("latin-1"), "latin-1"


def _guess_sep(text: str, path: str) -> str:
    lines = [ln for ln in text[:_MAX_SNIFF].splitlines() if ln.strip()][:50]
    if not lines:
        raise InputFormatError(f"{path}: the file is empty")
    header = lines[0]
    counts = {sep: header.count(sep) for sep in (";", "\t", ",")}
    best = max(counts, key=lambda s: counts[s])
    if counts[best] == 0:
        raise InputFormatError(
            f"{path}, row 1: no separator found in the header; expected ',', ';' or tab"
        )
    if counts[";"] and counts[","] and counts[";"] == counts[","]:
        raise InputFormatError(
            f"{path}, row 1: the header has as many ';' as ',' — pass sep explicitly"
        )
    return best


def _first_match(sample: pd.DataFrame, pattern: re.Pattern) -> tuple[int, str, str] | None:
    """(row position, column, value) of the first cell matching ``pattern``, in row order."""
    best = None
    for col in sample.columns:
        values = sample[col].dropna().astype(str).str.strip()
        hits = values.str.match(pattern)
        if hits.any():
            pos = int(hits.to_numpy().argmax())
            if best is None or pos < best[0]:
                best = (pos, str(col), values.iloc[pos])
    return best


def _guess_decimal(frame: pd.DataFrame, sep: str, path: str,
                   rows: pd.Series | None = None) -> str:
    sample = frame.head(5000)
    first_comma = _first_match(sample, _COMMA_DEC)
    first_point = _first_match(sample, _POINT_DEC)
    comma, point = first_comma is not None, first_point is not None
    if comma and point:
        # name the first cell written with the mark that turns up second
        later_is_comma = first_comma[0] >= first_point[0]
        pos, col, value = first_comma if later_is_comma else first_point
        pos0 = (first_point if later_is_comma else first_comma)[0]
        row = int(rows.iloc[pos]) if rows is not None else pos + 2
        row0 = int(rows.iloc[pos0]) if rows is not None else pos0 + 2
        raise InputFormatError(
            f"{path}, row {row}, column {col!r}: {value!r} has a decimal "
            f"{'comma' if later_is_comma else 'point'} but row {row0} has a decimal "
            f"{'point' if later_is_comma else 'comma'} — numbers are written with both ',' "
            "and '.' as decimal mark; pass decimal=',' or decimal='.' explicitly",
            row=row, column=col, value=value)
    if comma and sep == ",":
        raise InputFormatError(
            f"{path}: quoted numbers with a decimal comma in a comma-separated file are "
            "ambiguous — pass decimal explicitly"
        )
    return "," if comma else "."


def sniff_csv(path: str | Path, sep=None, decimal=None, encoding=None) -> TableFormat:
    """Detect separator, decimal mark and encoding of a CSV file."""
    _, fmt = read_table(path, sep=sep, decimal=decimal, encoding=encoding)
    return fmt


def _read_csv(path: Path, sep, decimal, encoding) -> tuple[pd.DataFrame, TableFormat]:
    raw = path.read_bytes()
    text, enc = _decode(raw, encoding, str(path))
    if sep is None:
        sep = _guess_sep(text, str(path))
    check_option("sep", sep, (",", ";", "\t"))
    try:
        # header=None: a data line with more cells than the header is a parse
        # error instead of silently becoming an index column
        cells = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, header=None,
            skip_blank_lines=False, quoting=csv.QUOTE_MINIMAL, on_bad_lines="error",
            engine="c", index_col=False,
        )
    except pd.errors.ParserError as err:
        raise InputFormatError(f"{path}: cannot parse as CSV ({err})") from None
    except pd.errors.EmptyDataError:
        raise InputFormatError(f"{path}: the file is empty") from None
    header = cells.iloc[0].fillna("").str.strip().tolist()
    frame = cells.iloc[1:].reset_index(drop=True)
    frame.columns = header
    if len(set(header)) != len(header) or "" in header:
        raise InputFormatError(f"{path}, row 1: empty or repeated column names in the header")
    frame = frame.fillna("")
    frame.insert(0, "_row", range(2, len(frame) + 2))
    blank = frame.drop(columns="_row").apply(lambda c: c.str.strip().eq("")).all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    if decimal is None:
        decimal = _guess_decimal(frame.drop(columns="_row"), sep, str(path), frame["_row"])
    check_option("decimal", decimal, (".", ","))
    return frame, TableFormat(sep, decimal, enc)


def read_table(
    path: str | Path,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet: str | int = 0,
) -> tuple[pd.DataFrame, TableFormat]:
    """Read a CSV, Excel or Parquet file into a text table with a ``_row`` column.

    Parameters
    ----------
    path : path-like
        ``.csv``/``.tsv``/``.txt``, ``.xlsx`` or ``.parquet``.
    sep, decimal, encoding : str, optional
        CSV conventions; detected when not given. Detection refuses to guess
        when the file is ambiguous and asks for the parameter instead.
    sheet : str or int
        Excel sheet name or index.

    Returns
    -------
    table : pandas.DataFrame
    fmt : TableFormat
    """
    path = Path(path)
    if not path.is_file():
        raise InputFormatError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return _read_csv(path, sep, decimal, encoding)
    if suffix in {".xlsx", ".xlsm"}:
        try:
            frame = pd.read_excel(path, sheet_name=sheet, dtype=object, engine="openpyxl")
        except Exception as err:  # openpyxl raises many types for broken files
            raise InputFormatError(f"{path}: cannot read as Excel workbook ({err})") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.insert(0, "_row", range(2, len(frame) + 2))
        frame = frame.dropna(how="all", subset=[c for c in frame.columns if c != "_row"])
        return frame.reset_index(drop=True), TableFormat("", ".", "xlsx")
    if suffix in {".parquet", ".pq"}:
        try:
            frame = pd.read_parquet(path)
        except Exception as err:  # pyarrow raises ArrowInvalid, OSError, ...
            raise InputFormatError(f"{path}: cannot read as Parquet ({err})") from None
        frame.insert(0, "_row", range(2, len(frame) + 2))
        return frame, TableFormat("", ".", "parquet")
    raise InputFormatError(
        f"{path}: unsupported file type {suffix!r}; use .csv, .tsv, .xlsx or .parquet"
    )
