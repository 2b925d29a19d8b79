"""Read an input file into a :class:`RawFrame`: every value as text, every row with its line.

Formats: CSV (``.csv``; ``.txt``/``.tsv``/``.tab``/``.psv`` with the delimiter sniffed from the
header; ``.gz`` of any of these), Parquet (``.parquet``/``.pq``), JSON Lines
(``.jsonl``/``.ndjson``/``.json``) and Excel (``.xlsx``/``.xlsm``, first sheet or the sheet named
like the kind). A file whose content says otherwise (Parquet or Excel bytes behind a ``.csv``
name) is read as what it is, with a note.

What every reader guarantees:

* no type guessing: every value is text (``str`` dtype); empty or blank cells are missing
  (``NaN``), never zero; values are stripped of surrounding whitespace;
* column names are lower-cased and stripped (blank names become ``column_N``, repeated names
  get ``_2``, ``_3`` ...); ``RawFrame.header`` keeps the names as written;
* ``RawFrame.line[i]`` is the physical line where row ``i`` starts (CSV and JSON Lines: the
  header is line 1 and a record with quoted line breaks counts from the line it starts on;
  Excel: the sheet row; Parquet: the 1-based row number), and ``RawFrame.raw_at`` /
  ``RawFrame.raw`` give the original row text as read;
* rows that cannot be taken apart go to ``RawFrame.bad`` (``source_file, line, reason, raw``)
  instead of stopping the read: a row with more fields than the header (a row whose extra
  fields are all empty, e.g. a trailing delimiter, is accepted), a line that is not valid
  UTF-8 (the reason names the byte offset), a JSON line that does not parse;
* a file where most lines with non-ASCII bytes (and at least two) are not UTF-8 is clearly in
  another encoding (cp1252, latin-1, cp874, ...): it is decoded as that, and a note says so;
* rows whose cells are all empty are skipped (a note counts them);
* a file that cannot be read at all raises :class:`IngestError` with a one-line reason.

The CSV fast path finds record boundaries with numpy (replaying the quoting rules of the
:mod:`csv` module on runs of quote characters, see ``_records``) and parses with
``pyarrow.csv``; rows pyarrow
rejects are re-read with the :mod:`csv` module. Files with bare carriage-return line breaks,
or where the two disagree, are read entirely with the :mod:`csv` module (slower, same result).
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import decimal
import gzip
import io
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.contract import IngestError

__all__ = [
    "BAD_COLUMNS",
    "IngestError",
    "RawFrame",
    "clean_names",
    "detect_format",
    "empty_bad",
    "read_file",
]

#: Columns of every "bad rows" frame (reader, validator, quarantine).
BAD_COLUMNS = ["source_file", "line", "reason", "raw"]

_CSV_EXT = {".csv", ".txt", ".tsv", ".tab", ".psv"}
_PARQUET_EXT = {".parquet", ".pq", ".parq"}
_JSONL_EXT = {".jsonl", ".ndjson", ".json"}
_EXCEL_EXT = {".xlsx", ".xlsm"}
_DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1 << 26  # bytes scanned at a time when looking for line breaks / quotes


def empty_bad() -> pd.DataFrame:
    """An empty bad-rows frame with the standard columns."""
    return pd.DataFrame({"source_file": pd.Series(dtype="str"), "line": pd.Series(dtype="int64"),
                         "reason": pd.Series(dtype="str"), "raw": pd.Series(dtype="str")})


def _bad_frame(source_file: str, lines: Sequence[int], reasons: Sequence[str],
               raws: Sequence[str]) -> pd.DataFrame:
    if not len(lines):
        return empty_bad()
    return pd.DataFrame({
        "source_file": pd.Series([source_file] * len(lines), dtype="str"),
        "line": pd.Series(np.asarray(lines, dtype="int64")),
        "reason": pd.Series(list(reasons), dtype="str"),
        "raw": pd.Series(list(raws), dtype="str"),
    })


@dataclass
class RawFrame:
    """A file as read: text columns, the physical line and original text of every row.

    ``data`` has one column per source column (lower-cased names), ``str`` dtype, ``NaN`` for
    empty cells, and a 0..n-1 index. ``line`` is aligned with ``data``'s rows. ``bad`` holds the
    rows the reader already rejected. ``notes`` are one-line remarks for the load summary
    (encoding used, blank rows skipped, ...).
    """

    data: pd.DataFrame
    line: np.ndarray
    source_file: str
    kind: str | None = None
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    bad: pd.DataFrame = field(default_factory=empty_bad)
    notes: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    raw_provider: Callable[[np.ndarray], list[str]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def columns(self) -> list[str]:
        """The (lower-cased) source column names."""
        return list(self.data.columns)

    def raw_at(self, positions: Sequence[int] | np.ndarray) -> pd.Series:
        """The original text of the rows at ``positions`` (0-based row positions in ``data``)."""
        pos = np.asarray(positions, dtype="int64")
        if self.raw_provider is not None:
            texts = self.raw_provider(pos)
        else:
            texts = _rows_as_json(self.data, pos)
        return pd.Series(texts, index=pos, dtype="str")

    @property
    def raw(self) -> pd.Series:
        """The original text of every row (built on demand)."""
        return self.raw_at(np.arange(len(self.data)))


def _rows_as_json(data: pd.DataFrame, pos: np.ndarray) -> list[str]:
    """Row text for formats without a textual row (Parquet, Excel fallback): a JSON object."""
    sub = data.iloc[pos]
    cols = list(sub.columns)
    out = []
    for values in sub.itertuples(index=False, name=None):
        out.append(json.dumps({c: v for c, v in zip(cols, values) if isinstance(v, str)},
                              ensure_ascii=False))
    return out


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

def read_file(path: str | Path, kind: str | None = None) -> RawFrame:
    """Read ``path`` (CSV, Parquet, JSON Lines or Excel) as text; see the module docstring.

    ``kind`` (an input kind name) is recorded on the frame and picks the Excel sheet of that
    name when there is one. Raises :class:`IngestError` when the file cannot be read at all.
    """
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise IngestError(f"cannot read {name}: no such file")
    if p.is_dir():
        raise IngestError(f"cannot read {name}: it is a directory, not a file")
    fmt = detect_format(p)
    try:
        if fmt == "parquet":
            rf = _read_parquet(p, name)
        elif fmt == "excel":
            rf = _read_excel(p, name, kind)
        elif fmt == "xls":
            raise IngestError(f"cannot read {name}: old Excel .xls files are not supported; "
                              "save it as .xlsx or CSV")
        else:
            data = _load_bytes(p, name)
            if fmt == "jsonl":
                rf = _read_jsonl(data, name)
            else:
                delimiter = "\t" if _suffix(p) in {".tsv", ".tab"} else (
                    "|" if _suffix(p) == ".psv" else None)
                rf = _read_delimited(data, name, delimiter)
    except IngestError:
        raise
    except MemoryError:
        raise IngestError(f"cannot read {name}: not enough memory") from None
    except OSError as e:
        raise IngestError(f"cannot read {name}: {e.strerror or e}") from None
    rf.kind = kind
    if fmt != _ext_format(p) and _ext_format(p) is not None:
        rf.notes.append(f"{p.name}: content is {fmt}, read as such despite the "
                        f"{_suffix(p) or 'missing'} extension")
    return rf


def _suffix(p: Path) -> str:
    """The meaningful extension, lower-cased (``.csv`` for ``x.csv.gz``)."""
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _ext_format(p: Path) -> str | None:
    s = _suffix(p)
    if s in _CSV_EXT:
        return "csv"
    if s in _PARQUET_EXT:
        return "parquet"
    if s in _JSONL_EXT:
        return "jsonl"
    if s in _EXCEL_EXT:
        return "excel"
    if s == ".xls":
        return "xls"
    return None


def detect_format(path: str | Path) -> str:
    """``csv``, ``parquet``, ``jsonl``, ``excel`` or ``xls``: the content's magic bytes win over
    the extension; an unknown extension with text content is CSV (or JSON Lines if it starts
    with ``{``)."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise IngestError(f"cannot read {path}: {e.strerror or e}") from None
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "excel"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    by_ext = _ext_format(p)
    if by_ext in ("parquet", "excel") and not head.startswith(b"\x1f\x8b"):
        return by_ext  # let the format's reader say what is wrong with it
    if by_ext is not None:
        return by_ext
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if stripped.startswith(b"{") else "csv"


def _load_bytes(p: Path, name: str) -> bytes:
    data = p.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise IngestError(f"cannot read {name}: corrupt gzip data ({e})") from None
    return data


# --------------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------------

@dataclass
class _Decoded:
    """UTF-8 bytes ready to parse, plus what decoding found out."""

    buf: bytes
    encoding: str
    notes: list[str]
    #: physical line -> reason, for lines with bytes that are not UTF-8 (kept decoded with
    #: ``\\xNN`` escapes in ``buf`` so line numbers do not move)
    bad_lines: dict[int, str]


_tls = threading.local()


def _record_utf8_error(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: remember where invalid bytes are, escape them as ``\\xNN``."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start:exc.end]
    _tls.errors.append((exc.start, bad[0]))
    return "".join(f"\\x{b:02x}" for b in bad), exc.end


codecs.register_error("ingest_record", _record_utf8_error)


def _positions(arr: np.ndarray, byte: int) -> np.ndarray:
    """Positions of ``byte`` in ``arr`` (scanned in chunks to bound memory)."""
    parts = [np.flatnonzero(arr[i:i + _CHUNK] == byte) + i for i in range(0, len(arr), _CHUNK)]
    return np.concatenate(parts) if parts else np.empty(0, dtype="int64")


def _decode(data: bytes, name: str) -> _Decoded:
    """Turn file bytes into UTF-8 bytes: strip a BOM, handle UTF-16/32, find non-UTF-8 lines
    and decide between "quarantine those lines" and "the file is in another encoding"."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _Decoded(_reencode(data, "utf-32", name), "utf-32", ["decoded as UTF-32"], {})
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _Decoded(_reencode(data, "utf-16", name), "utf-16", ["decoded as UTF-16"], {})
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if bom:
        data = data[3:]
    if re.search(rb"\S", data) is None:
        raise IngestError(f"cannot read {name}: the file is empty (no header)")
    head = data[:65536]
    if b"\x00" in head:
        enc = _utf16_without_bom(head)
        if enc is None:
            raise IngestError(f"cannot read {name}: binary content, not a text file")
        return _Decoded(_reencode(data, enc, name), enc, [f"decoded as {enc.upper()}"], {})
    if _looks_binary(head):
        raise IngestError(f"cannot read {name}: binary content, not a text file")
    try:
        data.decode("utf-8")
        return _Decoded(data, "utf-8", notes, {})
    except UnicodeDecodeError:
        pass
    _tls.errors = []
    try:
        text = data.decode("utf-8", errors="ingest_record")
        errors = _tls.errors
    finally:
        _tls.errors = []
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = _positions(arr, 10)
    err_pos = np.fromiter((e[0] for e in errors), dtype="int64", count=len(errors))
    err_lines = np.searchsorted(nl, err_pos) + 1
    nonascii = np.concatenate([np.flatnonzero(arr[i:i + _CHUNK] >= 0x80) + i
                               for i in range(0, len(arr), _CHUNK)])
    nonascii_lines = np.unique(np.searchsorted(nl, nonascii) + 1)
    bad_line_set = np.unique(err_lines)
    if len(bad_line_set) >= 2 and len(bad_line_set) * 2 > len(nonascii_lines):
        enc = _guess_legacy(data, nl, bad_line_set)
        text = data.decode(enc, errors="replace")
        notes.append(f"{Path(name).name} is not UTF-8: decoded as {enc} "
                     f"({len(bad_line_set)} of {len(nonascii_lines)} lines with non-ASCII bytes "
                     "were not valid UTF-8)")
        return _Decoded(text.encode("utf-8"), enc, notes, {})
    bad_lines: dict[int, str] = {}
    for line_no, (pos, byte) in zip(err_lines.tolist(), errors):
        if line_no not in bad_lines:
            bad_lines[line_no] = (f"line {line_no} is not valid UTF-8: byte 0x{byte:02x} "
                                  f"at byte offset {pos + bom}")
    notes.append(f"{len(bad_lines)} line(s) of {Path(name).name} are not valid UTF-8 "
                 "(their rows are quarantined)")
    return _Decoded(text.encode("utf-8"), "utf-8", notes, bad_lines)


def _reencode(data: bytes, enc: str, name: str) -> bytes:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as e:
        raise IngestError(f"cannot read {name}: invalid {enc.upper()} at byte {e.start}") from None
    text = text.lstrip("\ufeff")
    if re.search(r"\S", text) is None:
        raise IngestError(f"cannot read {name}: the file is empty (no header)")
    return text.encode("utf-8")


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NULs sit in every other byte (ASCII text in UTF-16)."""
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4 and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if len(head) >= 4 and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _looks_binary(head: bytes) -> bool:
    """Control characters other than tab/CR/LF/FF in more than 1% of the first bytes."""
    ctrl = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    return ctrl > max(2, len(head) // 100)


#: East-Asian multi-byte encodings a long-run file may be in (judged by charset_normalizer).
_CJK = ["gb18030", "big5", "cp932", "euc_jp", "cp949"]


def _guess_legacy(data: bytes, nl: np.ndarray, bad_lines: np.ndarray) -> str:
    """The encoding of a file that is clearly not UTF-8, judged on its non-UTF-8 lines.

    * Non-ASCII bytes mostly alone between ASCII letters (``Soci\\xe9t\\xe9``): a Western
      single-byte code page, cp1252 (latin-1 when cp1252 cannot decode the file).
    * Long runs of non-ASCII bytes all in the Thai letter range of TIS-620: cp874.
    * Other long runs: an East-Asian multi-byte encoding chosen by ``charset_normalizer``
      (when installed) among ``_CJK``, if the whole file decodes with it; else cp1252/latin-1.
    """
    starts = np.concatenate([[0], nl + 1])
    chunks, size = [], 0
    for ln in bad_lines[:5000].tolist():
        s = int(starts[ln - 1]) if ln - 1 < len(starts) else 0
        e = int(nl[ln - 1]) if ln - 1 < len(nl) else len(data)
        chunks.append(data[s:e])
        size += e - s
        if size > 200_000:
            break
    sample = np.frombuffer(b"\n".join(chunks), dtype=np.uint8)
    high = sample >= 0x80
    n_high = int(high.sum())
    runs = int((high[1:] & ~high[:-1]).sum() + (1 if len(high) and high[0] else 0))
    mean_run = n_high / max(runs, 1)
    candidates: list[str] = []
    if mean_run >= 2.0:
        hb = sample[high]
        thai = ((hb >= 0xA1) & (hb <= 0xDA)) | ((hb >= 0xDF) & (hb <= 0xFB))
        if thai.mean() > 0.98:
            candidates.append("cp874")
        else:
            try:
                import charset_normalizer  # optional

                best = charset_normalizer.from_bytes(sample.tobytes(), cp_isolation=_CJK).best()
                if best is not None:
                    candidates.append(best.encoding)
            except Exception:  # noqa: BLE001, S110 - detection is best effort
                pass
    for enc in [*candidates, "cp1252"]:
        try:
            data.decode(enc)
            return codecs.lookup(enc).name
        except (UnicodeDecodeError, LookupError):
            continue
    return "latin-1"


# --------------------------------------------------------------------------------------------
# CSV and friends
# --------------------------------------------------------------------------------------------

def clean_names(names: Iterable[Any]) -> tuple[list[str], dict[str, str]]:
    """Lower-case and strip column names; blank -> ``column_N``; repeats -> ``name_2``, ...

    Returns the clean names and a map clean -> as written.
    """
    out: list[str] = []
    seen: set[str] = set()
    original: dict[str, str] = {}
    for i, n in enumerate(names, start=1):
        written = "" if n is None or (isinstance(n, float) and math.isnan(n)) else str(n)
        clean = " ".join(written.replace("\ufeff", "").split()).lower() or f"column_{i}"
        base, k = clean, 2
        while clean in seen:
            clean = f"{base}_{k}"
            k += 1
        seen.add(clean)
        out.append(clean)
        original[clean] = written.strip()
    return out, original


def _sniff_delimiter(header: str) -> str:
    """The most frequent of ``, ; TAB |`` outside quotes in the header line (``,`` on a tie)."""
    outside, inq = [], False
    for ch in header:
        if ch == '"':
            inq = not inq
        elif not inq:
            outside.append(ch)
    text = "".join(outside)
    counts = {d: text.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _parse_one(text: str, delimiter: str) -> list[str]:
    """Fields of one CSV record (may contain quoted line breaks)."""
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                           doublequote=True, strict=False))
    if not rows:
        return []
    fields = rows[0]
    for extra in rows[1:]:  # only if the text held several records; keep everything
        fields = fields + extra
    return fields


def _read_delimited(data: bytes, name: str, delimiter: str | None) -> RawFrame:
    """CSV/TSV bytes -> RawFrame (fast path with pyarrow, exact fallback with :mod:`csv`)."""
    dec = _decode(data, name)
    buf = dec.buf
    if b"\r" in buf and buf.count(b"\r") != buf.count(b"\r\n"):
        rf = _read_delimited_python(buf, name, delimiter, dec)
        rf.notes.append("bare carriage-return line breaks: read with the csv module")
        return rf
    rf = _read_delimited_fast(buf, name, delimiter, dec)
    if rf is None:
        rf = _read_delimited_python(buf, name, delimiter, dec)
    return rf


@dataclass
class _Records:
    """Record boundaries of a delimited buffer (all arrays aligned, one entry per record)."""

    start: np.ndarray  # byte offset where the record starts
    end: np.ndarray    # byte offset where its text ends (terminator and CR excluded)
    line: np.ndarray   # physical line it starts on (1-based)

    def text(self, buf: bytes, i: int) -> str:
        return buf[int(self.start[i]):int(self.end[i])].decode("utf-8", errors="replace")


def _records(buf: bytes, delimiter: str) -> _Records:
    """Split ``buf`` into CSV records like the :mod:`csv` module and pyarrow do.

    A quote opens a quoted field only at the start of a field; inside, ``""`` is a literal
    quote and a single quote closes the field; elsewhere quotes are literal (``TV 55"``).
    Per run of consecutive quotes of length L that gives three transitions: at a field start
    with L odd the state toggles (opens, or closes a field whose content ended with ``,``),
    elsewhere with L odd it resets to "outside", with L even it is unchanged. The state after
    every run is computed vectorised from the toggles since the last reset; a line break ends
    a record when the state before it is "outside".
    """
    arr = np.frombuffer(buf, dtype=np.uint8)
    nl = _positions(arr, 10)
    quotes = _positions(arr, 34)
    if len(quotes):
        new_run = np.ones(len(quotes), dtype=bool)
        new_run[1:] = quotes[1:] != quotes[:-1] + 1
        run_start = quotes[new_run]
        run_len = np.diff(np.append(np.flatnonzero(new_run), len(quotes)))
        prev = np.where(run_start > 0, arr[np.maximum(run_start - 1, 0)], 10)
        at_start = (prev == 10) | (prev == ord(delimiter)) | (run_start == 0)
        odd = (run_len % 2) == 1
        toggles = np.cumsum(at_start & odd)
        reset_idx = np.where(~at_start & odd, np.arange(len(run_start)), -1)
        last_reset = np.maximum.accumulate(reset_idx)
        base = np.where(last_reset >= 0, toggles[np.maximum(last_reset, 0)], 0)
        inside = ((toggles - base) % 2) == 1
        k = np.searchsorted(run_start, nl, side="right") - 1
        in_quote = np.where(k >= 0, inside[np.maximum(k, 0)], False)
        term = nl[~in_quote]
    else:
        term = nl
    start = np.concatenate([[0], term + 1]).astype("int64")
    end = np.concatenate([term, [len(buf)]]).astype("int64")
    has_cr = np.zeros(len(end), dtype=bool)
    nz = end > start
    has_cr[nz] = arr[end[nz] - 1] == 13
    end = end - has_cr
    line = np.searchsorted(nl, start) + 1
    return _Records(start, end, line)


def _header_index(buf: bytes, rec: _Records) -> int:
    """Index of the first record that is not blank."""
    for i in range(len(rec.start)):
        if buf[int(rec.start[i]):int(rec.end[i])].strip():
            return i
    return -1


def _read_delimited_fast(buf: bytes, name: str, delimiter: str | None,
                         dec: _Decoded) -> RawFrame | None:
    """The pyarrow path; ``None`` when its result cannot be lined up with the records."""
    import pyarrow.csv as pacsv

    if delimiter is None:
        first = next((ln for ln in buf[:1 << 20].split(b"\n") if ln.strip()), b"")
        delimiter = _sniff_delimiter(first.decode("utf-8", "replace"))
    rec = _records(buf, delimiter)
    h = _header_index(buf, rec)
    if h < 0:
        raise IngestError(f"cannot read {name}: the file is empty (no header)")
    header_text = rec.text(buf, h)
    names, original = clean_names(_parse_one(header_text, delimiter))
    ncol = len(names)
    body = slice(h + 1, len(rec.start))
    starts, ends, lines = rec.start[body], rec.end[body], rec.line[body]
    nonempty = ends > starts
    starts, ends, lines = starts[nonempty], ends[nonempty], lines[nonempty]
    n_rec = len(starts)
    data_start = int(rec.start[h + 1]) if h + 1 < len(rec.start) else len(buf)

    invalid: list[tuple[int, str]] = []

    def on_invalid(row: Any) -> str:
        invalid.append((row.actual_columns, row.text))
        return "skip"

    tmp_names = [f"c{i}" for i in range(ncol)]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(buf).slice(data_start)),
            read_options=pacsv.ReadOptions(column_names=tmp_names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.large_string() for c in tmp_names}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows + len(invalid) != n_rec:
        return None

    # Which records did pyarrow reject? Find each rejected text at a record boundary.
    rejected = _locate_invalid(buf, starts, ends, invalid)
    if rejected is None:
        return None
    keep = np.ones(n_rec, dtype=bool)
    keep[[i for i, _ in rejected]] = False

    cols = {clean: _trim_to_null(table.column(tmp)) for tmp, clean in zip(tmp_names, names)}
    frame = pa.table(cols).to_pandas() if cols else pd.DataFrame(index=range(table.num_rows))
    frame = _as_str_frame(frame, names)
    rec_idx = np.flatnonzero(keep)

    bad_lines: list[int] = []
    bad_reasons: list[str] = []
    bad_raws: list[str] = []
    extra_rows: list[list[Any]] = []
    extra_idx: list[int] = []
    blank = 0
    for i, actual in rejected:
        text = buf[int(starts[i]):int(ends[i])].decode("utf-8", errors="replace")
        if not text.strip():
            blank += 1
            continue
        fields = _parse_one(text, delimiter)
        problem = _field_count_problem(fields, ncol)
        if problem:
            bad_lines.append(int(lines[i]))
            bad_reasons.append(problem)
            bad_raws.append(text)
            continue
        extra_rows.append(_fit(fields, ncol))
        extra_idx.append(i)
    if extra_rows:
        add = _as_str_frame(pd.DataFrame(extra_rows, columns=names, dtype="str"), names)
        add = add.apply(lambda s: s.str.strip().replace("", np.nan))
        frame = pd.concat([frame, add], ignore_index=True)
        rec_idx = np.concatenate([rec_idx, np.asarray(extra_idx, dtype="int64")])
        order = np.argsort(rec_idx, kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        rec_idx = rec_idx[order]

    return _finish_delimited(buf, name, frame, rec_idx, starts, ends, lines, dec, delimiter,
                             original, bad_lines, bad_reasons, bad_raws, blank)


def _trim_to_null(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Strip surrounding whitespace; values left empty become null."""
    if not pa.types.is_large_string(col.type):
        col = pc.cast(col, pa.large_string())
    col = pc.utf8_trim_whitespace(col)
    if pc.any(pc.equal(pc.utf8_length(col), 0)).as_py():
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.large_string()), col)
    return col


def _locate_invalid(buf: bytes, starts: np.ndarray, ends: np.ndarray,
                    invalid: list[tuple[int, str]]) -> list[tuple[int, int]] | None:
    """Record index of each row pyarrow rejected (matched by its text); ``None`` if one cannot
    be placed."""
    if not invalid:
        return []
    out: list[tuple[int, int]] = []
    used: set[int] = set()
    if len(invalid) > 2000:
        by_text: dict[bytes, list[int]] = {}
        for i in range(len(starts)):
            by_text.setdefault(buf[int(starts[i]):int(ends[i])], []).append(i)
        for actual, text in invalid:
            cands = by_text.get(text.encode("utf-8"), [])
            i = next((c for c in cands if c not in used), None)
            if i is None:
                return None
            used.add(i)
            out.append((i, actual))
        return out
    for actual, text in invalid:
        needle = text.encode("utf-8")
        pos = buf.find(needle)
        found = None
        while pos >= 0:
            i = int(np.searchsorted(starts, pos))
            if i < len(starts) and starts[i] == pos and ends[i] == pos + len(needle) \
                    and i not in used:
                found = i
                break
            pos = buf.find(needle, pos + 1)
        if found is None:
            return None
        used.add(found)
        out.append((found, actual))
    return out


def _field_count_problem(fields: list[str], ncol: int) -> str | None:
    """The reason a record is refused for its field count (extra empty fields are fine)."""
    if len(fields) > ncol and any(f.strip() for f in fields[ncol:]):
        return f"row has {len(fields)} fields, header has {ncol}"
    return None


def _fit(fields: list[str], ncol: int) -> list[Any]:
    """Pad a short record with missing values / cut empty extra fields."""
    fields = fields[:ncol]
    return fields + [None] * (ncol - len(fields))


def _as_str_frame(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    frame.columns = names
    for c in names:
        if frame[c].dtype != "str":
            frame[c] = frame[c].astype("str")
    return frame


def _finish_delimited(buf: bytes, name: str, frame: pd.DataFrame, rec_idx: np.ndarray,
                      starts: np.ndarray, ends: np.ndarray, lines: np.ndarray, dec: _Decoded,
                      delimiter: str, original: dict[str, str], bad_lines: list[int],
                      bad_reasons: list[str], bad_raws: list[str], blank: int) -> RawFrame:
    """Common tail of both CSV paths: drop undecodable and empty rows, build the RawFrame."""
    row_lines = lines[rec_idx]
    drop = np.zeros(len(frame), dtype=bool)
    if dec.bad_lines:
        # a record is undecodable when any of its physical lines is
        rec_first = lines
        bad_ln = np.asarray(sorted(dec.bad_lines), dtype="int64")
        owner = np.searchsorted(rec_first, bad_ln, side="right") - 1
        reason_of: dict[int, str] = {}
        for ln, o in zip(bad_ln.tolist(), owner.tolist()):
            if o >= 0:
                reason_of.setdefault(o, dec.bad_lines[ln])
        pos_of = {int(r): k for k, r in enumerate(rec_idx)}
        for o, reason in reason_of.items():
            k = pos_of.get(o)
            if k is not None and not drop[k]:
                drop[k] = True
                bad_lines.append(int(lines[o]))
                bad_reasons.append(reason)
                bad_raws.append(buf[int(starts[o]):int(ends[o])].decode("utf-8", "replace"))
    empty = frame.isna().all(axis=1).to_numpy() & ~drop if len(frame.columns) else ~drop
    blank += int(empty.sum())
    drop |= empty
    if drop.any():
        keep = ~drop
        frame = frame.loc[keep].reset_index(drop=True)
        rec_idx = rec_idx[keep]
        row_lines = row_lines[keep]
    notes = list(dec.notes)
    if blank:
        notes.append(f"{blank} empty row(s) skipped")
    row_start, row_end = starts[rec_idx], ends[rec_idx]

    def provider(pos: np.ndarray) -> list[str]:
        return [buf[int(row_start[i]):int(row_end[i])].decode("utf-8", "replace") for i in pos]

    order = np.argsort(np.asarray(bad_lines, dtype="int64"), kind="stable")
    bad = _bad_frame(name, [bad_lines[i] for i in order], [bad_reasons[i] for i in order],
                     [bad_raws[i] for i in order])
    return RawFrame(data=frame, line=np.asarray(row_lines, dtype="int64"), source_file=name,
                    format="csv", encoding=dec.encoding, delimiter=delimiter, bad=bad,
                    notes=notes, header=original, raw_provider=provider)


def _read_delimited_python(buf: bytes, name: str, delimiter: str | None,
                           dec: _Decoded) -> RawFrame:
    """The exact (slower) path: :mod:`csv` over the decoded text, tracking physical lines."""
    text = buf.decode("utf-8", errors="replace")
    phys = list(io.StringIO(text, newline=""))
    # byte offset of each physical line, so the raw provider slices ``buf`` like the fast path
    offsets = np.zeros(len(phys) + 1, dtype="int64")
    if phys:
        offsets[1:] = np.cumsum([len(s.encode("utf-8")) for s in phys])
    if delimiter is None:
        first = next((s for s in phys if s.strip()), None)
        if first is None:
            raise IngestError(f"cannot read {name}: the file is empty (no header)")
        delimiter = _sniff_delimiter(first.rstrip("\r\n"))
    reader = csv.reader(phys, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    names: list[str] | None = None
    original: dict[str, str] = {}
    ncol = 0
    rows: list[list[Any]] = []
    rec_start: list[int] = []
    rec_end: list[int] = []
    rec_line: list[int] = []
    bad_lines: list[int] = []
    bad_reasons: list[str] = []
    bad_raws: list[str] = []
    blank = 0
    prev = 0
    while True:
        try:
            fields = next(reader)
            problem = None
        except StopIteration:
            break
        except csv.Error as e:  # e.g. a NUL inside a field: costs that record only
            fields, problem = [], f"unparseable CSV record: {e}"
        first, last = prev, reader.line_num
        prev = last
        raw_text = "".join(phys[first:last]).rstrip("\r\n")
        if names is None:
            if not raw_text.strip():
                continue
            names, original = clean_names(fields)
            ncol = len(names)
            continue
        if problem is None and not any(f.strip() for f in fields):
            if raw_text:
                blank += 1
            continue
        if dec.bad_lines and problem is None:
            problem = next((dec.bad_lines[ln] for ln in range(first + 1, last + 1)
                            if ln in dec.bad_lines), None)
        problem = problem or _field_count_problem(fields, ncol)
        if problem:
            bad_lines.append(first + 1)
            bad_reasons.append(problem)
            bad_raws.append(raw_text)
            continue
        rows.append(_fit(fields, ncol))
        rec_start.append(int(offsets[first]))
        rec_end.append(int(offsets[first]) + len(raw_text.encode("utf-8")))
        rec_line.append(first + 1)
    if names is None:
        raise IngestError(f"cannot read {name}: the file is empty (no header)")
    return _python_finish(rows, names, original, rec_start, rec_end, rec_line, bad_lines,
                          bad_reasons, bad_raws, blank, buf, name, dec, delimiter)


def _python_finish(rows: list[list[Any]], names: list[str], original: dict[str, str],
                   rec_start: list[int], rec_end: list[int], rec_line: list[int],
                   bad_lines: list[int], bad_reasons: list[str], bad_raws: list[str], blank: int,
                   buf: bytes, name: str, dec: _Decoded, delimiter: str) -> RawFrame:
    frame = pd.DataFrame(rows, columns=names, dtype="str") if rows else \
        pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    frame = _as_str_frame(frame, names)
    for c in names:
        frame[c] = frame[c].str.strip().replace("", np.nan)
    n = len(frame)
    starts = np.asarray(rec_start, dtype="int64")
    ends = np.asarray(rec_end, dtype="int64")
    lines = np.asarray(rec_line, dtype="int64")
    dec = _Decoded(dec.buf, dec.encoding, dec.notes, {})  # undecodable lines handled above
    return _finish_delimited(buf, name, frame, np.arange(n, dtype="int64"), starts, ends, lines,
                             dec, delimiter, original, bad_lines, bad_reasons, bad_raws, blank)


# --------------------------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------------------------

def _json_text(v: Any) -> str | None:
    """A JSON value as contract text (decimals keep their literal text: ``12.50``)."""
    if v is None:
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        items = [_json_text(x) for x in v]
        joined = ";".join(x for x in items if x)
        return joined or None
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False, default=_json_default)
    return str(v)


def _json_default(v: Any) -> Any:
    """Numbers kept as Decimal (to keep their literal text) inside nested JSON values."""
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() and "E" not in str(v) and "." not in str(v) \
            else float(v)
    raise TypeError(type(v).__name__)


def _read_jsonl(data: bytes, name: str) -> RawFrame:
    """JSON Lines: one object per physical line; a line that does not parse costs only itself.

    Clean files are parsed by ``pyarrow.json`` (values turned back into text as for Parquet;
    fields it would read as timestamps are re-read as text); any problem (a bad line, a field
    that is a number on one line and text on another, ...) sends the file through the
    line-by-line :mod:`json` path, which keeps number literals exactly (``12.50``).
    """
    dec = _decode(data, name)
    if dec.buf.lstrip()[:1] == b"[":
        raise IngestError(f"cannot read {name}: a JSON array is not JSON Lines "
                          "(write one object per line)")
    if not dec.bad_lines:
        rf = _read_jsonl_fast(dec, name)
        if rf is not None:
            return rf
    return _read_jsonl_python(dec, name)


def _read_jsonl_fast(dec: _Decoded, name: str) -> RawFrame | None:
    """``pyarrow.json`` path; ``None`` when the file needs the line-by-line path."""
    import pyarrow.json as pajson

    buf = dec.buf
    arr = np.frombuffer(buf, dtype=np.uint8)
    nl = _positions(arr, 10)
    start = np.concatenate([[0], nl + 1]).astype("int64")
    end = np.concatenate([nl, [len(buf)]]).astype("int64")
    nz = end > start
    cr = np.zeros(len(end), dtype=bool)
    cr[nz] = arr[end[nz] - 1] == 13
    end = end - cr
    filled = end > start
    start, end = start[filled], end[filled]
    lines = np.flatnonzero(filled) + 1

    def read(schema: pa.Schema | None) -> pa.Table:
        opts = pajson.ParseOptions(explicit_schema=schema, newlines_in_values=False)
        return pajson.read_json(pa.BufferReader(pa.py_buffer(buf)), parse_options=opts,
                                read_options=pajson.ReadOptions(block_size=1 << 24))

    try:
        table = read(None)
        stamps = [f for f in table.schema if pa.types.is_timestamp(f.type)
                  or pa.types.is_date(f.type) or pa.types.is_time(f.type)]
        if stamps:
            order = table.column_names
            table = read(pa.schema([pa.field(f.name, pa.string()) for f in stamps]))
            table = table.select(order)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != len(start):
        return None
    names, original = clean_names(table.column_names)
    if any(n != " ".join(str(o).split()).lower() for n, o in zip(names, table.column_names)):
        return None  # blank or repeated names after lower-casing: let the exact path merge them
    cols = {clean: _trim_to_null(_arrow_text(table.column(i))) for i, clean in enumerate(names)}
    frame = _as_str_frame(pa.table(cols).to_pandas() if cols else pd.DataFrame(), names)
    notes = list(dec.notes)
    if len(frame.columns):
        empty = frame.isna().all(axis=1).to_numpy()
        if empty.any():
            frame = frame.loc[~empty].reset_index(drop=True)
            start, end, lines = start[~empty], end[~empty], lines[~empty]
    if not len(frame.columns) and not len(frame):
        raise IngestError(f"cannot read {name}: no JSON objects in the file")

    def provider(pos: np.ndarray) -> list[str]:
        return [buf[int(start[i]):int(end[i])].decode("utf-8", "replace") for i in pos]

    return RawFrame(data=frame, line=lines.astype("int64"), source_file=name, format="jsonl",
                    encoding=dec.encoding, notes=notes, header=original, raw_provider=provider)


def _read_jsonl_python(dec: _Decoded, name: str) -> RawFrame:
    """Line-by-line JSON Lines reader (exact literals, per-line errors)."""
    text = dec.buf.decode("utf-8")
    lines = text.split("\n")
    records: list[dict[str, Any]] = []
    rec_line: list[int] = []
    raws: list[str] = []
    bad_lines: list[int] = []
    bad_reasons: list[str] = []
    bad_raws: list[str] = []
    key_cache: dict[str, str] = {}
    order: dict[str, None] = {}
    loads = json.JSONDecoder(parse_float=decimal.Decimal, parse_constant=str).decode
    for i, ln in enumerate(lines, start=1):
        s = ln.rstrip("\r")
        if not s.strip():
            continue
        if i in dec.bad_lines:
            bad_lines.append(i)
            bad_reasons.append(dec.bad_lines[i])
            bad_raws.append(s)
            continue
        try:
            obj = loads(s)
        except json.JSONDecodeError as e:
            bad_lines.append(i)
            bad_reasons.append(f"invalid JSON: {e.msg} (column {e.colno})")
            bad_raws.append(s)
            continue
        if not isinstance(obj, dict):
            bad_lines.append(i)
            bad_reasons.append(f"not a JSON object: {type(obj).__name__}")
            bad_raws.append(s)
            continue
        rec: dict[str, Any] = {}
        for k, v in obj.items():
            ck = key_cache.get(k)
            if ck is None:
                ck = key_cache[k] = " ".join(str(k).split()).lower() or "column_1"
                order.setdefault(ck, None)
            tv = _json_text(v)
            if tv is not None or ck not in rec:
                rec[ck] = tv
        if not any(v is not None for v in rec.values()):
            continue
        records.append(rec)
        rec_line.append(i)
        raws.append(s)
    if not records and not bad_lines and not order:
        raise IngestError(f"cannot read {name}: no JSON objects in the file")
    names = list(order)
    frame = pd.DataFrame.from_records(records, columns=names) if records else \
        pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    frame = _as_str_frame(frame, names)
    original = {k_clean: k for k, k_clean in key_cache.items()}

    def provider(pos: np.ndarray) -> list[str]:
        return [raws[i] for i in pos]

    return RawFrame(data=frame, line=np.asarray(rec_line, dtype="int64"), source_file=name,
                    format="jsonl", encoding=dec.encoding, bad=_bad_frame(
                        name, bad_lines, bad_reasons, bad_raws), notes=list(dec.notes),
                    header=original, raw_provider=provider)


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------

def _arrow_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any Arrow column as text: lists joined with ``;``, booleans ``true``/``false``,
    timestamps ISO 8601, nested values as JSON."""
    t = col.type
    if pa.types.is_dictionary(t):
        col = pc.cast(col, t.value_type)
        t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return pc.cast(col, pa.string())
    if pa.types.is_null(t):
        return pa.chunked_array([pa.nulls(len(col), pa.string())])
    if pa.types.is_boolean(t):
        return pc.if_else(col, "true", "false")
    if pa.types.is_timestamp(t):
        try:  # whole seconds print without a fraction
            col = pc.cast(col, pa.timestamp("s", tz=t.tz), safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        fmt = "%Y-%m-%dT%H:%M:%S%z" if t.tz else "%Y-%m-%dT%H:%M:%S"
        return pc.strftime(col, format=fmt)
    if pa.types.is_date(t):
        return pc.strftime(col, format="%Y-%m-%d")
    if pa.types.is_floating(t):  # 10.0 -> "10", 8507600000.0 -> "8507600000", NaN -> missing
        col = pc.cast(col, pa.float64())
        finite = pc.and_(pc.is_finite(col), pc.less(pc.abs(col), 1e15))
        whole = pc.and_(finite, pc.equal(pc.floor(col), col))
        as_int = pc.cast(pc.cast(pc.if_else(whole, col, 0.0), pa.int64()), pa.string())
        text = pc.if_else(whole, as_int, pc.cast(col, pa.string()))
        return pc.if_else(pc.is_nan(col), pa.scalar(None, pa.string()), text)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        inner = t.value_type
        if pa.types.is_string(inner) or pa.types.is_large_string(inner) or \
                pa.types.is_integer(inner):
            as_text = pc.cast(col, pa.list_(pa.string()))
            return pc.binary_join(as_text, ";")
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return pa.chunked_array([pa.array(
            [None if v is None else v.decode("utf-8", "replace") for v in col.to_pylist()],
            pa.string())])
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.chunked_array([pa.array(
            [None if v is None else json.dumps(v, ensure_ascii=False, default=str)
             for v in col.to_pylist()], pa.string())])


def _num_text(v: float | None) -> str | None:
    """A float as text: ``10.0`` -> ``10``; NaN -> missing."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _read_parquet(p: Path, name: str) -> RawFrame:
    """Parquet: every column turned into text; ``line`` is the 1-based row number."""
    import pyarrow.parquet as pq

    if p.stat().st_size == 0:
        raise IngestError(f"cannot read {name}: the file is empty")
    try:
        table = pq.read_table(p)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise IngestError(f"cannot read {name}: not a valid Parquet file ({msg})") from None
    names, original = clean_names(table.column_names)
    cols = {}
    for i, clean in enumerate(names):
        cols[clean] = _trim_to_null(_arrow_text(table.column(i)))
    frame = pa.table(cols).to_pandas() if cols else pd.DataFrame()
    frame = _as_str_frame(frame, names)
    notes: list[str] = []
    line = np.arange(1, len(frame) + 1, dtype="int64")
    if len(frame.columns):
        empty = frame.isna().all(axis=1).to_numpy()
        if empty.any():
            notes.append(f"{int(empty.sum())} empty row(s) skipped")
            frame = frame.loc[~empty].reset_index(drop=True)
            line = line[~empty]
    original_rows = frame  # mapping works on a copy: raw text keeps the file's own names

    def provider(pos: np.ndarray) -> list[str]:
        return _rows_as_json(original_rows, pos)

    return RawFrame(data=frame, line=line, source_file=name, format="parquet", notes=notes,
                    header=original, raw_provider=provider)


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

def _cell_text(value: Any, number_format: str | None) -> str | None:
    """An Excel cell value as text (``10.0`` -> ``10``; dates ISO; zero-padded formats kept)."""
    if value is None:
        return None
    if isinstance(value, str):
        v = value.strip()
        return v or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return None
        text = _num_text(float(value)) if isinstance(value, float) else str(value)
        fmt = (number_format or "").strip()
        if fmt and set(fmt) == {"0"} and text and text.isdigit():
            text = text.zfill(len(fmt))  # a "000000" format keeps leading zeros (HS codes)
        return text
    return str(value).strip() or None


def _read_excel(p: Path, name: str, kind: str | None) -> RawFrame:
    """Excel (.xlsx): the sheet named like the kind, else the first; ``line`` is the sheet row."""
    import zipfile

    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise IngestError(f"cannot read {name}: not a valid Excel workbook ({msg})") from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise IngestError(f"cannot read {name}: the workbook has no sheets")
        ws = sheets[0]
        if kind:
            for s in sheets:
                if s.title.strip().lower() == kind.strip().lower():
                    ws = s
                    break
        notes = []
        if len(sheets) > 1:
            notes.append(f"read sheet {ws.title!r} of {len(sheets)}")
        header: list[str | None] | None = None
        ncol = 0
        rows: list[list[str | None]] = []
        lines: list[int] = []
        bad_lines: list[int] = []
        bad_reasons: list[str] = []
        bad_raws: list[str] = []
        for row in ws.iter_rows():
            vals = [_cell_text(c.value, getattr(c, "number_format", None)) for c in row]
            rownum = next((c.row for c in row if getattr(c, "row", None)), None)
            if rownum is None or not any(v is not None for v in vals):
                continue
            last = max(i for i, v in enumerate(vals) if v is not None) + 1
            vals = vals[:last]
            if header is None:
                header = vals
                ncol = len(header)
                continue
            if last > ncol:
                bad_lines.append(rownum)
                bad_reasons.append(f"row has {last} fields, header has {ncol}")
                bad_raws.append(_csv_line(vals))
                continue
            rows.append(vals + [None] * (ncol - len(vals)))
            lines.append(rownum)
    finally:
        wb.close()
    if header is None:
        raise IngestError(f"cannot read {name}: sheet {ws.title!r} is empty (no header)")
    names, original = clean_names(header)
    frame = pd.DataFrame(rows, columns=names, dtype="str") if rows else \
        pd.DataFrame({n: pd.Series(dtype="str") for n in names})
    frame = _as_str_frame(frame, names)
    raws = [_csv_line(r) for r in rows]

    def provider(pos: np.ndarray) -> list[str]:
        return [raws[i] for i in pos]

    return RawFrame(data=frame, line=np.asarray(lines, dtype="int64"), source_file=name,
                    format="excel", bad=_bad_frame(name, bad_lines, bad_reasons, bad_raws),
                    notes=notes, header=original, raw_provider=provider)


def _csv_line(values: Sequence[str | None]) -> str:
    """Values as one CSV line (the raw text of an Excel row)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(["" if v is None else v for v in values])
    return out.getvalue()
