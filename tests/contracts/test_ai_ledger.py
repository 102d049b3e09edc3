"""The AI layer's records in every store: the cost ledger and sample descriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from samplemind.domain.ai import AiCall, AiDescription
from samplemind.errors import SampleNotFoundError
from samplemind.storage.base import SampleStore
from tests.contracts.test_store import add

JAN = datetime(2026, 1, 1, tzinfo=UTC)
FEB = datetime(2026, 2, 1, tzinfo=UTC)


def call(at: datetime, **values: object) -> AiCall:
    base: dict[str, object] = {
        "at": at,
        "task": "describe",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "input_tokens": 100,
        "output_tokens": 20,
        "cost_usd": 0.01,
    }
    return AiCall.model_validate({**base, **values})


def record(store: SampleStore, one: AiCall) -> None:
    store.record_ai_calls([one])


def test_a_batch_is_one_write(store: SampleStore) -> None:
    store.record_ai_calls([call(JAN, cost_usd=0.5), call(JAN, cost_usd=0.25)])
    store.record_ai_calls([])
    assert store.ai_spend_usd(JAN) == pytest.approx(0.75)


def test_spend_is_summed_within_the_period(store: SampleStore) -> None:
    record(store, call(JAN - timedelta(seconds=1), cost_usd=5.0))  # December
    record(store, call(JAN, cost_usd=0.25))
    record(store, call(FEB - timedelta(microseconds=1), cost_usd=0.5))
    record(store, call(FEB, cost_usd=7.0))
    assert store.ai_spend_usd(JAN, FEB) == pytest.approx(0.75)
    assert store.ai_spend_usd(JAN) == pytest.approx(7.75)
    assert store.ai_spend_usd(FEB + timedelta(days=40)) == 0.0


def test_a_call_in_another_time_zone_counts_in_its_utc_month(store: SampleStore) -> None:
    tokyo = timezone(timedelta(hours=9))
    record(store, call(datetime(2026, 2, 1, 8, 0, tzinfo=tokyo), cost_usd=1.0))  # Jan UTC
    assert store.ai_spend_usd(JAN, FEB) == pytest.approx(1.0)


def test_cost_lines_group_by_provider_model_and_task(store: SampleStore) -> None:
    record(store, call(JAN, cost_usd=0.02))
    record(store, call(JAN, cost_usd=0.0, cached=True, input_tokens=0, output_tokens=0))
    record(
        store,
        call(JAN, cost_usd=0.0, ok=False, error_code="timeout", input_tokens=0, output_tokens=0),
    )
    record(
        store,
        call(
            JAN,
            provider="anthropic",
            model="claude-sonnet-4-5",
            task="advise",
            cost_usd=0.3,
            input_tokens=900,
            output_tokens=400,
        ),
    )
    record(
        store,
        call(
            JAN,
            provider="ollama",
            model="llama3.3",
            task="describe",
            cost_usd=0.0,
            priced_by="free",
        ),
    )
    lines = store.ai_cost_lines(JAN, FEB)
    assert [(x.provider, x.model, x.task) for x in lines] == [
        ("anthropic", "claude-sonnet-4-5", "advise"),
        ("openai", "gpt-4o-mini", "describe"),
        ("ollama", "llama3.3", "describe"),
    ]
    openai = lines[1]
    assert (openai.calls, openai.cached, openai.failed) == (3, 1, 1)
    assert (openai.input_tokens, openai.output_tokens) == (100, 20)
    assert openai.cost_usd == pytest.approx(0.02)
    assert store.ai_cost_lines(FEB) == []


def test_descriptions_are_replaced_and_go_with_their_sample(store: SampleStore) -> None:
    (sample_id,) = add(store, "/lib/Kick.wav")
    first = AiDescription(
        sample_id=sample_id,
        description="a kick",
        data={"moods": ["dark"]},
        model="openai:gpt-4o-mini",
        created_at=JAN,
    )
    store.save_ai_description(first)
    second = first.model_copy(update={"description": "a punchy kick", "created_at": FEB})
    store.save_ai_description(second)
    assert store.ai_description(sample_id) == second
    assert store.ai_description(sample_id + 1) is None
    with pytest.raises(SampleNotFoundError):
        store.save_ai_description(first.model_copy(update={"sample_id": 999}))
    store.delete_sample(sample_id)
    assert store.ai_description(sample_id) is None
