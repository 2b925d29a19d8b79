"""The projection the analytics work on: a handful of frames read from the store.

Every analytic is a pure function of a :class:`Projection` and the settings, so it can be
tested on small hand-made frames (``Projection.from_frames``) and run the same on either
backend.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from intel.model import NODES

__all__ = ["Projection", "read_projection"]

_ROLE_RELS = {"consignee": "CONSIGNEE", "consignor": "CONSIGNOR", "declarant": "DECLARANT"}


def _empty(label: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(columns=[*NODES[label].columns, *extra])


@dataclass
class Projection:
    """Frames for the analytics.

    - ``decl``: Declaration properties plus ``consignee``, ``consignor``, ``declarant``
      (party ids, or missing).
    - ``parties``: Party properties.
    - ``mentions``: Mention properties plus ``party_id``.
    - ``party_ident``: ``party_id, ident_key, kind, value``.
    - ``hubs``: Hub properties. ``tips``: Tip properties.
    - ``outcomes``: ``decl_key, result, offence, decided_at``.
    """

    decl: pd.DataFrame
    parties: pd.DataFrame
    mentions: pd.DataFrame
    party_ident: pd.DataFrame
    hubs: pd.DataFrame
    tips: pd.DataFrame
    outcomes: pd.DataFrame

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> "Projection":
        """A projection from whichever frames are given; the rest are empty with the right
        columns. Missing columns of a given frame are added as missing values."""
        defaults = {
            "decl": _empty("Declaration", ("consignee", "consignor", "declarant")),
            "parties": _empty("Party"),
            "mentions": _empty("Mention", ("party_id",)),
            "party_ident": pd.DataFrame(columns=["party_id", "ident_key", "kind", "value"]),
            "hubs": _empty("Hub"),
            "tips": _empty("Tip"),
            "outcomes": pd.DataFrame(columns=["decl_key", "result", "offence", "decided_at"]),
        }
        out = {}
        for name, empty in defaults.items():
            given = frames.pop(name, None)
            if given is None:
                out[name] = empty
                continue
            given = given.copy()
            for column in empty.columns:
                if column not in given.columns:
                    given[column] = pd.NA
            out[name] = given
        if frames:
            raise TypeError(f"unknown projection frames: {', '.join(frames)}")
        return cls(**out)

    def sizes(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}


def read_projection(store) -> Projection:  # noqa: ANN001 - any Store
    """Read the projection from a store: node frames plus the role and identifier edges."""
    decl_columns = [c for c in NODES["Declaration"].columns if c not in {"reasons", "extra", "raw"}]
    decl = store.nodes("Declaration", decl_columns)
    for role, rel_type in _ROLE_RELS.items():
        edges = store.rels(rel_type, ["src", "dst"]).drop_duplicates("src")
        decl = decl.merge(edges.rename(columns={"src": "decl_key", "dst": role}), on="decl_key", how="left")
    mentions = store.nodes("Mention")
    mention_of = store.rels("MENTION_OF", ["src", "dst"]).rename(columns={"src": "mention_key", "dst": "party_id"})
    mentions = mentions.merge(mention_of, on="mention_key", how="left")
    idents = store.nodes("Identifier", ["ident_key", "kind", "value"])
    has = store.rels("HAS_IDENTIFIER", ["src", "dst"]).rename(columns={"src": "party_id", "dst": "ident_key"})
    party_ident = has.merge(idents, on="ident_key", how="left")
    outcomes = store.nodes("Outcome")
    outcome_of = store.rels("OUTCOME_OF", ["src", "dst"]).rename(columns={"src": "outcome_key", "dst": "decl_key"})
    outcomes = outcomes.merge(outcome_of, on="outcome_key", how="inner")
    return Projection.from_frames(
        decl=decl,
        parties=store.nodes("Party"),
        mentions=mentions,
        party_ident=party_ident,
        hubs=store.nodes("Hub"),
        tips=store.nodes("Tip"),
        outcomes=outcomes[["decl_key", "result", "offence", "decided_at"]],
    )
