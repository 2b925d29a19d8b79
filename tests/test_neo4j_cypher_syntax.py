"""Every statement the Neo4j backend can send, checked offline with Neo4j's own Cypher
parser (``tools/cypher_check``, ``@neo4j-cypher/language-support``) as Cypher 5 and 25.

Needs ``node`` and ``npm ci --prefix tools/cypher_check``; without them the tests are
skipped with a reason saying which is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from intel import model
from intel.store import neo4j_cypher

TOOL = Path(__file__).resolve().parents[1] / "tools" / "cypher_check"
NODE = shutil.which("node")
INSTALLED = (TOOL / "node_modules" / "@neo4j-cypher" / "language-support").is_dir()

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node not found: the Cypher syntax check did not run"),
    pytest.mark.skipif(not INSTALLED, reason=("tools/cypher_check not installed (run `npm ci "
                       "--prefix tools/cypher_check`): the Cypher syntax check did not run")),
]


BROKEN = {
    "broken: unclosed map": (("UNWIND $rows AS row MERGE (n:`Party` {`party_id`: row.key) "
                              "SET n += row.props"), "Invalid input"),
    "broken: misspelt keyword": ("MATCH (n:`Party`) RETRUN n", "Invalid input 'RETRUN'"),
    "broken: undefined variable": ("MATCH (n:`Party`) RETURN m", "not defined"),
}


def check(statements: list[tuple[str, str]]) -> tuple[int, dict]:
    payload = json.dumps([{"name": n, "cypher": c} for n, c in statements])
    done = subprocess.run([NODE, str(TOOL / "check.js")], input=payload, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def report() -> dict:
    """One run of the checker over every backend statement plus the broken ones."""
    statements = list(neo4j_cypher.all_statements())
    status, result = check(statements + [(name, c) for name, (c, _) in BROKEN.items()])
    assert status == 1  # the broken statements must fail the run
    result["statements"] = statements
    return result


def test_every_statement_the_neo4j_backend_can_send_parses_as_cypher_5_and_25(report):
    problems = [f"{e['name']} [{e['version']}]: {e['message']}\n  {e['cypher']}"
                for e in report["errors"] if e["name"] not in BROKEN]
    assert not problems, "\n".join(problems)
    assert report["checked"] == len(report["statements"]) + len(BROKEN)
    assert report["versions"] == ["CYPHER 5", "CYPHER 25"]


def test_the_statements_checked_cover_every_label_and_relationship_type():
    names = {name for name, _ in neo4j_cypher.all_statements()}
    assert {f"merge_nodes({label})" for label in model.NODES} <= names
    assert {f"node_page({label})" for label in model.NODES} <= names
    assert {f"merge_rels({rel})" for rel in model.RELS} <= names
    assert {f"expand({rel}, in)" for rel in model.RELS} <= names


@pytest.mark.parametrize("name", list(BROKEN))
def test_the_checker_rejects_a_broken_statement(report, name):
    complaint = BROKEN[name][1]
    messages = [e["message"] for e in report["errors"] if e["name"] == name]
    assert messages and any(complaint in m for m in messages), messages
