"""Chains of declarations on the dashboard: which chains an entity is on, the time-ordered
path of one chain as a strip of its declarations with the dwell at each hub between them,
and a chain's entities for the case basket.

Every data string reaches the browser through ``st.text`` / ``st.dataframe`` (plain text).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards import common as C
from intel.cases import _reasons

__all__ = ["chains_about", "timeline", "chain_entities", "chain_table"]


def _plain(value: Any) -> str:
    """A property as text, '' when missing."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _keys(value: Any) -> list[str]:
    return _reasons(value)


def chain_table(chains: pd.DataFrame) -> pd.DataFrame:
    """The chain findings as a table of text columns (lists joined), best first."""
    out = chains.sort_values("score", ascending=False).copy()
    for col in ("decl_keys", "units", "hubs", "dwell_days", "reporting_countries"):
        if col in out:
            out[col] = out[col].map(lambda v: " → ".join(_keys(v)) if not isinstance(v, str) else v)
    return out


def chains_about(chains: pd.DataFrame | None, label: str, key: str) -> pd.DataFrame:
    """The chains a declaration, container or transport document is on (best first)."""
    if chains is None or not len(chains):
        return pd.DataFrame()
    column = {"Declaration": "decl_keys", "Container": "units", "TransportDocument": "units"}.get(label)
    if column is None or column not in chains:
        return pd.DataFrame()
    hit = chains[chains[column].map(lambda v: key in _keys(v))]
    return hit.sort_values("score", ascending=False)


def chain_entities(chain: pd.Series) -> list[tuple[str, str, str]]:
    """(label, key, caption) of a chain's declarations and shipment units, for a case."""
    out = [("Declaration", k, k) for k in _keys(chain["decl_keys"])]
    for unit in _keys(chain["units"]):
        label = "Container" if len(unit) == 11 and unit[:4].isalpha() and unit[4:].isdigit() else "TransportDocument"
        out.append((label, unit, unit))
    return out


def _facts(keys: list[str]) -> pd.DataFrame:
    from intel.cases import fetch_nodes

    with C.read_store() as store:
        return fetch_nodes(store, "Declaration", keys, ["decl_key", "declaration_id", "reporting_country", "flow",
                                                          "declared_at", "origin_country", "hs_code", "port_of_loading",
                                                          "port_of_discharge", "preference", "container_ids"])


def timeline(chain: pd.Series) -> None:
    """The chain as a time-ordered strip: each declaration (date, administration, id, origin,
    HS code, ports) and, between two, the hub and the days the goods dwelled there."""
    keys = _keys(chain["decl_keys"])
    hubs = _keys(chain["hubs"])
    dwell = _keys(chain["dwell_days"])
    try:
        facts = _facts(keys).set_index("decl_key")
    except Exception as exc:  # noqa: BLE001 - the strip still shows what the finding holds
        C.store_problem(exc)
        facts = pd.DataFrame()
    st.markdown("**Chain as a time-ordered path**")
    st.text(f"chain {chain['chain_id']} · score {float(chain['score']):.2f} · {len(keys)} declarations, "
            f"{len(hubs)} hop(s)")
    widths = [3 if i % 2 == 0 else 2 for i in range(2 * len(keys) - 1)]
    cells = st.columns(widths)
    for n, key in enumerate(keys):
        with cells[2 * n].container(border=True):
            row = facts.loc[key] if key in facts.index else None
            if row is None:
                st.text(key)
                continue
            when = pd.Timestamp(row["declared_at"]).date() if pd.notna(row["declared_at"]) else "?"
            v = {c: _plain(row.get(c)) for c in ("reporting_country", "flow", "declaration_id", "origin_country", "hs_code",
                                                  "port_of_loading", "port_of_discharge", "preference")}
            st.text(f"{when}\n{v['reporting_country']} {v['flow'] or 'import'} {v['declaration_id']}\n"
                    f"origin {v['origin_country'] or '?'} · HS {v['hs_code'] or '?'}\n"
                    f"{v['port_of_loading'] or '?'} → {v['port_of_discharge'] or '?'}"
                    + (f"\nclaim: {v['preference']}" if v["preference"] else ""))
        if n < len(keys) - 1:
            with cells[2 * n + 1]:
                hub = hubs[n] if n < len(hubs) else "?"
                days = dwell[n] if n < len(dwell) else "?"
                try:
                    days = f"{float(days):.0f}"
                except ValueError:
                    pass
                st.text(f"→ {hub} →\n{days} days dwell")
    for reason in _reasons(chain.get("reasons"))[:4]:
        st.text(f"• {reason}")
