"""ingest.quarantine: per-kind CSVs, no duplicates on re-runs, atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.quarantine import (
    QUARANTINE_COLUMNS,
    entry_keys,
    quarantine_counts,
    read_quarantine,
    write_quarantine,
)
from ingest.readers import read_file
from ingest.validate import validate


def _bad(rows: list[tuple[str, int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source_file", "line", "reason", "raw"])


def test_write_and_rerun_does_not_duplicate(tmp_path):
    q = tmp_path / "quarantine"
    bad = _bad([("/data/a.csv", 3, "hs_code 'x' is not 6-10 digits", "D1,x"),
                ("/data/a.csv", 7, "declared_at is missing", 'D2,"multi\nline"')])
    assert write_quarantine(q, "declarations", bad) == 2
    assert write_quarantine(q, "declarations", bad) == 0            # re-run: nothing new
    moved = bad.assign(source_file="/elsewhere/a.csv")               # same file name elsewhere
    assert write_quarantine(q, "declarations", moved) == 0
    df = read_quarantine(q, "declarations")
    assert len(df) == 2
    assert list(df.columns[:len(QUARANTINE_COLUMNS)]) == QUARANTINE_COLUMNS
    assert df["line"].tolist() == [3, 7]
    assert df["raw"].tolist()[1] == 'D2,"multi\nline"'              # multi-line raw survives
    assert (q / "declarations.csv").exists()
    assert not [p for p in q.iterdir() if p.name.endswith(".tmp")]  # no temp files left


def test_new_rows_are_appended_and_reasons_refreshed(tmp_path):
    q = tmp_path / "q"
    write_quarantine(q, "tips", _bad([("t.csv", 2, "old reason", "T1")]))
    added = write_quarantine(q, "tips", _bad([("t.csv", 2, "new reason", "T1"),
                                              ("t.csv", 4, "tip_id is missing", ",x")]))
    assert added == 1
    df = read_quarantine(q, "tips")
    assert df["reason"].tolist() == ["new reason", "tip_id is missing"]


def test_same_raw_on_other_lines_are_distinct_entries(tmp_path):
    bad = _bad([("a.csv", 2, "r", "same"), ("a.csv", 3, "r", "same")])
    assert write_quarantine(tmp_path, "parties", bad) == 2
    assert entry_keys(bad).nunique() == 2


def test_argument_order_bad_first_is_accepted(tmp_path):
    assert write_quarantine(_bad([("a.csv", 2, "r", "x")]), "hubs", tmp_path) == 1
    assert quarantine_counts(tmp_path) == {"hubs": 1}


def test_empty_bad_frame_writes_nothing(tmp_path):
    assert write_quarantine(tmp_path / "q", "rates", _bad([])) == 0
    assert not (tmp_path / "q").exists()


def test_unknown_kind_is_refused(tmp_path):
    from ingest.contract import IngestError

    with pytest.raises(IngestError):
        write_quarantine(tmp_path, "nonsense", _bad([("a.csv", 2, "r", "x")]))


def test_end_to_end_with_validate(tmp_path):
    src = tmp_path / "d.csv"
    src.write_bytes(b"declaration_id,reporting_country,declared_at,hs_code,origin_country,consignee_id\n"
                    b"D1,TH,2024-03-05,850760,CN,C1\n"
                    b"D2,XX,2024-03-05,850760,CN,C1\n"
                    b"D3,TH,2024-03-05,850760,CN,C\xe9\n"
                    + "D4,TH,2024-03-05,850760,CN,Caf\u00e9\n".encode("utf-8"))
    _, bad = validate(read_file(src, "declarations"), "declarations")
    q = tmp_path / "quarantine"
    assert write_quarantine(q, "declarations", bad) == 2
    assert write_quarantine(q, "declarations", bad) == 0
    df = read_quarantine(q, "declarations")
    assert df["line"].tolist() == [3, 4]
    assert "not valid UTF-8" in df["reason"].iloc[1]
    assert quarantine_counts(q) == {"declarations": 2}
