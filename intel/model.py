"""The graph model, declared once.

Both stores derive their schema from these declarations (node and relationship tables on
LadybugDB, constraints and indexes on Neo4j); the dashboard takes captions and colours from
here; the ingest pipeline and the analytics refer to labels and properties by these names.

Property types are the portable subset both backends share: ``STRING``, ``INT64``,
``DOUBLE``, ``BOOLEAN`` and ``TIMESTAMP``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NodeType", "RelType", "NODES", "RELS", "node", "rel", "PIVOT_KINDS"]


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    properties: dict[str, str]
    caption: str
    colour: str
    description: str = ""
    searchable: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [self.key, *[p for p in self.properties if p != self.key]]


@dataclass(frozen=True)
class RelType:
    type: str
    source: str
    target: str
    properties: dict[str, str] = field(default_factory=dict)
    label: str = ""
    key: str | None = None  # a property that tells parallel edges apart (e.g. transit seq)

    @property
    def columns(self) -> list[str]:
        return ["src", "dst", *self.properties]


S, I, D, B, T = "STRING", "INT64", "DOUBLE", "BOOLEAN", "TIMESTAMP"

#: Identifier kinds that link parties: "show every party that mentions the same phone".
PIVOT_KINDS = ("phone", "email", "address", "tax_id")

_FINDING = {"score": D, "reasons": S}
#: on every shipment-unit edge: when the declaration was made and where the unit was loaded
#: and discharged under it
_UNIT_EDGE = {"declared_at": T, "loaded_at": S, "discharged_at": S}

NODES: dict[str, NodeType] = {
    n.label: n
    for n in [
        NodeType(
            "Declaration", "decl_key",
            {
                "decl_key": S, "declaration_id": S, "item_no": I, "reporting_country": S,
                "declared_at": T, "flow": S, "procedure": S, "transport_mode": S,
                "carrier": S, "transport_document": S, "previous_document": S, "container_ids": S,
                "containers_rejected": S,
                "preference": S,
                "hs_code": S, "hs6": S, "hs_chapter": S, "goods_description": S, "brand": S,
                "origin_country": S, "export_country": S, "port_of_loading": S,
                "transit_ports": S, "port_of_discharge": S, "route": S, "route_id": S,
                "quantity": D, "quantity_unit": S, "gross_mass_kg": D, "customs_value": D,
                "currency": S, "value_usd": D, "inspection_result": S, "status": S,
                "consignor_mention": S, "consignee_mention": S, "declarant_mention": S,
                "extra": S, "source_file": S, "line": I, "row_hash": S,
                "risk_score": D, "lane": S, "reasons": S,
            },
            caption="declaration_id", colour="#9e9e9e",
            description="One declared goods item", searchable=("declaration_id",),
        ),
        NodeType(
            "Party", "party_id",
            {
                "party_id": S, "display_name": S, "aliases": S, "country": S,
                "registered_at": T, "aeo_tier": S, "mention_count": I,
                **_FINDING, "community_id": S,
            },
            caption="display_name", colour="#1f77b4",
            description="A resolved trader: consignee, consignor or declarant",
            searchable=("display_name", "aliases"),
        ),
        NodeType(
            "Mention", "mention_key",
            {
                "mention_key": S, "scope": S, "raw_id": S, "raw_name": S, "raw_address": S,
                "raw_country": S, "raw_phone": S, "raw_email": S, "tax_id": S,
                "registered_at": T, "aeo_tier": S, "role_hint": S,
                "name_fp": S, "name_norm": S, "phone": S, "email": S, "address_norm": S, "country": S,
            },
            caption="raw_name", colour="#aec7e8",
            description="One distinct way a party was written in the source data",
        ),
        NodeType(
            "Identifier", "ident_key",
            {"ident_key": S, "kind": S, "value": S, "party_count": I, **_FINDING},
            caption="value", colour="#ff7f0e",
            description="A phone, e-mail, address or tax id shared by parties",
            searchable=("value",),
        ),
        NodeType(
            "Hub", "locode",
            {
                "locode": S, "name": S, "country": S, "lat": D, "lon": D, "kind": S,
                "ftz": B, "known": B, **_FINDING,
            },
            caption="locode", colour="#2ca02c",
            description="A port, airport, land crossing or free-trade zone (UN/LOCODE)",
            searchable=("locode", "name"),
        ),
        NodeType(
            "Country", "code", {"code": S, "name": S}, caption="code", colour="#bcbd22",
            description="ISO 3166-1 alpha-2 country", searchable=("code", "name"),
        ),
        NodeType(
            "Commodity", "hs6", {"hs6": S, "chapter": S, "sector": S}, caption="hs6",
            colour="#8c564b", description="HS six-digit subheading", searchable=("hs6",),
        ),
        NodeType(
            "Route", "route_id",
            {"route_id": S, "route": S, "declaration_count": I, **_FINDING},
            caption="route", colour="#17becf", description="A declared routing",
            searchable=("route",),
        ),
        NodeType(
            "Tip", "tip_id",
            {
                "tip_id": S, "submitted_by": S, "submitted_at": T, "brand": S, "hs_codes": S,
                "suspect_names": S, "suspect_addresses": S, "suspect_phones": S,
                "suspect_emails": S, "suspect_ports": S, "origin_countries": S,
                "description": S, "source_reliability": S, "info_credibility": S, "tlp": S,
                "valid_until": T, "weight": D, "status": S,
            },
            caption="tip_id", colour="#d62728",
            description="Intelligence from a rights holder or partner agency",
            searchable=("tip_id", "brand"),
        ),
        NodeType(
            "RightsHolder", "name", {"name": S}, caption="name", colour="#e377c2",
            description="Organisation that submitted tips", searchable=("name",),
        ),
        NodeType(
            "Container", "container_id",
            {"container_id": S, "owner_code": S, "category": S},
            caption="container_id", colour="#9467bd",
            description="A freight container (ISO 6346 number, check digit verified)",
            searchable=("container_id",),
        ),
        NodeType(
            "TransportDocument", "document_id",
            {"document_id": S, "kind": S},
            caption="document_id", colour="#c5b0d5",
            description="A bill of lading or master air waybill",
            searchable=("document_id",),
        ),
        NodeType(
            "Outcome", "outcome_key",
            {"outcome_key": S, "result": S, "offence": S, "decided_at": T},
            caption="result", colour="#7f7f7f", description="Inspection or seizure result",
        ),
        NodeType(
            "Load", "load_id",
            {
                "load_id": S, "kind": S, "files": S, "started_at": T, "finished_at": T,
                "rows_read": I, "rows_loaded": I, "rows_quarantined": I, "status": S,
            },
            caption="load_id", colour="#c7c7c7", description="One ingest run",
        ),
    ]
}

RELS: dict[str, RelType] = {
    r.type: r
    for r in [
        RelType("CONSIGNOR", "Declaration", "Party", label="shipped by"),
        RelType("CONSIGNEE", "Declaration", "Party", label="consigned to"),
        RelType("DECLARANT", "Declaration", "Party", label="declared by"),
        RelType("LOADED_AT", "Declaration", "Hub", label="loaded at"),
        RelType("TRANSITED", "Declaration", "Hub", {"seq": I}, label="via", key="seq"),
        RelType("DISCHARGED_AT", "Declaration", "Hub", label="discharged at"),
        RelType("ORIGIN", "Declaration", "Country", label="origin"),
        RelType("CLASSIFIED_AS", "Declaration", "Commodity", label="HS"),
        RelType("ON_ROUTE", "Declaration", "Route", label="route"),
        # the shipment units a declaration's goods travel in, with its date and hubs on the
        # edge: what a time-ordered chain of declarations walks (intel.analytics.chains)
        RelType("IN_CONTAINER", "Declaration", "Container", _UNIT_EDGE, label="in container"),
        RelType("UNDER_DOCUMENT", "Declaration", "TransportDocument", {**_UNIT_EDGE, "role": S},
                label="under document"),
        RelType("HAS_IDENTIFIER", "Party", "Identifier", label="has"),
        RelType("MENTION_OF", "Mention", "Party", {"rule": S, "score": D}, label="written as"),
        RelType("SUBMITTED", "RightsHolder", "Tip", label="submitted"),
        RelType("TIP_NAMES", "Tip", "Party", {"score": D, "evidence": S}, label="names"),
        RelType("TIP_IDENT", "Tip", "Identifier", {"score": D, "evidence": S}, label="names"),
        RelType("TIP_PORT", "Tip", "Hub", {"score": D, "evidence": S}, label="names"),
        RelType("TIP_FLAGS", "Tip", "Declaration", {"score": D, "evidence": S}, label="flags"),
        RelType("OUTCOME_OF", "Outcome", "Declaration", label="outcome of"),
    ]
}


def node(label: str) -> NodeType:
    """The node type called ``label``; a clear error for an unknown one."""
    try:
        return NODES[label]
    except KeyError:
        raise KeyError(f"unknown node label {label!r}; known: {', '.join(NODES)}") from None


def rel(rel_type: str) -> RelType:
    """The relationship type called ``rel_type``; a clear error for an unknown one."""
    try:
        return RELS[rel_type]
    except KeyError:
        raise KeyError(f"unknown relationship {rel_type!r}; known: {', '.join(RELS)}") from None
