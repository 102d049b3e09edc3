"""What model calls cost, and the monthly budget.

Prices: a local model (Ollama, an OpenAI-compatible server) is free unless ``ai_prices`` names a
price for it; a hosted model is priced by `genai-prices` when it knows the model, else by
``ai_prices`` (USD per million input and output tokens), else it counts as 0 and is flagged
``unpriced`` (``samplemind ai costs`` lists it, so an operator can add a price).

The ledger keeps every call in the library database (:meth:`SampleStore.record_ai_calls`). A
call is handed to a writer thread that stores calls in batches, so a model call never waits on
the database (an SQLite write costs 1-4 ms, more than the router's whole budget); reads
(:meth:`CostLedger.lines`) and :meth:`CostLedger.close` flush it first. The month's spend is
read from the database once, kept up to date with this process's calls at once, and re-read
every :data:`SPEND_REFRESH_S` so that other processes' calls count too.

Example:
    >>> from samplemind.config import Settings
    >>> from samplemind.ai.catalogue import ModelSpec
    >>> pricing = Pricing(Settings())
    >>> round(pricing.cost(ModelSpec.of("openai:gpt-4o"), 1_000_000, 0)[0], 2)
    2.5
    >>> pricing.cost(ModelSpec.of("ollama:llama3.3"), 1_000_000, 1_000_000)
    (0.0, 'free')
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from samplemind.ai.catalogue import ModelSpec
from samplemind.config import Settings
from samplemind.domain.ai import AiCall, AiCostLine, PricedBy
from samplemind.storage.base import SampleStore

__all__ = ["SPEND_REFRESH_S", "STANDARD_HOURS", "CostLedger", "Pricing", "month_bounds"]

log = logging.getLogger(__name__)

#: How long the cached month spend is trusted before the database is asked again.
SPEND_REFRESH_S = 30.0

#: Calls below this many input tokens are priced linearly from the per-million prices (cached):
#: genai-prices' tiers (long-context prices) start at 128k-200k tokens. Above, genai-prices
#: prices the call itself.
_LINEAR_BELOW_TOKENS = 100_000

#: genai-prices' provider ids for ours.
_GENAI_PROVIDER = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "groq": "groq",
    "deepseek": "deepseek",
}


@lru_cache(maxsize=1024)
def _genai_unit_prices(provider: str, model: str, slot: datetime) -> tuple[float, float] | None:
    """USD per million (input, output) tokens from genai-prices at ``slot``, or None if it does
    not know the model. Some prices depend on the time of day (DeepSeek's off-peak hours), so
    they are looked up per half-hour slot, the granularity of such schedules."""
    from genai_prices import Usage, calc_price

    try:
        million = 1_000_000
        # Priced one side at a time, well under any tier boundary (tiers start at 128k-200k).
        inp = calc_price(
            Usage(input_tokens=100_000), model, provider_id=provider, genai_request_timestamp=slot
        )
        out = calc_price(
            Usage(output_tokens=100_000), model, provider_id=provider, genai_request_timestamp=slot
        )
    except LookupError:
        return None
    return float(inp.total_price) * million / 100_000, float(out.total_price) * million / 100_000


def _slot(moment: datetime) -> datetime:
    """``moment`` in UTC, rounded down to its half hour."""
    utc = moment.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 30, second=0, microsecond=0)


#: When projections are priced: a standard-hours moment (no provider's off-peak discount).
STANDARD_HOURS = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)


class Pricing:
    """Prices of calls: genai-prices, then the ``ai_prices`` setting; local models are free.

    Prices are those in force at ``now()`` (a call is billed at the price of its time of day);
    :meth:`at` gives a pricing fixed at one moment (projections, tests).
    """

    def __init__(
        self, settings: Settings, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.settings = settings
        self.now = now

    def at(self, moment: datetime) -> Pricing:
        """The same prices, as they are at ``moment``."""
        return Pricing(self.settings, now=lambda: moment)

    def unit_prices(self, spec: ModelSpec) -> tuple[float, float, PricedBy]:
        """USD per million (input, output) tokens and where the figure comes from."""
        configured = self.settings.ai_prices.get(spec.ref)
        if spec.local:
            if configured is not None:
                return configured[0], configured[1], "settings"
            return 0.0, 0.0, "free"
        provider = _GENAI_PROVIDER.get(spec.provider)
        known = _genai_unit_prices(provider, spec.name, _slot(self.now())) if provider else None
        if known is not None:
            return known[0], known[1], "genai-prices"
        if configured is not None:
            return configured[0], configured[1], "settings"
        return 0.0, 0.0, "unpriced"

    def cost(
        self, spec: ModelSpec, input_tokens: int, output_tokens: int
    ) -> tuple[float, PricedBy]:
        """USD for one call's tokens."""
        if spec.local and spec.ref not in self.settings.ai_prices:
            return 0.0, "free"
        provider = _GENAI_PROVIDER.get(spec.provider)
        if (
            provider is not None
            and input_tokens >= _LINEAR_BELOW_TOKENS
            and _genai_unit_prices(provider, spec.name, _slot(self.now())) is not None
        ):
            from genai_prices import Usage, calc_price

            # A long-context call: genai-prices applies the tier it falls in.
            price = calc_price(
                Usage(input_tokens=input_tokens, output_tokens=output_tokens),
                spec.name,
                provider_id=provider,
                genai_request_timestamp=self.now(),
            )
            return float(price.total_price), "genai-prices"
        inp, out, source = self.unit_prices(spec)
        return (input_tokens * inp + output_tokens * out) / 1_000_000, source

    def is_free(self, spec: ModelSpec) -> bool:
        inp, out, _ = self.unit_prices(spec)
        return inp == 0 and out == 0 and spec.local

    def estimate(
        self, spec: ModelSpec, *, input_tokens: int = 600, output_tokens: int = 250
    ) -> float:
        """A typical call's cost, for ordering chains by price."""
        inp, out, source = self.unit_prices(spec)
        if source == "unpriced":
            return float("inf")  # unknown price: never the cheap choice
        return (input_tokens * inp + output_tokens * out) / 1_000_000


def month_bounds(
    month: str | None = None, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The UTC start and end of ``month`` (``YYYY-MM``; None: the current month).

    Example:
        >>> [d.isoformat() for d in month_bounds("2026-12")]
        ['2026-12-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00']
    """
    from samplemind.errors import ConfigError

    if month is None:
        current = now or datetime.now(UTC)
        year, number = current.year, current.month
    else:
        try:
            year_text, number_text = month.split("-")
            year, number = int(year_text), int(number_text)
            if not 1 <= number <= 12:
                raise ValueError(month)
        except ValueError as exc:
            raise ConfigError(f"month {month!r} must be written YYYY-MM, e.g. 2026-01") from exc
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


class CostLedger:
    """Records calls in the library database and answers "how much this month?".

    Args:
        store: The library's store (the ledger lives beside the samples).
        pricing: Prices per model.
        budget_usd: The monthly budget; None: unlimited.
        now: The wall clock (tests inject one).
        monotonic: Seconds for the spend cache's age.
    """

    def __init__(
        self,
        store: SampleStore,
        pricing: Pricing,
        *,
        budget_usd: float | None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.pricing = pricing
        self.budget_usd = budget_usd
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._spend: tuple[str, float, float] | None = None  # (month, read at, usd)
        self._queue: queue.SimpleQueue[AiCall | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def now(self) -> datetime:
        return self._now()

    def record(self, call: AiCall) -> None:
        """Queue one call for the database and add its cost to this month's running total."""
        with self._lock:
            if self._spend is not None and self._spend[0] == call.month:
                month, read_at, usd = self._spend
                self._spend = (month, read_at, usd + call.cost_usd)
            self._pending += 1
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write, name="samplemind-ai-ledger", daemon=True
                )
                self._writer.start()
        self._queue.put(call)

    def _write(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < 500:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            try:
                self.store.record_ai_calls(batch)
            except Exception as exc:  # the answers were given; only their bookkeeping is lost
                log.warning("AI cost ledger: %d call(s) not recorded (%s)", len(batch), exc)
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()

    def flush(self, timeout_s: float = 10.0) -> None:
        """Wait until every queued call is in the database."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending <= 0, timeout=timeout_s)

    def close(self) -> None:
        """Flush and stop the writer thread."""
        self.flush()
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None and writer.is_alive():
            self._queue.put(None)
            writer.join(timeout=10)

    def month_spend(self) -> float:
        """This month's spend in USD (every process's calls, at most a few seconds old)."""
        month = self._now().strftime("%Y-%m")
        with self._lock:
            cached = self._spend
            if (
                cached is not None
                and cached[0] == month
                and self._monotonic() - cached[1] < SPEND_REFRESH_S
            ):
                return cached[2]
        start, end = month_bounds(month)
        self.flush()
        usd = self.store.ai_spend_usd(start, end)
        with self._lock:
            self._spend = (month, self._monotonic(), usd)
        return usd

    def over_budget(self) -> bool:
        return self.budget_usd is not None and self.month_spend() >= self.budget_usd

    def lines(self, month: str | None = None) -> list[AiCostLine]:
        start, end = month_bounds(month, now=self._now())
        self.flush()
        return self.store.ai_cost_lines(start, end)
