"""Network drawings for the explorer: pyvis, offline, escaped, coloured from intel.model."""

from __future__ import annotations

from typing import Any

import pandas as pd

from intel.model import NODES, RELS
from intel.safe import html_escape, network_html, vis_label

#: properties worth a line in a node's tooltip, per label (the rest go to the side panel)
TOOLTIP_PROPS = {
    "Party": ("party_id", "country", "registered_at", "aeo_tier"),
    "Declaration": ("declaration_id", "reporting_country", "declared_at", "hs_code", "goods_description", "origin_country", "route", "lane"),
    "Identifier": ("kind", "value", "party_count"),
    "Hub": ("locode", "name", "country", "kind", "ftz"),
    "Route": ("route", "declaration_count"),
    "Tip": ("tip_id", "submitted_by", "brand", "tlp"),
}


def node_score(label: str, props: dict[str, Any]) -> float | None:
    value = props.get("risk_score" if label == "Declaration" else "score")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else max(0.0, min(1.0, value))


def _score_colour(score: float) -> str:
    """White -> red with the score."""
    r, g, b = 255, int(255 - (255 - 39) * score), int(255 - (255 - 40) * score)
    return f"#{r:02x}{g:02x}{b:02x}"


def tooltip(label: str, key: str, caption: str, props: dict[str, Any], score: float | None) -> str:
    """Escaped HTML for a node's tooltip (every data part escaped; only our <b>/<br>)."""
    lines = [f"<b>{html_escape(label)}</b>: {html_escape(caption)}"]
    if score is not None:
        lines.append(f"score {score:.2f}")
    for p in TOOLTIP_PROPS.get(label, ()):
        v = props.get(p)
        if v is not None and str(v) not in ("", "nan", "NaT", "None"):
            lines.append(f"{html_escape(p)}: {html_escape(str(v)[:120])}")
    reasons = props.get("reasons")
    if reasons and str(reasons) not in ("[]", "nan"):
        lines.append("reasons: " + html_escape(str(reasons)[:300]))
    return "<br>".join(lines)


def build_network(nodes: pd.DataFrame, edges: pd.DataFrame, centre_id: str | None = None,
                  selected_id: str | None = None, height: int = 620, physics: bool = True) -> str:
    """Offline HTML of the network (nodes: id, label, key, caption, props[, score])."""
    from pyvis.network import Network

    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line", bgcolor="#ffffff")
    for row in nodes.itertuples(index=False):
        props = row.props if isinstance(row.props, dict) else {}
        score = getattr(row, "score", None)
        score = node_score(row.label, props) if score is None or score != score else float(score)
        nt = NODES.get(row.label)
        colour = nt.colour if nt else "#999999"
        size = 14 + 22 * (score or 0.0)
        border = _score_colour(score) if score is not None else colour
        is_centre = row.id == centre_id
        if row.id == selected_id:
            border = "#1f3bd6"
        net.add_node(
            row.id,
            label=vis_label(row.caption),
            title=tooltip(row.label, row.key, row.caption, props, score),
            color={"background": colour, "border": "#000000" if is_centre else border,
                   "highlight": {"background": colour, "border": "#000000"}},
            borderWidth=6 if is_centre or row.id == selected_id else (2 + 5 * (score or 0.0)),
            size=size * (1.3 if is_centre else 1.0),
            shape="dot",
            font={"size": 13, "face": "sans-serif"},
            kind=row.label,
            key=str(row.key),
        )
    for row in edges.itertuples(index=False):
        rt = RELS.get(row.type)
        net.add_edge(row.src, row.dst, label=vis_label(rt.label if rt else row.type, 24),
                     title=html_escape(row.type), arrows="to", color="#9e9e9e",
                     font={"size": 10, "face": "sans-serif", "color": "#555555", "strokeWidth": 0})
    net.set_options("""
    {
      "physics": {"enabled": %s, "solver": "forceAtlas2Based",
                  "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110},
                  "stabilization": {"enabled": true, "iterations": 200, "fit": true}},
      "interaction": {"hover": true, "tooltipDelay": 120, "navigationButtons": false},
      "edges": {"smooth": {"enabled": true, "type": "dynamic"}}
    }
    """ % ("true" if physics else "false"))
    return network_html(net)
