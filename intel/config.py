"""Every setting, declared once with its default and its help text.

Settings come from (later wins): these defaults, a TOML file (``intel.toml`` in the store's
state folder or the path in ``INTEL_CONFIG``), and environment variables ``INTEL_<NAME>``
for scalar settings. ``intel config`` prints them all with their help.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

__all__ = ["Settings", "load_settings", "WATCH_LISTS", "DE_MINIMIS"]

#: Sector watch lists: HS prefixes per priority sector named by the region's customs and
#: industry. Users replace or extend them in intel.toml ([watch_lists] name = ["prefix", ...]).
WATCH_LISTS: dict[str, list[str]] = {
    "tobacco_excise": ["2402", "2403", "2404", "2203", "2204", "2208"],
    "medicines_nutrition": ["3003", "3004", "3002", "2106", "1901"],
    "safety_equipment": ["842410", "853110", "853120", "650610", "9020"],
    "lithium_batteries": ["850650", "850760", "850780"],
    "certification_marks": ["8504", "8536", "8544", "8516", "9503"],
}

#: De minimis thresholds in each reporting country's own currency (goods value below which
#: no duty is collected). Approximate public figures; replace in intel.toml ([de_minimis]).
DE_MINIMIS: dict[str, list[Any]] = {
    "TH": [1500, "THB"],
    "MY": [500, "MYR"],
    "SG": [400, "SGD"],
    "VN": [1000000, "VND"],
    "ID": [3, "USD"],
    "PH": [10000, "PHP"],
    "BN": [400, "BND"],
    "KH": [50, "USD"],
    "LA": [50, "USD"],
    "MM": [50, "USD"],
}


def _help(text: str, default: Any) -> Any:
    if callable(default):
        return field(default_factory=default, metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass
class Settings:
    # Lanes
    lane_mode: str = _help("How lanes are cut: 'score' (thresholds) or 'rate' (target inspection rates).", "rate")
    red_threshold: float = _help("risk_score at or above which a declaration goes red (lane_mode=score).", 0.6)
    yellow_threshold: float = _help("risk_score at or above which a declaration goes yellow (lane_mode=score).", 0.35)
    red_rate: float = _help("Share of declarations sent red (lane_mode=rate).", 0.05)
    yellow_rate: float = _help("Share of declarations sent yellow (lane_mode=rate), on top of red.", 0.10)
    # Trusted traders
    aeo_discount: dict[str, float] = _help(
        "Risk multiplier per AEO tier (facilitation for trusted traders).",
        lambda: {"1": 0.8, "2": 0.65, "3": 0.5},
    )
    # Sector priorities
    watch_lists: dict[str, list[str]] = _help("HS prefix watch lists per priority sector.", lambda: dict(WATCH_LISTS))
    de_minimis: dict[str, list[Any]] = _help("De minimis threshold per reporting country: [amount, currency].", lambda: dict(DE_MINIMIS))
    de_minimis_band: float = _help("A parcel within this fraction below the threshold counts as 'just under'.", 0.25)
    # Fictitious consignees
    new_company_days: int = _help("A consignee first shipping within this many days of registration is 'newly registered'.", 90)
    shared_identifier_breadth: int = _help(
        "An identifier shared by more parties than this, most of them established, is treated as a "
        "registered-agent / business-park identifier and discounted.", 25)
    # Valuation
    undervalue_ratio: float = _help("Unit value below this fraction of the HS6/origin median is undervaluation.", 0.35)
    overvalue_ratio: float = _help("Unit value above this multiple of the HS6/origin median is over-invoicing.", 4.0)
    min_peer_group: int = _help("Fewest peer declarations for a unit-value norm.", 8)
    # Routes
    circuity_ratio: float = _help("Route distance over direct distance above which a route is circuitous.", 1.6)
    legitimate_hubs: list[str] = _help(
        "Large transshipment hubs whose presence on a route is not suspicious by itself.",
        lambda: ["SGSIN", "HKHKG", "MYTPP", "MYPKG", "KRPUS", "AEJEA", "NLRTM"],
    )
    # Communities
    community_algorithm: str = _help("'leiden' (igraph's C Leiden, default), 'leidenalg', 'multilevel' (igraph Louvain) or 'louvain' (networkx; slow).", "leiden")
    community_seed: int = _help("Seed for community detection, so community ids are stable.", 42)
    # Tips
    tip_name_threshold: float = _help("Fuzzy name score (0-100) for a tip suspect to match a party.", 88.0)
    # Learning
    learn_min_outcomes: int = _help("Fewest labelled outcomes before a model is trained.", 200)
    learn_weight: float = _help("Weight of the learned model in the final risk score (rest: rules).", 0.5)
    # Display
    explorer_node_cap: int = _help("Most nodes the network explorer draws at once.", 150)
    # Routes, risk and learning (routes.py, risk.py, learn.py)
    preferential_origins: list[str] = _help(
        "Declared origins that earn preferential duty treatment (ASEAN/ATIGA by default): goods "
        "claiming one of them while loaded in another country weigh more as origin laundering.",
        lambda: ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"],
    )
    circuity_min_extra_km: float = _help(
        "A circuitous route must also add at least this many km over the direct distance "
        "(short hops give large ratios for small detours).", 800.0)
    rare_route_share: float = _help(
        "A route carrying at most this share of its lane (origin, destination, HS chapter) is rare "
        "when the lane has a dominant route.", 0.05)
    route_min_lane: int = _help("Fewest declarations in a lane before its routes are judged rare or common.", 20)
    risk_weights: dict[str, float] = _help(
        "Weight of each part in the combined risk score (noisy-OR of weight x part score): "
        "consignee, valuation, deminimis, tips, route, community, watch_list, history. Third-party tips "
        "weigh less than the analytics' own evidence: a tip alone does not outrank a corroborated finding.",
        lambda: {"consignee": 0.9, "valuation": 0.8, "deminimis": 0.7, "tips": 0.7, "route": 0.9,
                 "community": 0.6, "watch_list": 0.15, "history": 0.6},
    )
    # Chains of declarations through free zones and bonded warehouses (chains.py)
    chain_max_dwell_days: int = _help(
        "Longest time between a shipment unit's arrival under one declaration and its departure under "
        "a later one that still links the two (a chain through a free zone or bonded warehouse).", 180)
    chain_processing_days: int = _help(
        "A dwell shorter than this many days leaves no time for the manufacturing that would confer a "
        "new origin (the shorter, the stronger the origin-laundering signal).", 30)
    chain_max_hops: int = _help("Most declaration-to-declaration hops a chain is followed through.", 3)
    high_duty_hs: list[str] = _help(
        "HS prefixes of goods under trade remedies or high duties, the usual targets of origin laundering "
        "(steel, aluminium, tyres, solar cells, furniture, bicycles, tobacco).",
        lambda: ["72", "73", "76", "4011", "854142", "854143", "9403", "8712", "2402", "2403"],
    )
    learn_test_share: float = _help(
        "Share of the labelled outcomes, latest by decision date, held out to test the learned model.", 0.3)
    # De minimis, tips and communities (deminimis.py, tips.py, communities.py)
    de_minimis_window_days: int = _help(
        "Just-under parcels to one consignee (or to consignees sharing a phone, e-mail or address) "
        "whose dates are at most this many days minus one apart form one burst (split consignment).", 3)
    tip_lookback_days: int = _help(
        "A tip flags declarations made at most this many days before it was submitted (and none "
        "after its valid_until).", 180)
    community_resolution: float = _help(
        "Resolution of Leiden/Louvain community detection: above 1 gives smaller communities.", 1.0)
    community_iterations: int = _help("Most Leiden iterations (bounded so large graphs finish).", 5)
    community_member_threshold: float = _help(
        "A member whose consignee score is at least this counts as a member with findings.", 0.6)

    def describe(self) -> list[tuple[str, Any, str]]:
        """(name, value, help) for every setting."""
        return [(f.name, getattr(self, f.name), f.metadata.get("help", "")) for f in fields(self)]


def _coerce(value: str, current: Any) -> Any:
    if isinstance(current, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    return value


def load_settings(state_dir: Path | None = None, path: Path | None = None) -> Settings:
    """Defaults, then a TOML file, then ``INTEL_<NAME>`` environment variables."""
    settings = Settings()
    candidates = [path, os.environ.get("INTEL_CONFIG"), state_dir / "intel.toml" if state_dir else None]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            data = tomllib.loads(Path(candidate).read_text(encoding="utf-8"))
            known = {f.name for f in fields(settings)}
            unknown = set(data) - known
            if unknown:
                raise ValueError(f"{candidate}: unknown settings {', '.join(sorted(unknown))}")
            for name, value in data.items():
                setattr(settings, name, value)
            break
    for f in fields(settings):
        env = os.environ.get(f"INTEL_{f.name.upper()}")
        current = getattr(settings, f.name)
        if env is not None and isinstance(current, (str, int, float, bool)):
            setattr(settings, f.name, _coerce(env, current))
    return settings
