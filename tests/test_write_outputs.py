"""The findings files are written fast (chunked, formatted by Arrow) but exactly as pandas
would write them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from intel.analytics import run as run_mod


def _awkward(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    texts = np.array(["a", "", "x,y", 'q"t', "l\nm", " sp ", "é€", "t\tu", "a;b", "-"], dtype=object)
    floats = np.array([0.0, -0.0, 0.5, 1e-5, 1.5e-7, 123456789012345.6, 1e16, np.nan, 1 / 3, 100.0])
    return pd.DataFrame({
        "declaration_id": texts[rng.integers(0, 10, n)],
        "reporting_country": pd.array(np.where(rng.random(n) < 0.1, None, "TH"), dtype="str"),
        "risk_score": floats[rng.integers(0, 10, n)],
        "lane": np.where(rng.random(n) < 0.5, "green", "red").astype(object),
        "reasons": [list(texts[rng.integers(0, 10, k)]) for k in rng.integers(0, 3, n)],
        "consignee_party_id": [None if k % 7 == 0 else f"P{k}" for k in range(n)],
        "route_id": "R1",
        "item_no": pd.array([None if k % 5 == 0 else k for k in range(n)], dtype="Int64"),
        "decl_key": [f"TH|D{k}|1" for k in range(n)],
        "rule_score": rng.random(n),
    })


@pytest.mark.parametrize("rows", [1, 7, 2500])
def test_chunked_csv_is_byte_identical_to_pandas(tmp_path, monkeypatch, rows: int) -> None:
    monkeypatch.setattr(run_mod, "_CHUNK_ROWS", 100)  # many chunks
    frame = _awkward(rows)
    path = tmp_path / "declaration_risk.csv"
    run_mod._write_csv("declarations", frame, path)
    expected = run_mod._csv_frame("declarations", frame).to_csv(index=False).encode("utf-8")
    assert path.read_bytes() == expected
    assert run_mod._csv_rows(run_mod._csv_frame("declarations", frame)) is not None  # Arrow wrote it, not pandas


def test_parquet_of_lists_reads_back_as_written(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(run_mod, "_CHUNK_ROWS", 100)
    frame = _awkward(1000)
    path = tmp_path / "declarations.parquet"
    run_mod._write_parquet(run_mod._parquet_frame(frame), path)
    back = pd.read_parquet(path)
    assert back["reasons"].map(list).tolist() == frame["reasons"].tolist()
    pd.testing.assert_series_equal(back["risk_score"], frame["risk_score"])
