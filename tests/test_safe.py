"""Escaping, CSV formula neutralising, offline network drawings."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest

from intel.safe import (
    OfflineError, csv_bytes, external_resource_urls, external_urls, html_escape, make_offline, md_escape,
    network_html, neutralise_csv_formula, vis_label,
)

HOSTILE = "<img src=x onerror=alert(1)>"


def test_html_escape():  # noqa: ANN201
    assert html_escape(HOSTILE) == "&lt;img src=x onerror=alert(1)&gt;"
    assert html_escape('"quoted" & \'single\'') == "&quot;quoted&quot; &amp; &#x27;single&#x27;"
    assert html_escape(None) == "" and html_escape(float("nan")) == "" and html_escape(pd.NA) == ""
    assert html_escape(["<a>", "b"]) == "&lt;a&gt;; b"
    assert html_escape(12.5) == "12.5"


def test_md_escape_leaves_no_markup():  # noqa: ANN201
    out = md_escape(f"{HOSTILE} [click](javascript:alert(1)) **bold** $x$ :material/home: it's\nnext")
    # every ASCII punctuation character is backslash-escaped (CommonMark shows it as written)
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[A-Za-z0-9 ])*", out), out
    assert out.startswith("\\<img src\\=x onerror\\=alert\\(1\\)\\>")
    assert "\n" not in out and md_escape(None) == ""


def test_vis_label_has_no_markup_characters():  # noqa: ANN201
    assert vis_label(HOSTILE) == "\u2039img src=x onerror=alert(1)\u203a"
    assert vis_label("Smith & Sons") == "Smith & Sons"
    assert vis_label("a\nb\x00c") == "a b c"
    assert len(vis_label("x" * 100)) == 40


def test_neutralise_csv_formula():  # noqa: ANN201
    df = pd.DataFrame({
        "name": ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "safe", None, "a=b"],
        "n": [1, -2, 3, 4, 5, 6, 7, 8, 9],
        "=col": ["x"] * 9,
    })
    out = neutralise_csv_formula(df)
    assert out["name"].tolist()[:7] == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTab", "'\rCR", "safe"]
    assert pd.isna(out["name"].iloc[7]) and out["name"].iloc[8] == "a=b"
    assert out["n"].tolist() == df["n"].tolist()  # numbers untouched
    assert list(out.columns) == ["name", "n", "'=col"]
    assert df["name"].iloc[0].startswith("=")  # the input is not modified


def test_csv_bytes_round_trip():  # noqa: ANN201
    df = pd.DataFrame({"party": ["=cmd|' /C calc'!A0", "Acme"], "reasons": [["-shares phone", "new"], []],
                       "score": [0.9, 0.1]})
    rows = list(csv.reader(io.StringIO(csv_bytes(df).decode("utf-8-sig"))))
    assert rows[0] == ["party", "reasons", "score"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "'-shares phone; new", "0.9"]
    assert rows[2] == ["Acme", "", "0.1"]


def _network(names: list[str]):  # noqa: ANN202
    from pyvis.network import Network

    net = Network(cdn_resources="in_line", directed=True)
    for i, name in enumerate(names):
        net.add_node(f"n{i}", label=vis_label(name), title=f"<b>Party</b>: {html_escape(name)}")
    net.add_edge("n0", "n1", label="consigned to", title=html_escape("<script>alert(2)</script>"))
    return net


def test_network_html_needs_no_internet():  # noqa: ANN201
    page = network_html(_network([HOSTILE, "https://evil.example/x.js", "</script><script>alert(3)</script>"]))
    assert external_urls(page) == []
    assert external_resource_urls(page) == []
    assert not re.search(r"https?://", re.sub(r"http://www\.w3\.org/[0-9A-Za-z/]+", "", page))
    assert "bootstrap" not in page.lower() or "cdn.jsdelivr" not in page
    assert "vis.Network" in page  # the library is inlined ...
    assert "intelReady" in page  # ... and the tooltip converter is in
    # data reaches the page only JSON-escaped (no raw tag can close the script)
    assert "<img src=x" not in page and "</script><script>alert(3)" not in page
    data = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1)
    nodes = json.loads(data)
    assert nodes[0]["title"] == "<b>Party</b>: &lt;img src=x onerror=alert(1)&gt;"
    assert "<" not in nodes[0]["label"]


def test_the_raw_pyvis_page_would_not_be_offline():  # noqa: ANN201
    net = _network(["a", "b"])
    raw = net.generate_html()
    assert external_resource_urls(raw), "pyvis no longer links a CDN? then simplify network_html"
    assert external_urls(make_offline(raw)) == []


def test_offline_checks():  # noqa: ANN201
    assert external_resource_urls('<img src="https://tiles.example/1.png">')
    assert external_resource_urls("<style>@import url(//fonts.example/a.css)</style>")
    assert external_resource_urls("<div style=\"background:url('https://x.example/a.png')\">")
    assert external_urls('<svg xmlns="http://www.w3.org/2000/svg"></svg>') == []
    assert make_offline('<link rel="stylesheet" href="https://cdn.example/a.css"><p>see https://x.example</p>') == \
        "<p>see x.example</p>"


def test_network_html_requires_inline_resources():  # noqa: ANN201
    from pyvis.network import Network

    with pytest.raises(ValueError, match="in_line"):
        network_html(Network(cdn_resources="remote"))


def test_offline_error_is_raised_for_leftovers(monkeypatch):  # noqa: ANN001
    import intel.safe as safe

    monkeypatch.setattr(safe, "_EXTERNAL_TAG", re.compile(r"(?!x)x"))  # pretend the tag stripping missed one
    monkeypatch.setattr(safe, "_URL", re.compile(r"(?!x)x"))
    with pytest.raises(OfflineError):
        safe.make_offline('<script src="https://cdn.example/a.js"></script>')
