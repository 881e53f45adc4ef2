"""The typer commands the main CLI mounts: ``serve`` and ``replay``."""

from __future__ import annotations

import socket
from pathlib import Path

import orjson
import pytest
import typer
from apihelpers import T0, Api, ev
from typer.testing import CliRunner

from kuaifan.api.errors import ListenError
from kuaifan.cli.serve import replay, serve
from kuaifan.errors import InputError


def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("serve")(serve)
    app.command("replay")(replay)
    return app


def test_replay_command_posts_to_a_running_server(api: Api, tmp_path: Path) -> None:
    f = tmp_path / "events.jsonl"
    f.write_bytes(b"\n".join(orjson.dumps(ev("enter", T0 + i, user_key=f"u{i}")) for i in range(5)) + b"\n")
    env = {"KUAIFAN_HOME": str(api.settings.home)}  # the default tenant's key comes from kuaifan.toml
    runner = CliRunner()
    res = runner.invoke(cli(), ["replay", str(f), "--speed", "0", "--url", api.url, "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert orjson.loads(res.stdout)["accepted"] == 5
    res = runner.invoke(
        cli(), ["replay", str(f), "--speed", "0", "--url", api.url], env={**env, "KUAIFAN_LANG": "en"}
    )
    assert res.exit_code == 0
    assert "0 new, 5 duplicates" in res.stdout and "--now" in res.stdout


def test_replay_without_demo_data_says_so(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli(), ["replay", "--speed", "0"], env={"KUAIFAN_HOME": str(tmp_path)})
    assert isinstance(res.exception, InputError)
    assert "kuaifan demo" in res.exception.en


def test_serve_refuses_a_busy_port(api: Api) -> None:
    port = int(api.url.rsplit(":", 1)[1])
    with pytest.raises(ListenError) as info:
        CliRunner().invoke(
            cli(), ["serve", "--port", str(port)], env={"KUAIFAN_HOME": str(api.settings.home)},
            catch_exceptions=False,
        )  # fmt: skip
    assert info.value.exit_code == 69 and str(port) in info.value.en


def test_replay_to_a_dead_server_is_a_clear_error(tmp_path: Path) -> None:
    from kuaifan.app.replay import ServerUnavailable, replay_events

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(ServerUnavailable) as info:
            replay_events([ev("enter", T0, user_key="u")], url=f"http://127.0.0.1:{port}", api_key="k" * 20,
                          speed=0, retries=1)  # fmt: skip
    assert "kuaifan serve" in info.value.en
