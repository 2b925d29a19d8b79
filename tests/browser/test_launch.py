"""The command line that starts the dashboard (no browser needed)."""

from __future__ import annotations

from dashboards import launch


def test_streamlit_command_is_headless_offline_and_quiet():  # noqa: ANN201
    cmd = launch.streamlit_command(port=8600)
    pairs = dict(zip(cmd[::1], cmd[1::1]))
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("dashboards/app.py")
    assert pairs["--server.port"] == "8600"
    assert pairs["--server.headless"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"
    assert pairs["--browser.serverAddress"] == "localhost"  # no external-IP lookup at start
    assert pairs["--client.disableDataExport"] == "true"  # only the neutralised CSV downloads


def test_environment_names_the_store(tmp_path):  # noqa: ANN001
    env = launch._env("embedded:/data/intel")
    assert env["INTEL_STORE"] == "embedded:/data/intel"
    assert str(launch.APP.parent.parent) in env["PYTHONPATH"].split(":")
