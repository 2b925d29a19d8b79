"""Escaping and neutralising helpers for anything from the data that reaches a browser or a
spreadsheet.

Party names, goods descriptions, tip texts and imported case packages are attacker-controlled:
a trader can register as ``<img src=x onerror=alert(1)>`` or ``=HYPERLINK(...)``. Everything
that leaves the product for HTML goes through :func:`html_escape` (or a Streamlit element that
renders text), everything that leaves it for a CSV download through
:func:`neutralise_csv_formula`, and every network drawing through :func:`network_html`, which
also makes the page work without the internet.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Iterable

import pandas as pd

__all__ = [
    "html_escape",
    "md_escape",
    "vis_label",
    "neutralise_csv_formula",
    "neutralise_cell",
    "csv_bytes",
    "network_html",
    "make_offline",
    "external_urls",
    "external_resource_urls",
    "OfflineError",
    "NAMESPACE_URIS",
]

#: XML namespace identifiers: strings the browser compares, never fetches.
NAMESPACE_URIS = (
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/1998/Math/MathML",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OfflineError(RuntimeError):
    """Generated HTML still refers to something on the internet."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if value is pd.NA or value is pd.NaT:
            return ""
    except TypeError:  # pragma: no cover - exotic objects
        pass
    if isinstance(value, (list, tuple)):
        return "; ".join(_text(v) for v in value)
    return str(value)


def html_escape(value: Any) -> str:
    """Text safe to put inside HTML element content or a quoted attribute.

    ``None``/NaN become ``""``; lists are joined with ``"; "``; ``& < > " '`` are escaped.
    """
    return html.escape(_text(value), quote=True)


_MD_PUNCT = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def md_escape(value: Any) -> str:
    """Text safe to put in ``st.markdown``/``st.caption``: every ASCII punctuation character
    is backslash-escaped (CommonMark then shows it literally), so ``<img ...>`` is text, not
    HTML; ``[x](javascript:...)``, ``**``, ``$...$`` and ``:icon:`` do nothing; new lines fold
    to spaces. (HTML entities would not do here: markdown would show them as written.)"""
    text = _MD_PUNCT.sub(r"\\\1", _text(value))
    return re.sub(r"[\r\n]+", " ", text)


def vis_label(value: Any, limit: int = 40) -> str:
    """A node/edge label for vis-network (drawn as plain text on the canvas).

    vis-network draws labels with ``fillText`` and pyvis embeds them with Jinja's ``tojson``
    (which escapes ``< > & '``), so a label is never parsed as HTML. ``html_escape`` would
    therefore only make names unreadable on the canvas (``Smith &amp; Sons``), and
    vis-network 9.1.2's ``font.multi = 'html'`` mode does not decode entities. Instead the
    label keeps its text but loses every markup character: ``<`` and ``>`` become the
    look-alikes ``‹`` ``›``, control characters become spaces, and long labels are shortened.
    The exact name is shown, escaped, in the tooltip and the side panel.
    """
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", _text(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("<", "\u2039").replace(">", "\u203a")


def neutralise_cell(value: Any) -> Any:
    """Prefix ``'`` to a text cell a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_csv_formula(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where every text cell (and column name) starting with
    ``= + - @``, a tab or a carriage return is prefixed with ``'`` (CSV/formula injection).
    Numbers are left alone; lists are joined with ``"; "`` first."""
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_datetime64_any_dtype(series):
            continue
        out[column] = series.map(
            lambda v: neutralise_cell("; ".join(map(_text, v)) if isinstance(v, (list, tuple)) else v)
        )
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 (with BOM, for spreadsheets) CSV of ``df`` with formulas neutralised."""
    frame = df.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, (list, tuple))).any():
            frame[column] = frame[column].map(lambda v: "; ".join(map(_text, v)) if isinstance(v, (list, tuple)) else v)
        else:
            # numpy arrays (parquet list columns)
            frame[column] = frame[column].map(
                lambda v: "; ".join(map(_text, list(v))) if hasattr(v, "tolist") and not isinstance(v, (str, bytes)) and getattr(v, "ndim", 0) == 1 else v
            )
    return neutralise_csv_formula(frame).to_csv(index=False).encode("utf-8-sig")


# --------------------------------------------------------------------------- offline pyvis

_URL = re.compile(r"""https?://[^\s"'<>()\\`]+""", re.IGNORECASE)
_RESOURCE_ATTR = re.compile(
    r"""(?:\b(?:src|href|srcset|poster|data|action|formaction|background)\s*=\s*["']?\s*(https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//)""",
    re.IGNORECASE,
)
_EXTERNAL_TAG = re.compile(
    r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>"""
    r"""|<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>\s*</script\s*>""",
    re.IGNORECASE | re.DOTALL,
)


def external_urls(text: str, allow: Iterable[str] = NAMESPACE_URIS) -> list[str]:
    """Every ``http://``/``https://`` URL in ``text`` except XML namespace identifiers."""
    allowed = tuple(allow)
    return [m.group(0) for m in _URL.finditer(text) if not m.group(0).startswith(allowed)]


def external_resource_urls(text: str) -> list[str]:
    """Places where ``text`` makes the browser fetch from another host: ``src=``/``href=``
    attributes, CSS ``url()`` and ``@import`` pointing at ``http(s)://`` or ``//``."""
    return [text[m.start(): m.start() + 120] for m in _RESOURCE_ATTR.finditer(text)]


def make_offline(page: str) -> str:
    """Remove ``<link href=http...>`` / ``<script src=http...></script>`` tags (pyvis's
    Bootstrap and CDN links) and defang every remaining non-namespace URL (licence comments
    and messages inside the inlined libraries) by dropping its scheme; then check that no
    external URL is left, raising :class:`OfflineError` otherwise."""
    page = _EXTERNAL_TAG.sub("", page)

    def defang(match: re.Match[str]) -> str:
        url = match.group(0)
        if url.startswith(NAMESPACE_URIS):
            return url
        return re.sub(r"^https?://", "", url, flags=re.IGNORECASE)

    page = _URL.sub(defang, page)
    leftovers = external_urls(page) + external_resource_urls(page)
    if leftovers:
        raise OfflineError(f"page still refers to the internet: {leftovers[:3]}")
    return page


_TITLE_SCRIPT = """
<script>
/* Tooltips: titles arrive as already-escaped HTML built by intel.safe; turn them into
   elements so vis-network shows line breaks (vis renders plain strings as text). */
(function () {
  function toElements(ds) {
    if (typeof ds === 'undefined' || ds === null) { return; }
    var updates = [];
    ds.forEach(function (item) {
      if (typeof item.title === 'string' && item.title.length) {
        var div = document.createElement('div');
        div.className = 'intel-tooltip';
        div.innerHTML = item.title;
        updates.push({id: item.id, title: div});
      }
    });
    if (updates.length) { ds.update(updates); }
  }
  try { toElements(nodes); toElements(edges); } catch (e) { console.warn('titles', e); }
  window.intelReady = true;
})();
</script>
<style>
 .intel-tooltip { font: 12px sans-serif; max-width: 420px; white-space: normal; }
 body { margin: 0; }
 center { display: none; }
 #mynetwork { border: none !important; }
</style>
"""


def network_html(net: Any) -> str:
    """Offline HTML for a pyvis ``Network`` built with ``cdn_resources='in_line'``.

    Titles must be built from :func:`html_escape`d parts (they are turned into elements with
    ``innerHTML``), labels from :func:`vis_label`. The result needs no internet.
    """
    if getattr(net, "cdn_resources", None) != "in_line":
        raise ValueError("build the pyvis Network with cdn_resources='in_line'")
    page = net.generate_html(notebook=False)
    marker = page.rfind("</body>")
    page = page[:marker] + _TITLE_SCRIPT + page[marker:] if marker >= 0 else page + _TITLE_SCRIPT
    return make_offline(page)
