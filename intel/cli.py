"""The ``intel`` command line.

Library exceptions become one-line errors here, at the edge, and nowhere else.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Illicit-trade intelligence: load declarations, parties, hubs and tips into a graph "
    "and surface fictitious consignees, suspicious routes and risky declarations.",
)
users_app = typer.Typer(no_args_is_help=True, help="Manage dashboard users.")
app.add_typer(users_app, name="users")

console = Console(stderr=True)
out = Console()

StoreOpt = typer.Option(
    None, "--store", help="embedded:PATH (default ./intel-data, or $INTEL_STORE) or a "
    "neo4j:// / neo4j+s:// / bolt:// URI (credentials from NEO4J_USERNAME / NEO4J_PASSWORD).",
)
KINDS = ("declarations", "parties", "hubs", "tips", "outcomes", "rates")


class CliError(Exception):
    """A failure to report in one line."""


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _guard(fn):  # noqa: ANN001, ANN202
    """Turn the product's own exceptions into one-line errors."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        from ingest.errors import IngestError
        from intel.store.base import StoreError

        try:
            return fn(*args, **kwargs)
        except (IngestError, StoreError, CliError, PermissionError, ValueError, FileNotFoundError) as exc:
            _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        except KeyboardInterrupt:
            _fail("interrupted; the store is left consistent — re-run the same command to finish", 130)

    return wrapper


def _open(store: Optional[str], read_only: bool = False):  # noqa: ANN202
    from intel.store import open_store

    return open_store(store, read_only=read_only)


def _progress():  # noqa: ANN202
    from intel.progress import stage_progress

    return stage_progress(console)


@app.command()
@_guard
def ingest(
    kind: str = typer.Argument(..., help=f"one of: {', '.join(KINDS)}"),
    paths: list[Path] = typer.Argument(..., help="CSV, Parquet, JSON Lines or .xlsx files"),
    mapping: Optional[Path] = typer.Option(None, "--mapping", help="YAML column mapping for another layout"),
    store: Optional[str] = StoreOpt,
) -> None:
    """Load files of one input kind; bad rows go to the quarantine with their reasons."""
    from ingest.pipeline import ingest_files

    if kind not in KINDS:
        raise CliError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    with _open(store) as st, _progress() as progress:
        summary = ingest_files(st, kind, paths, mapping=mapping, progress=progress)
    _print_summary(summary)


def _print_summary(summary: dict) -> None:
    table = Table(title=f"ingest {summary['kind']}", show_header=True)
    for column in ("file", "read", "loaded", "new", "quarantined"):
        table.add_column(column, justify="right" if column != "file" else "left")
    for f in summary["files"]:
        table.add_row(f["file"], str(f["read"]), str(f["loaded"]), str(f.get("new", "")), str(f["quarantined"]))
    out.print(table)
    for note in summary.get("notes", []):
        out.print(f"note: {note}", highlight=False)
    out.print(
        f"rows read {summary['read']}, loaded {summary['loaded']} ({summary['new']} new), "
        f"quarantined {summary['quarantined']}"
        + (f" -> {summary['quarantine_dir']}" if summary["quarantined"] else ""),
        highlight=False,
    )


@app.command()
@_guard
def status(store: Optional[str] = StoreOpt) -> None:
    """What the store holds: counts per kind, last loads, quarantine size."""
    import pandas as pd

    from ingest.quarantine import quarantine_counts

    with _open(store, read_only=True) as st:
        counts = st.counts()
        loads = st.loads()
        table = Table(title=f"store {st.uri}")
        table.add_column("label")
        table.add_column("nodes", justify="right")
        for label, n in counts.items():
            table.add_row(label, f"{n:,}")
        out.print(table)
        if len(loads):
            lt = Table(title="last loads")
            for column in ("kind", "finished_at", "rows_read", "rows_loaded", "rows_quarantined", "status"):
                lt.add_column(column)
            recent = loads.sort_values("started_at").tail(8).copy()
            recent["finished_at"] = pd.to_datetime(recent["finished_at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
            for row in recent.itertuples():
                lt.add_row(*(str(getattr(row, c)) for c in ("kind", "finished_at", "rows_read", "rows_loaded", "rows_quarantined", "status")))
            out.print(lt)
        else:
            out.print("no loads yet")
        q = quarantine_counts(st.quarantine_dir)
        total = sum(q.values())
        detail = ", ".join(f"{k} {v}" for k, v in q.items()) or "empty"
        out.print(f"quarantine: {total} rows ({detail}) in {st.quarantine_dir}", highlight=False)


@app.command()
@_guard
def analyze(
    out_dir: Optional[Path] = typer.Option(None, "--out", help="folder for the findings CSVs"),
    store: Optional[str] = StoreOpt,
) -> None:
    """Run every analytic, store the findings on the graph and write the findings files."""
    from intel.analytics.run import analyze as run_analyze
    from intel.config import load_settings

    from intel.sync import sync_dashboard_tips

    with _open(store) as st, _progress() as progress:
        cfg = load_settings(st.state_dir)
        sync_dashboard_tips(st, progress)
        summary = run_analyze(st, cfg, out_dir=out_dir, progress=progress)
    _print_analysis(summary, out_dir)


def _print_analysis(summary: dict, out_dir: Optional[Path]) -> None:
    table = Table(title="analysis")
    table.add_column("finding")
    table.add_column("count", justify="right")
    for key, value in summary.get("counts", {}).items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    out.print(table)
    for key, value in summary.get("notes", {}).items() if isinstance(summary.get("notes"), dict) else []:
        out.print(f"{key}: {value}", highlight=False)
    for note in summary.get("notes", []) if isinstance(summary.get("notes"), list) else []:
        out.print(f"note: {note}", highlight=False)
    if out_dir:
        out.print(f"findings written to {out_dir}", highlight=False)
    if summary.get("errors"):
        _fail(f"analysis finished, but {len(summary['errors'])} analytic(s) failed: {', '.join(summary['errors'])}", 3)


@app.command()
@_guard
def evaluate(
    ground_truth: Path = typer.Argument(..., help="a ground_truth/ folder in the sample world's format"),
    findings: Optional[Path] = typer.Option(None, "--findings", help="folder with the analyze CSVs (default: the store's findings)"),
    store: Optional[str] = StoreOpt,
) -> None:
    """Average precision and precision@k of the findings against a ground truth."""
    from intel.analytics.evaluate import evaluate as run_evaluate, format_report

    if findings is None:
        with _open(store, read_only=True) as st:
            findings = st.state_dir / "findings"
    report = run_evaluate(findings, ground_truth)
    out.print(format_report(report), highlight=False)


@app.command()
@_guard
def score(
    paths: list[Path] = typer.Argument(..., help="a batch of new declarations"),
    mapping: Optional[Path] = typer.Option(None, "--mapping"),
    out_file: Optional[Path] = typer.Option(None, "--out", help="CSV to write the scores to"),
    store: Optional[str] = StoreOpt,
) -> None:
    """Pre-arrival scoring: risk, lane and reasons for new declarations against the current graph."""
    from intel.analytics.incremental import score_batch

    from intel.analytics.run import _csv_frame

    started = time.perf_counter()
    with _open(store) as st, _progress() as progress:
        result = score_batch(st, paths, mapping=mapping, progress=progress)
    if out_file:  # the columns and list formatting of declaration_risk.csv
        _csv_frame("declarations", result).to_csv(out_file, index=False)
        out.print(f"{len(result)} declarations scored -> {out_file}", highlight=False)
    loaded = result.attrs.get("ingest", {})
    if loaded.get("quarantined"):
        out.print(f"{loaded['quarantined']} row(s) quarantined (see `intel status`)", highlight=False)
    for note in result.attrs.get("notes", []):
        out.print(f"note: {note}", highlight=False)
    counts = result["lane"].value_counts().to_dict() if len(result) else {}
    out.print(f"scored {len(result)} in {time.perf_counter() - started:.1f}s: "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), highlight=False)


@app.command()
@_guard
def serve(
    port: int = typer.Option(8501, "--port"),
    store: Optional[str] = StoreOpt,
) -> None:
    """The dashboard on the current store."""
    from dashboards.launch import serve as run_serve
    from intel.store import resolve_uri

    raise typer.Exit(run_serve(resolve_uri(store), port=port))


@app.command()
@_guard
def demo(
    store: Optional[str] = StoreOpt,
    no_serve: bool = typer.Option(False, "--no-serve", help="build the sample world and stop"),
    port: int = typer.Option(8501, "--port"),
) -> None:
    """Build the sample world into the store, analyse it and open the dashboard."""
    from intel.demo import build_demo

    with _progress() as progress:
        info = build_demo(store, progress=progress)
    out.print(f"sample world loaded into {info['store']}", highlight=False)
    for kind, s in info["loads"].items():
        out.print(f"  {kind}: {s['loaded']} loaded, {s['quarantined']} quarantined", highlight=False)
    counts = info["analysis"].get("counts", {})
    if counts:
        out.print("  findings: " + ", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
    out.print(f"  findings files: {info['out_dir']}", highlight=False)
    table = Table(title="demo users (passwords shown once)")
    for column in ("username", "password", "role", "organisation"):
        table.add_column(column)
    for user in info["users"]:
        table.add_row(*map(str, user))
    out.print(table)
    if no_serve:
        return
    from dashboards.launch import serve as run_serve

    out.print(f"dashboard: http://localhost:{port}  (Ctrl+C to stop)", highlight=False)
    raise typer.Exit(run_serve(info["store"], port=port))


@app.command()
@_guard
def generate(
    out_dir: Path = typer.Option(..., "--out", help="folder to write the world to"),
    declarations: int = typer.Option(5000, "--declarations"),
    seed: int = typer.Option(7, "--seed"),
    profile: str = typer.Option("default", "--profile", help="default, sparse or heavy"),
) -> None:
    """Generate a synthetic ASEAN trade world with planted schemes and a ground truth."""
    from sample_data import generate_world

    info = generate_world(out_dir, declarations=declarations, seed=seed, profile=profile)
    out.print(f"world written to {out_dir}: {info}", highlight=False)


@app.command("config")
def show_config(store: Optional[str] = StoreOpt) -> None:
    """Every setting with its value and help."""
    from intel.config import load_settings

    table = Table(title="settings")
    for column in ("name", "value", "help"):
        table.add_column(column)
    for name, value, help_text in load_settings().describe():
        table.add_row(name, str(value), help_text)
    out.print(table)


@users_app.command("add")
@_guard
def users_add(
    username: str,
    role: str = typer.Option(..., "--role", help="analyst, planner, rights_holder or admin"),
    org: str = typer.Option(..., "--org", help="customs:TH or rh:Brand Name"),
    password: Optional[str] = typer.Option(None, "--password", help="default: prompt (or $INTEL_PASSWORD)"),
    store: Optional[str] = StoreOpt,
) -> None:
    """Add a dashboard user (password hashed with argon2)."""
    from intel.appdb import AppDB
    from intel.auth import add_user

    password = password or os.environ.get("INTEL_PASSWORD") or typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with _open(store, read_only=True) as st:
        state = st.state_dir
    add_user(AppDB(state / "app.sqlite"), username, password, role, org)
    out.print(f"user {username} added ({role}, {org})", highlight=False)


@users_app.command("remove")
@_guard
def users_remove(username: str, store: Optional[str] = StoreOpt) -> None:
    """Remove a dashboard user."""
    from intel.appdb import AppDB
    from intel.auth import remove_user

    with _open(store, read_only=True) as st:
        state = st.state_dir
    remove_user(AppDB(state / "app.sqlite"), username)
    out.print(f"user {username} removed", highlight=False)


@users_app.command("list")
@_guard
def users_list(store: Optional[str] = StoreOpt) -> None:
    """List dashboard users."""
    from intel.appdb import AppDB
    from intel.auth import list_users

    with _open(store, read_only=True) as st:
        state = st.state_dir
    table = Table(title="users")
    for column in ("username", "role", "organisation"):
        table.add_column(column)
    for user in list_users(AppDB(state / "app.sqlite")):
        table.add_row(user.username, user.role, user.org)
    out.print(table)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # e.g. `intel status | head`
        sys.exit(0)


if __name__ == "__main__":
    main()
