"""Shared evidence the analytics compute the same way: typed columns, currency rates,
per-party activity and standing, and which identifiers link which parties.

Everything here is vectorised (pandas/numpy group-bys) and tolerant of missing columns and
values: an unknown registry date, phone or status is *no evidence*, never a crash and never
evidence of suspicion.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from intel.analytics.projection import Projection

__all__ = [
    "ADVERSE_RESULT",
    "ADVERSE_STATUS",
    "HIGH_VALUE_PROCEDURES",
    "KIND_WEIGHT",
    "PartyLinks",
    "column",
    "declarations",
    "held_identifiers",
    "identifier_links",
    "identifier_pairs",
    "member",
    "name_key",
    "number",
    "party_profile",
    "reference_time",
    "text",
    "timestamp",
    "usd_rates",
    "usd_value",
]

#: How strongly sharing one identifier of each kind links two differently-named parties.
#: Phones, e-mails and tax ids are personal to a business; an address is shared by every
#: tenant of an office tower or an apartment block, so it counts for less.
KIND_WEIGHT = {"phone": 1.0, "email": 1.0, "tax_id": 1.0, "address": 0.6}
#: Declaration statuses and inspection results that count against the consignee.
ADVERSE_STATUS = frozenset({"abandoned", "seized"})
ADVERSE_RESULT = frozenset({"seized", "non_compliant"})
#: Procedures that are never de minimis consignments (low-value parcels clear as express,
#: ecommerce or postal; a declaration with no procedure is judged on its value alone).
HIGH_VALUE_PROCEDURES = frozenset({"standard", "transit", "ftz", "bonded"})
#: Identifiers held by more parties than this link no pairs: far more holders than any ring
#: has fronts, they are services (a parcel forwarder's address, a courier's phone).
PAIR_CAP = 400

DAY = np.timedelta64(1, "D")


# --------------------------------------------------------------------------- typed columns
def column(df: pd.DataFrame, name: str) -> pd.Series:
    """``df[name]``, or an all-missing column when the frame lacks it."""
    if name in df.columns:
        return df[name]
    return pd.Series(pd.NA, index=df.index, dtype=object)


def text(s: pd.Series, lower: bool = False) -> pd.Series:
    """Stripped text (pandas ``str`` dtype), missing as ''."""
    out = s.astype("str").fillna("").str.strip()
    return out.str.lower() if lower else out


def number(s: pd.Series) -> pd.Series:
    """Floats, missing / unparseable as NaN."""
    return pd.to_numeric(s, errors="coerce").astype(float)


def timestamp(s: pd.Series) -> pd.Series:
    """Naive UTC datetimes, missing / unparseable as NaT."""
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s
    else:
        out = pd.to_datetime(s.astype(object).where(s.notna(), None), errors="coerce", utc=True, format="mixed")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out.astype("datetime64[ns]")


def member(values: pd.Series, of) -> np.ndarray:
    """``values.isin(of)`` as a boolean array, through a hash index: fast for big key sets
    (pandas' ``isin`` on Arrow strings builds one Python object per key)."""
    index = pd.Index(list(of) if isinstance(of, (set, frozenset)) else of).unique()
    if not len(index) or not len(values):
        return np.zeros(len(values), dtype=bool)
    return index.get_indexer(values) >= 0


def declarations(proj: Projection, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """The declaration columns the analytics use, typed: dates as datetimes, amounts as
    floats, codes as stripped text (lower-case for controlled vocabularies), party ids as
    text with missing as ''. ``value_usd`` falls back to ``customs_value`` converted at the
    data's own rate for its currency (see :func:`usd_rates`)."""
    d = proj.decl
    out = pd.DataFrame(index=d.index)
    out["decl_key"] = text(column(d, "decl_key"))
    out["declaration_id"] = text(column(d, "declaration_id"))
    out["reporting_country"] = text(column(d, "reporting_country")).str.upper()
    out["declared_at"] = timestamp(column(d, "declared_at"))
    for name in ("consignee", "consignor", "declarant"):
        out[name] = text(column(d, name))
    for name in ("procedure", "status", "inspection_result", "flow", "transport_mode"):
        out[name] = text(column(d, name), lower=True)
    out["currency"] = text(column(d, "currency")).str.upper()
    for name in ("customs_value", "value_usd", "gross_mass_kg", "quantity"):
        out[name] = number(column(d, name))
    for name in columns:
        if name not in out.columns:
            out[name] = text(column(d, name))
    missing = out["value_usd"].isna() & out["customs_value"].notna()
    if missing.any():
        out.loc[missing, "value_usd"] = usd_value(out.loc[missing], usd_rates(out))
    return out.reset_index(drop=True)


def reference_time(d: pd.DataFrame) -> pd.Timestamp:
    """The analysis date: the latest declaration (deterministic, unlike 'now')."""
    ref = d["declared_at"].max() if len(d) else pd.NaT
    return ref if pd.notna(ref) else pd.Timestamp("1970-01-01")


# --------------------------------------------------------------------------- currencies
@functools.lru_cache(maxsize=1)
def _reference_rates() -> dict[str, float]:
    """Median USD per unit of each currency in the shipped reference table (if present)."""
    try:
        with resources.files("ingest").joinpath("reference/rates.csv").open("rb") as handle:
            table = pd.read_csv(handle)
    except (OSError, ModuleNotFoundError, ValueError, KeyError):
        return {}
    table["usd_per_unit"] = number(table["usd_per_unit"])
    return table.groupby(text(table["currency"]).str.upper())["usd_per_unit"].median().dropna().to_dict()


def usd_rates(d: pd.DataFrame) -> dict[str, float]:
    """USD per unit of each currency: the data's own (median of ``value_usd / customs_value``
    over rows carrying both), else the shipped reference table; USD is 1."""
    rates = dict(_reference_rates())
    both = d["value_usd"].gt(0) & d["customs_value"].gt(0) & d["currency"].ne("")
    if both.any():
        ratio = (d.loc[both, "value_usd"] / d.loc[both, "customs_value"])
        rates.update(ratio.groupby(d.loc[both, "currency"]).median().to_dict())
    rates["USD"] = 1.0
    return rates


def usd_value(d: pd.DataFrame, rates: dict[str, float]) -> pd.Series:
    """``value_usd`` where known, else ``customs_value`` at the currency's rate (currency
    missing: USD, per the data contract's default)."""
    cur = d["currency"].where(d["currency"].ne(""), "USD")
    converted = d["customs_value"] * cur.map(rates).astype(float)
    return d["value_usd"].where(d["value_usd"].notna(), converted)


# --------------------------------------------------------------------------- parties
def name_key(names: pd.Series) -> pd.Series:
    """A cheap order-insensitive name key (case, punctuation and word order folded), used to
    tell 'differently-named' parties apart."""
    tokens = text(names, lower=True).str.replace(r"[\W_]+", " ", regex=True).str.split()
    return tokens.map(lambda t: " ".join(sorted(t)) if isinstance(t, list) else "")


def _registry_members(proj: Projection, parties: pd.DataFrame) -> tuple[bool, set[str]]:
    """Whether a trader registry was loaded, and which parties it lists.

    The registry's mentions carry scope ``registry``; a projection without mention scopes
    (hand-made frames) falls back to 'a party with a registration date or AEO tier came
    from the registry'."""
    m = proj.mentions
    scope = text(column(m, "scope"), lower=True)
    if len(m) and scope.ne("").any():
        listed = set(text(column(m, "party_id"))[scope.eq("registry")])
        listed.discard("")
        return bool(listed), listed
    known = parties["registered_at"].notna() | parties["aeo_tier"].ne("")
    listed = set(parties.index[known])
    return bool(listed), listed


def party_profile(proj: Projection, cfg, d: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per party (index ``party_id``): its registry record, its activity as
    consignee and as consignor, and how *established* it is.

    ``established`` (0..1) is the strongest of: an AEO tier (1); registered long before its
    first shipment (0 at one year, 1 at three); many trading partners (0 at two, 1 at ten);
    a long record (at least four declarations over 3 to 12 months: 0 to 1). Missing evidence
    adds nothing. ``established_record`` is the same without the AEO tier."""
    d = declarations(proj) if d is None else d
    p = proj.parties
    parties = pd.DataFrame({
        "party_id": text(column(p, "party_id")),
        "display_name": text(column(p, "display_name")),
        "country": text(column(p, "country")).str.upper(),
        "registered_at": timestamp(column(p, "registered_at")),
        "aeo_tier": text(column(p, "aeo_tier")).str.replace(r"\.0$", "", regex=True),
    })
    parties = parties[parties["party_id"].ne("")].drop_duplicates("party_id").set_index("party_id")
    parties["aeo_tier"] = parties["aeo_tier"].where(~parties["aeo_tier"].isin({"0", "none", "None"}), "")

    # activity, on integer party codes (one factorisation of all three roles)
    n = len(d)
    code, ids = pd.factorize(pd.concat([d["consignee"], d["consignor"], d["declarant"]], ignore_index=True))
    known = np.ones(len(code), dtype=bool) if not (ids == "").any() else code != ids.get_loc("")
    ce, co = code[:n], code[n:2 * n]
    when = d["declared_at"].to_numpy()
    act = pd.DataFrame(index=pd.Index(ids, name="party_id"))
    for role, rows in (("in", known[:n]), ("any", known)):
        g = pd.Series(np.tile(when, 3)[rows] if role == "any" else when[rows]).groupby(code[rows] if role == "any" else ce[rows])
        act[f"first_{role}"] = g.min().reindex(range(len(ids))).to_numpy()
        act[f"last_{role}"] = g.max().reindex(range(len(ids))).to_numpy()
    act["n_as_consignee"] = np.bincount(ce[known[:n]], minlength=len(ids))
    act["n_as_consignor"] = np.bincount(co[known[n:2 * n]], minlength=len(ids))
    act["n_any"] = np.bincount(code[known], minlength=len(ids))
    both = known[:n] & known[n:2 * n]
    pairs = np.unique(ce[both].astype(np.int64) * len(ids) + co[both])
    act["n_consignors"] = np.bincount(pairs // len(ids), minlength=len(ids))
    act["n_consignees"] = np.bincount(pairs % len(ids), minlength=len(ids))
    act = act[act.index != ""]

    prof = parties.join(act, how="outer")
    prof.index.name = "party_id"
    prof["display_name"] = prof["display_name"].fillna("")
    prof["country"] = prof["country"].fillna("")
    prof["aeo_tier"] = prof["aeo_tier"].fillna("")
    for c in ("n_as_consignee", "n_consignors", "n_as_consignor", "n_consignees", "n_any"):
        prof[c] = prof[c].fillna(0).astype(int)

    exists, listed = _registry_members(proj, prof)
    prof["registry_exists"] = exists
    prof["in_registry"] = member(prof.index.to_series(), listed) if exists else False
    first = prof["first_in"].fillna(prof["first_any"])
    prof["days_registered_before_first"] = (first - prof["registered_at"]) / DAY

    ref = reference_time(d)
    age = ((first.fillna(ref) - prof["registered_at"]) / DAY).to_numpy(dtype=float)
    partners = (prof["n_consignors"] + prof["n_consignees"]).to_numpy(dtype=float)
    span = ((prof["last_any"] - prof["first_any"]) / DAY).fillna(0).to_numpy(dtype=float)
    e_aeo = prof["aeo_tier"].ne("").to_numpy(dtype=float)
    e_reg = np.nan_to_num(np.clip((age - 365) / 730, 0, 1))
    e_partners = np.clip((partners - 2) / 8, 0, 1)
    e_span = np.where(prof["n_any"].to_numpy() >= 4, np.clip((span - 90) / 275, 0, 1), 0.0)
    prof["established_record"] = np.maximum.reduce([e_reg, e_partners, e_span])
    prof["established"] = np.maximum(prof["established_record"].to_numpy(), e_aeo)
    prof["new_company"] = prof["days_registered_before_first"].le(cfg.new_company_days)
    return prof


# --------------------------------------------------------------------------- identifiers
def held_identifiers(proj: Projection) -> pd.DataFrame:
    """``party_id, ident_key, kind, value``: one row per party and identifier it holds
    (identifiers with an empty value dropped; kind and value read from the key when absent)."""
    pi = proj.party_ident
    held = pd.DataFrame({
        "party_id": text(column(pi, "party_id")),
        "ident_key": text(column(pi, "ident_key")),
        "kind": text(column(pi, "kind"), lower=True),
        "value": text(column(pi, "value")),
    })
    if len(held):
        split = held["ident_key"].str.partition(":")
        held["kind"] = held["kind"].where(held["kind"].ne(""), split[0].str.lower())
        held["value"] = held["value"].where(held["value"].ne(""), split[2])
    held = held[held["party_id"].ne("") & held["ident_key"].ne("") & held["value"].ne("")]
    return held.drop_duplicates(["party_id", "ident_key"]).reset_index(drop=True)


def identifier_links(proj: Projection, prof: pd.DataFrame, cfg,
                     held: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which parties hold which identifier, and what each identifier is worth as a link.

    Returns ``(held, idents)``: ``held`` is ``party_id, ident_key, kind, value, name_key``
    (one row per party and identifier, identifiers with an empty value dropped; the name key
    of holders of shared identifiers); ``idents`` is one
    row per identifier held by two or more parties: ``kind, value, n_parties, n_names``
    (distinct name keys), ``established_share`` (mean standing of its holders), ``n_new``
    (holders registered within ``new_company_days`` of their first shipment),
    ``breadth`` (True for a registered-agent / business-park identifier) and ``weight``.

    Breadth rule: an identifier held by more than ``cfg.shared_identifier_breadth`` parties
    is a service identifier (registered agent, business park, forwarder) when most holders
    are established; its weight falls from 1 (none established) to 0 (half or more
    established). Every weight is multiplied by its kind's :data:`KIND_WEIGHT`."""
    held = held_identifiers(proj) if held is None else held
    shared = held[held.groupby("ident_key")["party_id"].transform("size").ge(2)]
    info = prof.reindex(shared["party_id"])
    holders = pd.Index(pd.unique(shared["party_id"]))
    display = prof["display_name"].reindex(holders).fillna("")
    keys = pd.Series(name_key(display.where(display.ne(""), holders.to_series())).to_numpy(), index=holders)
    held = held.assign(name_key=held["party_id"].map(keys).astype("str").fillna(""))
    shared = shared.assign(
        name_key=shared["party_id"].map(keys).astype("str").fillna("").to_numpy(),
        established=info["established"].fillna(0).to_numpy(),
        new_company=info["new_company"].fillna(False).to_numpy(dtype=bool),
    )
    g = shared.groupby("ident_key")
    idents = pd.DataFrame({
        "kind": g["kind"].first(),
        "value": g["value"].first(),
        "n_parties": g.size(),
        "n_names": g["name_key"].nunique(),
        "established_share": g["established"].mean(),
        "n_new": g["new_company"].sum().astype(int),
    })
    broad = idents["n_parties"] > cfg.shared_identifier_breadth
    legit = np.clip(1 - idents["established_share"].astype(float).to_numpy() / 0.5, 0, 1)
    idents["breadth"] = broad & idents["established_share"].ge(0.5)
    idents["weight"] = np.where(broad, legit, 1.0) * idents["kind"].map(KIND_WEIGHT).astype(float).fillna(0.5).to_numpy()
    return held, idents


def identifier_pairs(held: pd.DataFrame, idents: pd.DataFrame, cap: int = PAIR_CAP) -> pd.DataFrame:
    """Ordered pairs ``party_id, other_id`` of differently-named parties linked through a
    usable identifier (weight > 0, at most ``cap`` holders), with ``ident_key, kind, value,
    weight``; ``held`` and ``idents`` as :func:`identifier_links` returns them. Both
    directions are present."""
    usable = idents.index[(idents["weight"] > 0) & (idents["n_parties"] <= cap) & (idents["n_names"] >= 2)]
    h = held[member(held["ident_key"], usable)][["party_id", "ident_key", "name_key"]]
    if h.empty:
        return pd.DataFrame(columns=["party_id", "other_id", "ident_key", "kind", "value", "weight"])
    pairs = h.merge(h.rename(columns={"party_id": "other_id", "name_key": "other_name"}), on="ident_key")
    pairs = pairs[(pairs["party_id"] != pairs["other_id"]) & (pairs["name_key"] != pairs["other_name"])]
    pairs = pairs.drop(columns=["name_key", "other_name"])
    return pairs.join(idents[["kind", "value", "weight"]], on="ident_key").reset_index(drop=True)


def identifier_clusters(pairs: pd.DataFrame, max_size: int = 50) -> pd.Series:
    """Groups of parties joined (directly or through others) by shared usable identifiers:
    a Series ``party_id -> cluster id`` (the smallest member id) for parties in a group of
    2..``max_size``; larger chains are left out (they join unrelated traders)."""
    if pairs.empty:
        return pd.Series(dtype=object)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ids = pd.Index(pd.unique(pd.concat([pairs["party_id"], pairs["other_id"]])))
    a, b = ids.get_indexer(pairs["party_id"]), ids.get_indexer(pairs["other_id"])
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    _, label = connected_components(graph, directed=False)
    comp = pd.Series(label, index=ids)
    sizes = comp.map(comp.value_counts())
    comp = comp[sizes.between(2, max_size)]
    smallest = pd.Series(comp.index, index=comp.index).groupby(comp.to_numpy()).transform("min")
    return pd.Series(smallest.to_numpy(), index=comp.index)


@dataclass(frozen=True)
class PartyLinks:
    """What the de minimis and consignee analytics both derive from a projection, worked out
    once and handed to each: the typed declarations ``d`` (with the extra ``columns`` asked
    for), the party profile, the identifiers held (``held``, as :func:`held_identifiers`),
    the identifier links (``linked, idents``, as :func:`identifier_links`) and the identifier
    pairs (:func:`identifier_pairs`)."""

    d: pd.DataFrame
    prof: pd.DataFrame
    held: pd.DataFrame
    linked: pd.DataFrame
    idents: pd.DataFrame
    pairs: pd.DataFrame

    @classmethod
    def of(cls, proj: Projection, cfg, columns: tuple[str, ...] = ()) -> PartyLinks:
        d = declarations(proj, columns)
        prof = party_profile(proj, cfg, d)
        held = held_identifiers(proj)
        linked, idents = identifier_links(proj, prof, cfg, held)
        return cls(d, prof, held, linked, idents, identifier_pairs(linked, idents))
