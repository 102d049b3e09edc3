"""Records of the AI layer that the library keeps: model calls with their cost, descriptions.

Example:
    >>> from datetime import UTC, datetime
    >>> call = AiCall(at=datetime(2026, 1, 5, tzinfo=UTC), task="describe", provider="openai",
    ...               model="gpt-4o-mini", input_tokens=420, output_tokens=80, cost_usd=0.000111)
    >>> call.month
    '2026-01'
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AiCall", "AiCostLine", "AiDescription", "PricedBy"]

#: Where a call's price came from: genai-prices, the ``ai_prices`` setting, a free (local) model,
#: or nowhere (an unknown paid model: counted as 0 and flagged).
PricedBy = Literal["genai-prices", "settings", "free", "unpriced"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class AiCall(_Frozen):
    """One model call as the cost ledger records it (a cache hit is a call with ``cached``)."""

    at: datetime
    task: str = Field(max_length=32, description="The feature: describe, nl_search, advise, kit…")
    provider: str = Field(max_length=32)
    model: str = Field(max_length=128)
    input_tokens: int = Field(0, ge=0)
    output_tokens: int = Field(0, ge=0)
    cost_usd: float = Field(0.0, ge=0)
    priced_by: PricedBy = "genai-prices"
    cached: bool = False
    ok: bool = True
    error_code: str | None = Field(None, max_length=32)
    latency_ms: float = Field(0.0, ge=0)

    @property
    def month(self) -> str:
        """``YYYY-MM`` (UTC), the budget period the call counts in."""
        return self.at.strftime("%Y-%m")


class AiCostLine(_Frozen):
    """Spend of one (provider, model, task) over a period."""

    provider: str
    model: str
    task: str
    calls: int = 0
    cached: int = Field(0, description="Calls answered from the response cache (free).")
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class AiDescription(_Frozen):
    """A sample's AI description, as stored (its tags are stored as tags with source ``ai``)."""

    sample_id: int
    description: str
    data: dict[str, object] = Field(default_factory=dict, description="The full structured output.")
    model: str = Field(description='"provider:model" that wrote it.')
    created_at: datetime
