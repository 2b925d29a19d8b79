"""ingest.readers: every format as text, physical lines, raw rows, encodings, unreadable files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.contract import IngestError
from ingest.readers import (
    _decode,
    _read_delimited_fast,
    _read_delimited_python,
    read_file,
)


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _python_path(path: Path):
    """The exact csv-module path, for comparison with the fast path."""
    data = path.read_bytes()
    dec = _decode(data, str(path))
    return _read_delimited_python(dec.buf, str(path), None, dec)


def _fast_path(path: Path):
    """The pyarrow path alone (``None`` if it would have fallen back)."""
    data = path.read_bytes()
    dec = _decode(data, str(path))
    return _read_delimited_fast(dec.buf, str(path), None, dec)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------

def test_csv_everything_is_text_and_empty_is_missing(tmp_path):
    p = _write(tmp_path / "d.csv", "ID,Qty ,HS_Code,Note\n007,0,0850760,\n008,,8507, x \n")
    rf = read_file(p, "declarations")
    assert list(rf.data.columns) == ["id", "qty", "hs_code", "note"]
    assert rf.header["qty"] == "Qty"
    assert rf.data["id"].tolist() == ["007", "008"]          # no number guessing
    assert rf.data["qty"].iloc[0] == "0"
    assert pd.isna(rf.data["qty"].iloc[1])                   # empty -> missing, never zero
    assert rf.data["hs_code"].tolist() == ["0850760", "8507"]
    assert rf.data["note"].iloc[1] == "x"                    # stripped
    assert all(str(t) == "str" for t in rf.data.dtypes)
    assert rf.line.tolist() == [2, 3]
    assert rf.raw.tolist() == ["007,0,0850760,", "008,,8507, x "]
    assert rf.kind == "declarations" and rf.format == "csv" and len(rf.bad) == 0


def test_csv_physical_lines_with_multiline_quoted_fields(tmp_path):
    content = ('a,b,c\r\n'
               '1,"two\r\nlines",x\r\n'        # starts on line 2, ends on line 3
               '\r\n'                            # blank line 4
               '2,"three\nmore\nlines",y\r\n'    # lines 5-7
               '3,"quote ""inside""",z\r\n')     # line 8
    p = _write(tmp_path / "m.csv", content)
    rf = _fast_path(p)
    assert rf.line.tolist() == [2, 5, 8]
    assert rf.data["b"].tolist() == ["two\r\nlines", "three\nmore\nlines", 'quote "inside"']
    assert rf.raw_at([0, 2]).tolist() == ['1,"two\r\nlines",x', '3,"quote ""inside""",z']
    slow = _python_path(p)
    assert slow.line.tolist() == rf.line.tolist()
    assert slow.data.equals(rf.data)


def test_csv_row_with_more_fields_than_header_is_flagged(tmp_path):
    p = _write(tmp_path / "x.csv", "a,b,c\n1,2,3\n4,5,6,7\n8,9\n10,11,12,\n")
    rf = _fast_path(p)
    assert rf.data["a"].tolist() == ["1", "8", "10"]        # short row padded, trailing , ok
    assert pd.isna(rf.data["c"].iloc[1])
    assert rf.line.tolist() == [2, 4, 5]
    assert rf.bad[["line", "reason", "raw"]].values.tolist() == [
        [3, "row has 4 fields, header has 3", "4,5,6,7"]]
    slow = _python_path(p)
    assert slow.bad["reason"].tolist() == rf.bad["reason"].tolist()
    assert slow.line.tolist() == rf.line.tolist()


def test_csv_bom_semicolon_and_tab_sniffing(tmp_path):
    p = _write(tmp_path / "s.csv", b"\xef\xbb\xbfName;Country\nACME;TH\n")
    rf = read_file(p)
    assert rf.columns == ["name", "country"] and rf.delimiter == ";"
    assert rf.data.values.tolist() == [["ACME", "TH"]]
    t = _write(tmp_path / "t.tsv", "name\tcountry\nA, B\tMY\n")
    rf = read_file(t)
    assert rf.delimiter == "\t" and rf.data["name"].tolist() == ["A, B"]
    txt = _write(tmp_path / "p.txt", "name|country\nA|SG\n")
    assert read_file(txt).data["country"].tolist() == ["SG"]


def test_csv_blank_and_duplicate_header_names(tmp_path):
    p = _write(tmp_path / "h.csv", "Name,,name\n1,2,3\n")
    assert read_file(p).columns == ["name", "column_2", "name_2"]


def test_csv_all_empty_rows_are_skipped_with_a_note(tmp_path):
    p = _write(tmp_path / "e.csv", "a,b\n1,2\n,\n  \n3,4\n")
    rf = read_file(p)
    assert rf.data["a"].tolist() == ["1", "3"] and rf.line.tolist() == [2, 5]
    assert any("empty row" in n for n in rf.notes)


def test_csv_header_only_gives_no_rows(tmp_path):
    rf = read_file(_write(tmp_path / "h.csv", "a,b\n"))
    assert len(rf) == 0 and rf.columns == ["a", "b"]


def test_csv_bare_carriage_returns_use_the_exact_path(tmp_path):
    p = _write(tmp_path / "mac.csv", "a,b\r1,2\r3,4\r")
    rf = read_file(p)
    assert rf.data.values.tolist() == [["1", "2"], ["3", "4"]]
    assert rf.line.tolist() == [2, 3]


def test_gzip_csv(tmp_path):
    p = tmp_path / "d.csv.gz"
    p.write_bytes(gzip.compress(b"a,b\n1,2\n"))
    assert read_file(p).data.values.tolist() == [["1", "2"]]


# --------------------------------------------------------------------------------------------
# encodings
# --------------------------------------------------------------------------------------------

def test_one_non_utf8_line_costs_only_its_row(tmp_path):
    content = ("name,city\n"
               "Caf\u00e9 A,Hu\u1ebf\n".encode("utf-8")
               + b"Caf\xe9 B,Paris\n"                     # cp1252 byte on line 3
               + "Stra\u00dfe C,K\u00f6ln\n".encode("utf-8")
               + b"plain,ok\n")
    p = _write(tmp_path / "u.csv", content)
    rf = read_file(p)
    assert rf.data["name"].tolist() == ["Caf\u00e9 A", "Stra\u00dfe C", "plain"]
    assert rf.line.tolist() == [2, 4, 5]
    assert len(rf.bad) == 1
    bad = rf.bad.iloc[0]
    expected_offset = len(b"name,city\n") + len("Caf\u00e9 A,Hu\u1ebf\n".encode()) + 3
    assert bad["line"] == 3
    assert f"byte offset {expected_offset}" in bad["reason"] and "0xe9" in bad["reason"]
    assert "\\xe9" in bad["raw"]


def test_bad_byte_inside_a_multiline_record(tmp_path):
    content = (b'a,b\n1,"x\ny\xff"\n2,ok\n' + "3,\u00fc\n".encode("utf-8"))
    rf = read_file(_write(tmp_path / "m.csv", content))
    assert rf.data["a"].tolist() == ["2", "3"]
    assert rf.bad["line"].tolist() == [2] and "line 3" in rf.bad["reason"].iloc[0]


def test_latin1_whole_file_is_detected_and_noted(tmp_path):
    text = "name,city\nSoci\u00e9t\u00e9 G\u00e9n\u00e9rale,Z\u00fcrich\nM\u00fcller,K\u00f6ln\nplain,x\n"
    p = _write(tmp_path / "l.csv", text.encode("latin-1"))
    rf = read_file(p)
    assert rf.data["name"].tolist() == ["Soci\u00e9t\u00e9 G\u00e9n\u00e9rale", "M\u00fcller", "plain"]
    assert rf.encoding in ("cp1252", "latin-1", "iso8859-1")
    assert len(rf.bad) == 0
    assert any("not UTF-8" in n and "decoded as" in n for n in rf.notes)


def test_thai_windows_874_file_is_detected(tmp_path):
    text = "name,n\n\u0e1a\u0e23\u0e34\u0e29\u0e31\u0e17 \u0e40\u0e2d\u0e1a\u0e35\u0e0b\u0e35 \u0e08\u0e33\u0e01\u0e31\u0e14,1\n" \
           "\u0e2b\u0e49\u0e32\u0e07\u0e2b\u0e38\u0e49\u0e19\u0e2a\u0e48\u0e27\u0e19 \u0e17\u0e14\u0e2a\u0e2d\u0e1a,2\n"
    rf = read_file(_write(tmp_path / "th.csv", text.encode("cp874")))
    assert rf.encoding == "cp874"
    assert rf.data["name"].iloc[0].startswith("\u0e1a\u0e23\u0e34\u0e29\u0e31\u0e17")


def test_utf16_with_bom(tmp_path):
    p = _write(tmp_path / "w.csv", "a,b\n\u00e9,2\n".encode("utf-16"))
    rf = read_file(p)
    assert rf.data.values.tolist() == [["\u00e9", "2"]]
    assert rf.encoding == "utf-16"


# --------------------------------------------------------------------------------------------
# JSON Lines, Parquet, Excel
# --------------------------------------------------------------------------------------------

def test_jsonl(tmp_path):
    lines = [
        ('{"Declaration_ID": "D1", "qty": 10, "value": 12.50, "ok": true, '
         '"ports": ["SGSIN", "MYPKG"], "none": null}'),
        "",
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"declaration_id": "D2", "extra": {"k": 1}, "qty": 0}),
    ]
    p = _write(tmp_path / "d.jsonl", "\n".join(lines) + "\n")
    rf = read_file(p)
    assert rf.format == "jsonl"
    assert rf.columns[:3] == ["declaration_id", "qty", "value"]
    assert rf.data["qty"].tolist() == ["10", "0"]
    assert rf.data["value"].iloc[0] == "12.50"                # literal text kept
    assert rf.data["ok"].iloc[0] == "true"
    assert rf.data["ports"].iloc[0] == "SGSIN;MYPKG"
    assert pd.isna(rf.data["none"].iloc[0])
    assert rf.data["extra"].iloc[1] == '{"k": 1}'
    assert rf.line.tolist() == [1, 5]
    assert rf.bad["line"].tolist() == [3, 4]
    assert rf.bad["reason"].iloc[0].startswith("invalid JSON")
    assert rf.raw_at([1]).tolist() == [lines[4]]


def test_parquet(tmp_path):
    df = pd.DataFrame({
        "Declaration_ID": ["D1", "D2", None], "qty": [10.0, 2.5, None], "n": [1, 2, 3],
        "when": [pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06 10:00"), pd.NaT],
        "flag": [True, False, None], "hs": [8507600000.0, 850760.0, float("nan")],
    })
    p = tmp_path / "d.parquet"
    df.to_parquet(p)
    rf = read_file(p)
    assert rf.format == "parquet"
    assert rf.columns == ["declaration_id", "qty", "n", "when", "flag", "hs"]
    assert rf.data["hs"].tolist()[:2] == ["8507600000", "850760"]
    assert rf.data["qty"].tolist()[:2] == ["10", "2.5"]
    assert rf.data["n"].tolist() == ["1", "2", "3"]
    assert rf.data["when"].tolist()[:2] == ["2024-03-05T00:00:00", "2024-03-06T10:00:00"]
    assert rf.data["flag"].tolist()[:2] == ["true", "false"]
    assert rf.line.tolist() == [1, 2, 3]
    assert json.loads(rf.raw_at([0]).iloc[0])["declaration_id"] == "D1"


def test_excel_values_as_text_and_sheet_rows(tmp_path):
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Declaration ID", "HS", "Qty", "Declared"])
    ws.append(["D1", 850760, 10.0, datetime.datetime(2024, 3, 5)])
    ws.append([])                                             # empty sheet row 3
    ws.append(["D2", 30211, 2.5, datetime.datetime(2024, 3, 5, 10, 30)])
    ws["B4"].number_format = "000000"                         # keeps the leading zero
    ws.append(["D3", 1, 2, None, "extra"])                     # more cells than the header
    decl = wb.create_sheet("declarations")
    decl.append(["only"])
    decl.append(["x"])
    p = tmp_path / "d.xlsx"
    wb.save(p)

    rf = read_file(p)                                          # no kind: first sheet
    assert rf.columns == ["declaration id", "hs", "qty", "declared"]
    assert rf.data["hs"].tolist() == ["850760", "030211"]
    assert rf.data["qty"].tolist() == ["10", "2.5"]
    assert rf.data["declared"].tolist() == ["2024-03-05", "2024-03-05T10:30:00"]
    assert rf.line.tolist() == [2, 4]
    assert rf.bad[["line", "reason"]].values.tolist() == [[5, "row has 5 fields, header has 4"]]
    assert rf.raw_at([0]).iloc[0] == "D1,850760,10,2024-03-05"
    assert read_file(p, "declarations").columns == ["only"]    # the sheet named like the kind


# --------------------------------------------------------------------------------------------
# files that cannot be read at all
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "missing.csv", "no such file"),
    (lambda d: d, "directory"),
    (lambda d: _write(d / "empty.csv", b""), "empty"),
    (lambda d: _write(d / "blank.csv", b"\xef\xbb\xbf  \n\n"), "empty"),
    (lambda d: _write(d / "junk.csv", bytes(range(256)) * 20), "binary"),
    (lambda d: _write(d / "bad.parquet", b"PAR1 this is not parquet at all PAR1"), "Parquet"),
    (lambda d: _write(d / "bad2.parquet", b"hello,world\n1,2\n"), "Parquet"),
    (lambda d: _write(d / "bad.xlsx", b"PK\x03\x04 not a zip"), "Excel"),
    (lambda d: _write(d / "old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100), ".xls"),
    (lambda d: _write(d / "arr.json", b'[{"a": 1}]'), "JSON Lines"),
])
def test_unreadable_files_raise_one_line(tmp_path, make, expected):
    path = make(tmp_path)
    with pytest.raises(IngestError) as e:
        read_file(path, "declarations")
    msg = str(e.value)
    assert "\n" not in msg and expected in msg and str(path) in msg


def test_raw_at_for_every_format_matches_rows(tmp_path):
    p = _write(tmp_path / "r.csv", "a,b\n1,x\n2,y\n")
    rf = read_file(p)
    assert rf.raw_at(np.array([1])).tolist() == ["2,y"]
    assert rf.raw_at(np.array([1])).index.tolist() == [1]


def test_stray_quotes_inside_unquoted_fields(tmp_path):
    content = ('a,b,c\n'
               '1,TV 55" screen,x\n'          # literal quote mid-field
               '2,TV 55",y\n'                 # literal quote at the end of a field
               '3,"q\nq",z\n'                 # a real quoted line break (lines 4-5)
               '4,"say ""hi"", ok",w\n'       # escaped quotes and a comma inside quotes
               '5,"x,""\ny",v\n'              # quoted field: comma, escaped quote, break
               '6,ok,w\n')
    p = _write(tmp_path / "q.csv", content)
    rf = _fast_path(p)
    assert rf is not None
    assert rf.data["a"].tolist() == ["1", "2", "3", "4", "5", "6"]
    assert rf.data["b"].tolist() == ['TV 55" screen', 'TV 55"', "q\nq", 'say "hi", ok',
                                     'x,"\ny', "ok"]
    assert rf.line.tolist() == [2, 3, 4, 6, 7, 9]
    slow = _python_path(p)
    assert slow.data.equals(rf.data) and slow.line.tolist() == rf.line.tolist()


def test_fast_and_exact_paths_agree_on_random_csv(tmp_path):
    import csv
    import io
    import random

    rng = random.Random(11)
    pieces = ["a", "b c", 'd"e', '"', '""', ",", "\n", "\r\n", "x,y", " ", "é", ""]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["h1", "h2", "h3"])
    for _ in range(400):
        w.writerow(["".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
                    for _ in range(3)])
    p = _write(tmp_path / "r.csv", out.getvalue())
    fast = _fast_path(p)
    slow = _python_path(p)
    assert fast is not None
    assert fast.line.tolist() == slow.line.tolist()
    assert fast.data.equals(slow.data)
    assert fast.raw.tolist() == slow.raw.tolist()


def test_jsonl_fast_and_exact_paths_agree(tmp_path):
    from ingest.readers import _read_jsonl_fast, _read_jsonl_python

    lines = [
        ('{"ID": "D1", "qty": 10, "value": 12.5, "ok": true, "when": "2024-03-05T10:00:00+07:00",'
         ' "ports": ["SGSIN", "MYPKG"], "day": "2024-03-05", "note": "  padded  "}'),
        "",
        '{"ID": "D2", "qty": 2.5, "value": null, "ok": false, "when": "2024-03-06", "extra": "x"}',
        '{}',
        '{"ID": "D3", "qty": 8507600000}',
    ]
    p = _write(tmp_path / "c.jsonl", "\r\n".join(lines) + "\r\n")
    dec = _decode(p.read_bytes(), str(p))
    fast = _read_jsonl_fast(dec, str(p))
    slow = _read_jsonl_python(dec, str(p))
    assert fast is not None
    assert fast.data.equals(slow.data)
    assert fast.line.tolist() == slow.line.tolist() == [1, 3, 5]
    assert fast.raw.tolist() == slow.raw.tolist()
    assert fast.data["when"].tolist()[:2] == ["2024-03-05T10:00:00+07:00", "2024-03-06"]
    assert fast.data["qty"].tolist() == ["10", "2.5", "8507600000"]
    assert fast.data["note"].iloc[0] == "padded"
    mixed = _write(tmp_path / "m.jsonl", '{"a": 1}\n{"a": "x"}\n')
    assert _read_jsonl_fast(_decode(mixed.read_bytes(), str(mixed)), str(mixed)) is None
    assert read_file(mixed).data["a"].tolist() == ["1", "x"]
