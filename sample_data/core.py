"""Row skeletons: one numpy array per field, before rendering to contract columns."""
from __future__ import annotations

import numpy as np

Core = dict[str, np.ndarray]

_DEFAULTS: dict[str, tuple[object, object]] = {
    # name: (dtype, fill)
    "t": ("datetime64[s]", np.datetime64("2024-01-01T00:00:00")),
    "rc": (object, ""), "cons": (np.int32, -1), "shp": (np.int32, -1), "prod": (np.int32, 0),
    "qty": (np.float64, 1.0), "unit_usd": (np.float64, 1.0), "vusd": (np.float64, np.nan),
    "proc": (object, "standard"), "mode": (object, "sea"), "pol": (object, ""), "transit": (object, ""),
    "pod": (object, ""), "origin": (object, ""), "export": (object, ""), "brand": (object, ""),
    "scheme": (object, ""), "laund": (np.int8, 0), "status": (object, ""), "decl": (np.int64, -1),
    "item": (np.int16, 1),
    # shipment units and chains (sample_data.chains): '' = drawn at render; pref 'auto' = drawn
    "cont": (object, ""), "doc": (object, ""), "prev": (object, ""), "pref": (object, "auto"),
    "chain": (object, ""), "ckind": (object, ""), "leg": (object, ""),
}
FIELDS = tuple(_DEFAULTS)


def make_core(n: int, **cols: object) -> Core:
    out: Core = {}
    for k, (dt, fill) in _DEFAULTS.items():
        if k in cols:
            v = cols.pop(k)
            arr = np.asarray(v)
            out[k] = (np.full(n, v, dtype=dt) if arr.ndim == 0 else arr.astype(dt, copy=False))
        else:
            out[k] = np.full(n, fill, dtype=dt)
    if cols:
        raise KeyError(f"unknown core fields {sorted(cols)}")
    return out


def concat(parts: list[Core]) -> Core:
    parts = [p for p in parts if len(p["t"])]
    if not parts:
        return make_core(0)
    return {k: np.concatenate([p[k] for p in parts]) for k in FIELDS}


def take(c: Core, idx: np.ndarray) -> Core:
    return {k: v[idx] for k, v in c.items()}


def size(c: Core) -> int:
    return len(c["t"])
