"""A load interrupted between removing an absorbed party and re-linking its mentions is
completed by running it again."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import ingest_files
from intel.demo import sample_world_dir
from intel.store import open_store


def _unlinked(store) -> tuple[int, int]:  # noqa: ANN001
    mentions = set(store.nodes("Mention", ["mention_key"])["mention_key"])
    linked = set(store.rels("MENTION_OF", ["src", "dst"])["src"])
    decl = store.nodes("Declaration", ["decl_key", "consignee_mention"]).dropna()
    with_edge = set(store.rels("CONSIGNEE", ["src", "dst"])["src"])
    return len(mentions - linked), int((~decl["decl_key"].isin(with_edge)).sum())


def test_a_party_lost_mid_merge_is_recovered_by_the_next_load(tmp_path: Path) -> None:
    declarations = sample_world_dir() / "declarations.csv"
    with open_store(f"embedded:{tmp_path / 'store'}") as store:
        ingest_files(store, "declarations", [declarations])
        assert _unlinked(store) == (0, 0)
        consignees = set(store.rels("CONSIGNEE", ["src", "dst"])["dst"])
        parties = store.nodes("Party", ["party_id", "mention_count"]).sort_values("mention_count")
        victims = parties.loc[parties["party_id"].isin(consignees), "party_id"].tail(3).tolist()
        store.delete_nodes("Party", victims)  # what a kill -9 after the delete would leave
        orphans, bare = _unlinked(store)
        assert orphans > 0 and bare > 0

        # the next load is of another file: the orphans are not among its rows
        ingest_files(store, "parties", [sample_world_dir() / "parties.csv"])
        assert _unlinked(store) == (0, 0)
