"""``samplemind ai …`` and ``/api/ai/…``: thin over the service, streaming included, and the paths
with no LLM configured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from samplemind.cli.main import main
from tests.ai.conftest import DESCRIPTION, Fakes, provider_settings
from tests.ai.fakellm import Reply, output_tool, structured


# --- CLI ----------------------------------------------------------------------------------
@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path, fakes: Fakes) -> Any:
    """``use(providers)``: point the CLI's settings (environment) at the copy and the fakes."""

    def use(providers: tuple[str, ...] = ()) -> None:
        monkeypatch.setenv("SAMPLEMIND_DATA_DIR", str(data_dir))
        monkeypatch.setenv("SAMPLEMIND_VECTOR_BACKEND", "memory")
        values = provider_settings(fakes, providers)
        monkeypatch.setenv("SAMPLEMIND_OLLAMA_URL", values.pop("ollama_url") or "")
        monkeypatch.setenv("SAMPLEMIND_AI_BASE_URLS", json.dumps(values.pop("ai_base_urls")))
        for name, value in values.items():
            monkeypatch.setenv(f"SAMPLEMIND_{name.upper()}", str(value))

    return use


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_cli_without_an_llm_says_so_and_the_rest_works(
    cli_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env(())
    assert main(["ai", "describe", "1"]) == 1
    assert "no LLM provider is configured" in capsys.readouterr().err
    assert main(["ai", "kit", "trap", "kit"]) == 1
    assert "no LLM provider is configured" in capsys.readouterr().err
    assert main(["ai", "status"]) == 0
    assert "No LLM provider is available" in capsys.readouterr().out
    assert main(["ai", "search", "warm", "pads", "in", "A", "minor"]) == 0
    captured = capsys.readouterr()
    assert "query: warm pad key:Am" in captured.err and "Pad_Warm_Am.wav" in captured.out
    assert main(["search", "kick"]) == 0  # the rest of the product never needs an LLM
    assert main(["ai", "costs", "--json"]) == 0
    assert lines(capsys.readouterr().out)[-1]["total_usd"] == 0


def test_cli_projection_prints_the_saving(cli_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    cli_env(())
    assert main(["ai", "projection", "--json"]) == 0
    rows = {r["scenario"]: r for r in lines(capsys.readouterr().out)}
    assert rows["everything on openai:gpt-4o"]["cost_usd"] == 237.5
    cloud = rows["router, hosted providers (all keys)"]
    assert cloud["saving_usd"] == pytest.approx(237.5 - cloud["cost_usd"], abs=0.01)
    assert cloud["saving_percent"] > 50
    assert main(["ai", "projection", "--mix", "advice:quality=1", "--requests", "1000"]) == 0
    assert "saving" in capsys.readouterr().out
    assert main(["ai", "projection", "--mix", "nonsense=1"]) == 2


def test_cli_describe_batch_advise_and_kit(
    cli_env: Any, fakes: Fakes, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli_env(("openai",))
    fakes.openai.default = structured(DESCRIPTION)
    assert main(["ai", "describe", "hat", "--json", "--concurrency", "2"]) == 0
    records = lines(capsys.readouterr().out)
    assert len(records) >= 3 and {r["status"] for r in records} == {"described"}
    assert main(["ai", "describe", str(records[0]["id"])]) == 0
    out = capsys.readouterr()
    assert "A deep, punchy kick" in out.out and "gpt-4o" in out.err
    fakes.openai.default = Reply(text="High-pass at 300 Hz and add room reverb.")
    assert main(["ai", "advise", str(records[0]["id"]), "--ask", "How to make it airy?"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "High-pass at 300 Hz and add room reverb."
    assert fakes.openai.calls[-1].stream

    def picks(seen: Any) -> Reply:
        ids = [s["id"] for r in seen.tool_results for s in r if isinstance(s, dict)]
        return Reply(
            tool_calls=[
                (
                    output_tool(seen),
                    {
                        "name": "Hat pack",
                        "picks": [{"role": "hat", "sample_id": i} for i in ids[:2]],
                    },
                )
            ]
        )

    fakes.openai.then(Reply(tool_calls=[("search", {"query": "hihat"})]), picks)
    kit_dir = tmp_path / "kit"
    assert main(["ai", "kit", "crisp", "hats", "--export", str(kit_dir), "--json"]) == 0
    kit = lines(capsys.readouterr().out)[0]
    assert kit["collection"] == "Hat pack" and len(kit["exported"]) == 2
    assert len(list(kit_dir.iterdir())) == 2


def test_cli_show_prints_the_stored_description(
    cli_env: Any, fakes: Fakes, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env(("openai",))
    assert main(["show", "1", "--json"]) == 0
    assert lines(capsys.readouterr().out)[0]["ai_description"] is None
    # Model output is untrusted: markup in it is printed as text, never interpreted.
    fakes.openai.default = structured({**DESCRIPTION, "description": "Dusty [/] kick [bold]x"})
    assert main(["ai", "describe", "1"]) == 0
    capsys.readouterr()
    assert main(["show", "1"]) == 0
    out = capsys.readouterr().out
    assert "Dusty [/] kick [bold]x" in out and "gpt-4o" in out
    assert main(["show", "1", "--json"]) == 0
    stored = lines(capsys.readouterr().out)[0]["ai_description"]
    assert stored["description"] == "Dusty [/] kick [bold]x"
    assert stored["data"]["character"] == ["punchy", "tight", "deep"]
    assert stored["model"].startswith("openai:gpt-4o")


# --- API ----------------------------------------------------------------------------------
def sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((fields.get("event", "message"), json.loads(fields["data"])))
    return events


def test_api_without_an_llm(api: Any) -> None:
    client = api(())
    for path, body in (
        ("/api/ai/describe", {"sample_id": 1}),
        ("/api/ai/advise", {"sample_ids": [1]}),
        ("/api/ai/kit", {"brief": "trap kit"}),
        ("/api/ai/describe/batch", {"query": "kick"}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 503, path
        assert response.json()["error"]["code"] == "ai_not_configured"
    status = client.get("/api/ai/status").json()
    assert status["configured"] is False
    search = client.post("/api/ai/search", json={"text": "punchy kicks"}).json()
    assert search["query"] == "punchy kick" and search["items"]
    assert client.get("/api/samples", params={"q": "kick"}).status_code == 200
    assert client.get("/api/ai/descriptions/1").status_code == 404  # none, and no model needed


def test_api_status_and_errors_never_carry_keys(api: Any, fakes: Fakes) -> None:
    client = api(("openai", "anthropic"))
    text = client.get("/api/ai/status").text
    assert "SECRET" not in text and '"configured":true' in text
    fakes.openai.default = Reply(status=500)
    fakes.anthropic.default = Reply(status=401)
    response = client.post("/api/ai/describe", json={"sample_id": 1})
    assert response.status_code == 502
    body = response.json()["error"]
    assert body["code"] == "ai_provider" and "auth_failed" in body["message"]
    assert "SECRET" not in response.text


def test_api_describe_search_and_costs(api: Any, fakes: Fakes) -> None:
    client = api()
    fakes.openai.then(structured(DESCRIPTION, input_tokens=500, output_tokens=80))
    body = client.post("/api/ai/describe", json={"sample_id": 12}).json()
    assert "punchy" in body["tags"] and body["route"]["model"] == "openai:gpt-4o-mini"
    assert {"name": "punchy", "source": "ai", "confidence": None} in body["sample"]["tags"]
    calls = len(fakes.openai.calls)
    stored = client.get("/api/ai/descriptions/12").json()
    assert stored["description"]["character"] == DESCRIPTION["character"]
    assert stored["model"] == "openai:gpt-4o-mini" and stored["sample_id"] == 12
    undescribed = client.get("/api/ai/descriptions/13")
    assert undescribed.status_code == 404 and "no AI description" in undescribed.text
    missing = client.get("/api/ai/descriptions/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "sample_not_found"
    assert len(fakes.openai.calls) == calls  # reading a stored description calls no model
    fakes.openai.then(structured({"query": "pad", "explanation": "pads"}))
    found = client.post("/api/ai/search", json={"text": "ethereal textures for a film"}).json()
    assert found["source"] == "model" and found["query"] == "pad"
    costs = client.get("/api/ai/costs").json()
    assert {line["task"] for line in costs["lines"]} == {"describe", "nl_search"}
    assert costs["total_usd"] > 0
    projection = client.get("/api/ai/projection", params={"requests": 1000}).json()
    assert projection["baseline"]["cost_usd"] == pytest.approx(2.375)
    assert client.get("/api/ai/costs", params={"month": "2026-13x"}).status_code == 422


def test_api_advice_is_server_sent_events(api: Any, fakes: Fakes) -> None:
    client = api()
    fakes.openai.then(Reply(text="Layer the clap 10 ms after the snare.", chunk_chars=5))
    with client.stream("POST", "/api/ai/advise", json={"sample_ids": [1, 2]}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse(response.read().decode())
    tokens = [data["text"] for name, data in events if name == "token"]
    assert len(tokens) > 3 and "".join(tokens) == "Layer the clap 10 ms after the snare."
    name, end = events[-1]
    assert name == "end" and end["text"] == "".join(tokens)
    assert end["route"]["model"].startswith("openai:")
    assert client.post("/api/ai/advise", json={"sample_ids": [999]}).status_code == 404


def test_api_batch_describe_streams_progress(api: Any, fakes: Fakes) -> None:
    client = api()
    fakes.openai.default = structured(DESCRIPTION)
    response = client.post("/api/ai/describe/batch", json={"query": "hat", "concurrency": 2})
    events = sse(response.text)
    progress = [data for name, data in events if name == "progress"]
    assert [p["done"] for p in progress] == [1, 2, 3, 4] and progress[0]["total"] == 4
    assert events[-1] == (
        "end",
        {
            "total": 4,
            "described": 4,
            "skipped": 0,
            "failed": 0,
            "cost_usd": events[-1][1]["cost_usd"],
            "stopped": None,
        },
    )


def test_api_kit_and_budget(api: Any, fakes: Fakes) -> None:
    client = api(ai_monthly_budget_usd=0.0000001)

    def picks(seen: Any) -> Reply:
        ids = [s["id"] for r in seen.tool_results for s in r if isinstance(s, dict)]
        return Reply(
            tool_calls=[
                (
                    output_tool(seen),
                    {
                        "name": "Kicks",
                        "picks": [{"role": "kick", "sample_id": ids[0], "reason": "r"}],
                    },
                )
            ],
            input_tokens=100_000,
        )

    fakes.openai.then(Reply(tool_calls=[("search", {"query": "kick"})]), picks)
    kit = client.post("/api/ai/kit", json={"brief": "big kicks", "save_as": "Big kicks"})
    assert kit.status_code == 200, kit.text
    assert kit.json()["collection"] == "Big kicks" and kit.json()["items"][0]["role"] == "kick"
    assert client.get("/api/collections/Big kicks").status_code == 200
    spent = client.post("/api/ai/describe", json={"sample_id": 1})
    assert spent.status_code == 402 and spent.json()["error"]["code"] == "ai_budget"


def test_cli_tables_and_json_with_a_provider(
    cli_env: Any, fakes: Fakes, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env(("openai", "ollama"))
    assert main(["ai", "status"]) == 0
    out = capsys.readouterr().out
    assert "routes" in out and "ollama:llama3.3" in out and "SECRET" not in out
    assert main(["ai", "status", "--json"]) == 0
    status = lines(capsys.readouterr().out)[0]
    assert status["configured"] and status["routes"]["audio"]["cost"][0] == "ollama:llama3.3"
    fakes.ollama.default = structured(DESCRIPTION)
    assert main(["ai", "describe", "12", "--json"]) == 0
    described = lines(capsys.readouterr().out)[0]
    assert described["route"]["model"] == "ollama:llama3.3" and described["route"]["cost_usd"] == 0
    assert main(["ai", "describe", "kick", "--priority", "speed"]) == 0
    assert "described 3, skipped 1" in capsys.readouterr().err
    fakes.ollama.then(structured({"query": "pad", "explanation": "pads"}))
    assert main(["ai", "search", "ethereal", "textures", "--json"]) == 0
    found = lines(capsys.readouterr().out)
    assert found[0]["source"] == "model" and found[0]["query"] == "pad" and len(found) > 1
    assert main(["ai", "search", "punchy", "kicks", "--show-query"]) == 0
    assert "query: punchy kick" in capsys.readouterr().err
    fakes.ollama.then(Reply(text="Tune it to the key."))
    assert main(["ai", "advise", "--query", "bass", "--json", "-p", "speed"]) == 0
    events = lines(capsys.readouterr().out)
    assert (
        events[-1]["event"] == "end"
        and "".join(e["text"] for e in events if e["event"] == "token") == "Tune it to the key."
    )

    def picks(seen: Any) -> Reply:
        ids = [s["id"] for r in seen.tool_results for s in r if isinstance(s, dict)]
        return Reply(
            tool_calls=[
                (
                    output_tool(seen),
                    {
                        "name": "Bass set",
                        "notes": "All in E.",
                        "picks": [{"role": "bass", "sample_id": ids[0], "reason": "deep"}],
                    },
                )
            ]
        )

    fakes.ollama.then(Reply(tool_calls=[("similar", {"sample_id": 1, "n": 3})]), picks)
    assert main(["ai", "kit", "bass", "set", "--save", "Bass set", "-p", "cost"]) == 0
    captured = capsys.readouterr()
    assert "Bass set" in captured.out and "All in E." in captured.out
    assert "saved as collection" in captured.err
    assert main(["ai", "costs"]) == 0
    out = capsys.readouterr().out
    assert "describe" in out and "llama3.3" in out and "total $0.0000" in out
    assert main(["ai", "costs", "--month", "2026-99"]) == 2
