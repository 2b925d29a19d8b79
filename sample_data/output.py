"""Chunked writers (CSV with planted bad bytes, or Parquet) and the registry / ground-truth tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .render import VarTable
from .variants import format_phone
from .world import World


class TableWriter:
    """Append frames to one CSV (bytes, so bad bytes can be planted) or one Parquet file."""

    def __init__(self, path: Path, fmt: str = "csv") -> None:
        self.path, self.fmt = path, fmt
        self._fh = None
        self._pq = None
        self._schema = None

    def write(self, df: pd.DataFrame, extra_rows: tuple[int, ...] | list[int] = (), piece: int = 20_000) -> None:
        """Append df. Rows in extra_rows get one more field than the header (planted malformation);
        the byte \\x02 inside a value is written as a latin-1 e-acute (an invalid UTF-8 byte)."""
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq
            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._pq is None:
                fields = [pa.field(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in table.schema]
                self._schema = pa.schema(fields)
                self._pq = pq.ParquetWriter(self.path, self._schema)
            self._pq.write_table(table.cast(self._schema))
            return
        if self._fh is None:
            self._fh = open(self.path, "wb")
            self._fh.write((",".join(df.columns) + "\n").encode("utf-8"))
        extra = sorted(extra_rows)
        for lo in range(0, len(df), piece):
            text = df.iloc[lo: lo + piece].to_csv(index=False, header=False, lineterminator="\n")
            data = text.encode("utf-8")
            if b"\x02" in data:
                data = data.replace(b"\x02", b"\xe9")
            mine = [i - lo for i in extra if lo <= i < lo + piece]
            if mine:
                lines = data.split(b"\n")
                for i in mine:
                    lines[i] += b",EXTRA"
                data = b"\n".join(lines)
            self._fh.write(data)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()


def registry_frame(w: World, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for p in w.parties:
        if not (p.in_registry and p.reg_id):
            continue
        rows.append({"party_id": p.reg_id, "name": p.name, "address": p.address, "country": p.country,
                     "phone": format_phone(p.phone, p.phone_style) if p.phone else "", "email": p.email,
                     "tax_id": p.tax_id, "registered_at": p.registered_at, "aeo_tier": p.aeo_tier})
    df = pd.DataFrame(rows, columns=["party_id", "name", "address", "country", "phone", "email", "tax_id",
                                     "registered_at", "aeo_tier"])
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


def truth_parties_frame(w: World) -> pd.DataFrame:
    return pd.DataFrame({
        "true_party_id": [p.tpid for p in w.parties], "kind": [p.kind for p in w.parties],
        "is_shell": [int(p.is_shell) for p in w.parties], "ring_id": [p.ring_id for p in w.parties],
        "country": [p.country for p in w.parties], "name": [p.name for p in w.parties],
        "registry_party_id": [p.reg_id if p.in_registry else "" for p in w.parties]})


def mentions_frame(w: World, vt: VarTable, codes: np.ndarray) -> pd.DataFrame:
    V = len(vt.owner)
    rc = np.array(w.countries, dtype=object)[codes // V]
    v = codes % V
    F = vt.fields
    tp = np.array([p.tpid for p in w.parties], dtype=object)
    df = pd.DataFrame({"reporting_country": rc, "raw_id": F[0][v], "raw_name": F[1][v], "raw_address": F[2][v],
                       "raw_phone": F[4][v], "raw_email": F[5][v], "true_party_id": tp[vt.owner[v]],
                       "raw_country": F[3][v]})
    return df.sort_values(["true_party_id", "reporting_country", "raw_name"], kind="stable").reset_index(drop=True)
