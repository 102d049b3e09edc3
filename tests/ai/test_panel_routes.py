"""What the web app's AI panel reads from ``/api/ai/…``: which features can answer now, the
budget, stored descriptions, and a kit exported as a zip with the library's export."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.ai.conftest import DESCRIPTION, Fakes
from tests.ai.fakellm import structured


@pytest.fixture
def api(api: Any) -> Any:
    """The shared client maker, with a short model timeout."""
    return lambda providers=("openai",), **changes: api(providers, ai_timeout_s=5.0, **changes)


def ids(client: TestClient, query: str) -> list[int]:
    page = client.get("/api/samples", params={"q": query, "limit": 100}).json()
    return [hit["sample"]["id"] for hit in page["items"]]


def test_without_an_llm_only_search_and_costs_are_features(api: Any) -> None:
    client = api(())
    assert client.get("/health").json()["capabilities"] == ["ai"]
    status = client.get("/api/ai/status").json()
    features = status["features"]
    assert set(features) == {"search", "describe", "advise", "kit", "costs"}
    assert features["search"]["available"] is True and features["search"]["models"] == []
    assert "no LLM provider" in features["search"]["reason"]
    for name in ("describe", "advise", "kit"):
        assert features[name]["available"] is False, name
        assert "no LLM provider" in features[name]["reason"]
    assert features["costs"]["available"] is True
    assert status["budget_reached"] is False and status["budget_usd"] is None
    costs = client.get("/api/ai/costs").json()
    assert costs["lines"] == [] and costs["budget_reached"] is False


def test_features_follow_the_chains_and_the_budget(api: Any, fakes: Fakes) -> None:
    client = api(ai_monthly_budget_usd=0.0001)
    features = client.get("/api/ai/status").json()["features"]
    assert all(features[n]["available"] for n in ("search", "describe", "advise", "kit"))
    assert features["describe"]["models"][0] == "openai:gpt-4o-mini"  # cost first
    assert features["advise"]["models"][0] == "openai:gpt-4o"  # quality first
    assert features["describe"]["reason"] is None
    # one expensive call spends the budget: no free model is left, so nothing but the rules
    fakes.openai.then(structured(DESCRIPTION, input_tokens=200_000, output_tokens=1_000))
    assert client.post("/api/ai/describe", json={"sample_id": 1}).status_code == 200
    status = client.get("/api/ai/status").json()
    assert status["budget_reached"] is True and status["month_spend_usd"] > 0.0001
    features = status["features"]
    assert features["describe"]["available"] is False
    assert "budget" in features["describe"]["reason"]
    assert features["search"]["available"] is True and features["search"]["models"] == []
    costs = client.get("/api/ai/costs").json()
    assert costs["budget_reached"] is True and costs["lines"][0]["task"] == "describe"


def test_stored_description(api: Any, fakes: Fakes) -> None:
    client = api()
    kick = ids(client, "Kick_Punchy_01")[0]
    missing = client.get(f"/api/ai/descriptions/{kick}")
    assert missing.status_code == 404 and "no AI description" in missing.json()["error"]["message"]
    assert client.get("/api/ai/descriptions/99999").status_code == 404
    fakes.openai.then(structured(DESCRIPTION))
    assert client.post("/api/ai/describe", json={"sample_id": kick}).status_code == 200
    stored = client.get(f"/api/ai/descriptions/{kick}").json()
    assert stored["sample_id"] == kick and stored["model"] == "openai:gpt-4o-mini"
    assert stored["description"]["description"] == DESCRIPTION["description"]
    assert stored["description"]["genres"] == ["house", "techno"]
    assert stored["description"]["instrument"] == "kick"


def test_kit_export_is_a_zip_named_by_the_library_export(api: Any) -> None:
    client = api(())
    kit = ids(client, "kick")[:3]
    assert len(kit) == 3
    response = client.get(
        "/api/ai/kit/export",
        params={"sample_id": kit, "name": "Dusty kit", "pattern": "{index:02}_{type}_{name}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="Dusty kit.zip"' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        names = sorted(bundle.namelist())
        assert len(names) == 3 and all(n.endswith(".wav") for n in names)
        assert [n[:3] for n in names] == ["01_", "02_", "03_"]
        assert all(bundle.read(n)[:4] == b"RIFF" for n in names)
    plain = client.get("/api/ai/kit/export", params={"sample_id": kit[:1]})
    with zipfile.ZipFile(io.BytesIO(plain.content)) as bundle:
        assert bundle.namelist()[0].startswith("Kick_")  # no pattern: the file's own name
    unknown = client.get("/api/ai/kit/export", params={"sample_id": [kit[0], 99999]})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "sample_not_found"
    assert client.get("/api/ai/kit/export").status_code == 422


def test_the_e2e_fake_model_drives_every_feature(
    api: Any, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The script the web app's end-to-end suite serves (tests/ai/serve_fake.py) answers each
    feature the way the real SDKs expect, so the browser suite fails only on the panel."""
    from tests.ai.serve_fake import ADVICE, answer

    monkeypatch.setenv("SAMPLEMIND_FAKE_DELAY_S", "0")
    fakes.openai.default = answer
    client = api()
    found = client.post("/api/ai/search", json={"text": "ethereal textures for a film"}).json()
    assert found["source"] == "model" and found["query"] == "pad" and found["items"]
    rules = client.post("/api/ai/search", json={"text": "dark 808 in F minor around 140"}).json()
    assert rules["source"] == "rules" and "key:Fm" in rules["query"]
    kick = ids(client, "Kick_Punchy_01")[0]
    described = client.post("/api/ai/describe", json={"sample_id": kick}).json()
    assert "punchy" in described["tags"]
    with client.stream("POST", "/api/ai/advise", json={"sample_ids": [kick]}) as response:
        body = response.read().decode()
    assert body.count("event: token") > 10 and json_end(body)["text"] == ADVICE
    kit = client.post("/api/ai/kit", json={"brief": "lo-fi hip hop kit, dusty"}).json()
    assert [i["role"] for i in kit["items"]] == ["kick", "snare", "closed hihat", "bass"]
    assert all(i["reason"] for i in kit["items"])
    tasks = {line["task"] for line in client.get("/api/ai/costs").json()["lines"]}
    assert tasks == {"nl_search", "describe", "advise", "kit"}


def json_end(body: str) -> dict[str, Any]:
    block = body.strip().split("\n\n")[-1]
    assert block.startswith("event: end")
    data: dict[str, Any] = json.loads(block.split("data: ", 1)[1])
    return data
