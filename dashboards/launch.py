"""Start the dashboard: ``serve(store_uri, port)`` runs ``python -m streamlit run
dashboards/app.py`` headless, without usage statistics, on the given store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["serve", "streamlit_command", "APP"]

APP = Path(__file__).resolve().parent / "app.py"


def streamlit_command(port: int = 8501, headless: bool = True, address: str | None = None) -> list[str]:
    """The command line that serves the dashboard (offline-safe flags)."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(int(port)),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
        "--client.showErrorDetails", "type",
        # the built-in table CSV export would skip formula neutralising: our download buttons only
        "--client.disableDataExport", "true",
        "--server.maxUploadSize", "50",
        "--theme.base", "light",
    ]
    # naming the address keeps Streamlit from asking an internet service for the external IP
    cmd += ["--browser.serverAddress", address or "localhost"]
    if address:
        cmd += ["--server.address", address]
    return cmd


def _env(store_uri: str) -> dict[str, str]:
    env = dict(os.environ)
    env["INTEL_STORE"] = store_uri
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    return env


def serve(store_uri: str, port: int = 8501, headless: bool = True, address: str | None = None) -> int:
    """Run the dashboard on ``store_uri`` until interrupted; returns Streamlit's exit code."""
    proc = subprocess.Popen(streamlit_command(port, headless, address), env=_env(store_uri), cwd=str(APP.parent.parent))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
