"""World shapes. A profile changes proportions and noise, never the file formats."""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Profile:
    name: str
    # share of declaration rows per planted scheme
    scheme_share: dict[str, float] = field(default_factory=lambda: {
        "shell_ring": 0.016, "origin_laundering": 0.013, "counterfeit": 0.014,
        "de_minimis_split": 0.016, "undervaluation": 0.010})
    # share of declaration rows in each legitimate look-alike of a laundering chain
    trap_share: dict[str, float] = field(default_factory=lambda: {
        "ftz_processing": 0.004, "transshipment": 0.004, "consolidation": 0.003, "container_reuse": 0.002})
    chain_laundering_share: float = 0.5           # of the origin-laundering rows: the two-declaration variant
    ring_size: tuple[int, int] = (3, 12)          # members per shell ring (inclusive)
    rows_per_ring: int = 20
    small_parcel_share: float = 0.38              # legit rows that are express/ecommerce/postal
    hub_transit_share: float = 0.95               # legit CN->ASEAN sea flows via SGSIN/HKHKG
    p_id_given: float = 0.85                      # a legit mention carries the party's id
    p_phone: float = 0.75                         # a mention carries a phone
    p_email: float = 0.55                         # a mention carries an email
    p_address: float = 0.95
    name_noise: float = 0.12                      # probability a mention variant is a noisy spelling
    p_optional_missing: float = 0.04              # optional shipment fields blanked
    malformed_rate: float = 0.005
    inspect_rate: float = 0.045                   # legit declarations inspected
    inspect_rate_illicit: float = 0.35
    registry_coverage: float = 0.9                # domestic legit parties present in parties.csv
    countries: tuple[str, ...] = ("TH", "MY", "SG", "VN", "ID", "PH")
    country_weights: tuple[float, ...] = (0.22, 0.2, 0.16, 0.16, 0.14, 0.12)


DEFAULT = Profile(name="default")

SPARSE = replace(
    DEFAULT, name="sparse", p_id_given=0.2, p_phone=0.35, p_email=0.2, p_address=0.8,
    name_noise=0.35, p_optional_missing=0.3, registry_coverage=0.6,
    scheme_share={"shell_ring": 0.014, "origin_laundering": 0.012, "counterfeit": 0.012,
                  "de_minimis_split": 0.014, "undervaluation": 0.009},
)

HEAVY = replace(
    DEFAULT, name="heavy", ring_size=(6, 20), rows_per_ring=40, small_parcel_share=0.6,
    trap_share={"ftz_processing": 0.008, "transshipment": 0.008, "consolidation": 0.006, "container_reuse": 0.004},
    scheme_share={"shell_ring": 0.035, "origin_laundering": 0.025, "counterfeit": 0.025,
                  "de_minimis_split": 0.03, "undervaluation": 0.02},
    countries=("TH", "MY", "SG", "VN", "ID", "PH", "KH"),
    country_weights=(0.2, 0.18, 0.15, 0.15, 0.13, 0.12, 0.07),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (DEFAULT, SPARSE, HEAVY)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}") from None
