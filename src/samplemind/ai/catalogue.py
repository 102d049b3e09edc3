"""Providers and models: what is configured, what is reachable, and the pydantic-ai model for each.

A model is named ``"provider:model"`` (pydantic-ai's notation): ``openai:gpt-4o-mini``,
``ollama:llama3.3``, ``compatible:Qwen/Qwen2.5-7B-Instruct``. The providers:

============  ==========================================  =====================================
provider      available when                              wire protocol (pydantic-ai model)
============  ==========================================  =====================================
ollama        ``ollama_url`` answers ``/api/tags`` and    OpenAI chat completions at ``/v1``
              lists the model (pulled)                    (``OllamaProvider``)
openai        ``openai_api_key`` is set                   OpenAI chat completions
anthropic     ``anthropic_api_key`` is set                Anthropic messages
google        ``google_api_key`` is set                   Gemini ``generateContent``
groq          ``groq_api_key`` is set                     Groq (OpenAI-style) chat completions
deepseek      ``deepseek_api_key`` is set                 OpenAI chat completions
compatible    ``openai_compatible_url`` is set and        OpenAI chat completions (vLLM,
              ``ai_models["compatible"]`` lists models    LM Studio, llama.cpp server …)
============  ==========================================  =====================================

Keys are read from :class:`~samplemind.config.Settings` only and handed to the SDKs directly, so
no SDK falls back to reading the environment. Each model carries a quality and a speed score
(1–5, the router's ordering inputs; see :data:`MODEL_TRAITS`).

Example:
    >>> from samplemind.config import Settings
    >>> catalogue = Catalogue(Settings(openai_api_key="sk-test", ollama_url=None))
    >>> [m.ref for m in catalogue.configured()]
    ['openai:gpt-4o-mini', 'openai:gpt-4o']
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from samplemind.config import DEFAULT_AI_MODELS, Settings
from samplemind.errors import ConfigError

if TYPE_CHECKING:
    from pydantic_ai.models import Model

__all__ = [
    "LOCAL_PROVIDERS",
    "MODEL_TRAITS",
    "PROVIDERS",
    "Catalogue",
    "ModelSpec",
    "ProviderStatus",
    "parse_ref",
]

log = logging.getLogger(__name__)

ProviderName = Literal["ollama", "openai", "anthropic", "google", "groq", "deepseek", "compatible"]
PROVIDERS: tuple[str, ...] = (
    "ollama",
    "openai",
    "anthropic",
    "google",
    "groq",
    "deepseek",
    "compatible",
)
#: Providers that run on the user's own hardware: free unless ``ai_prices`` says otherwise.
LOCAL_PROVIDERS = frozenset({"ollama", "compatible"})

#: The public API of each provider, used when ``ai_base_urls`` does not override it.
_DEFAULT_URLS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "google": "https://generativelanguage.googleapis.com",
    "groq": "https://api.groq.com",
    "deepseek": "https://api.deepseek.com",
}

#: (quality, speed), 1–5, for the models we know; the router orders chains by them. Judged from
#: public benchmarks and latency reports for these tasks (short structured answers about sounds);
#: a model not listed gets :data:`_UNKNOWN_TRAITS`.
MODEL_TRAITS: dict[str, tuple[float, float]] = {
    "gpt-4o": (5.0, 3.0),
    "gpt-4o-mini": (3.5, 4.0),
    "claude-sonnet-4-5": (5.0, 3.0),
    "gemini-2.5-pro": (5.0, 2.0),
    "gemini-2.5-flash": (4.0, 4.5),
    "llama-3.3-70b-versatile": (3.5, 5.0),
    "deepseek-chat": (4.0, 2.5),
    "llama3.3": (3.5, 3.0),
}
_UNKNOWN_TRAITS = (3.0, 3.0)

#: How long an Ollama probe's answer is trusted.
_PROBE_TTL_S = 30.0
_PROBE_TIMEOUT_S = 0.5


def parse_ref(ref: str) -> tuple[str, str]:
    """``"provider:model"`` → ``(provider, model)``.

    Raises:
        ConfigError: no colon, or an unknown provider (the valid ones are listed).
    """
    provider, sep, name = ref.partition(":")
    if not sep or not name:
        raise ConfigError(f"model {ref!r} must be written provider:model, e.g. openai:gpt-4o")
    if provider not in PROVIDERS:
        raise ConfigError(f"unknown AI provider {provider!r}; valid: {', '.join(PROVIDERS)}")
    return provider, name


@dataclass(frozen=True)
class ModelSpec:
    """One model of one provider, with the router's ordering inputs."""

    provider: str
    name: str
    quality: float
    speed: float

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.name}"

    @property
    def local(self) -> bool:
        return self.provider in LOCAL_PROVIDERS

    @classmethod
    def of(cls, ref: str) -> ModelSpec:
        provider, name = parse_ref(ref)
        quality, speed = MODEL_TRAITS.get(name, _UNKNOWN_TRAITS)
        return cls(provider, name, quality, speed)


@dataclass(frozen=True)
class ProviderStatus:
    """What ``samplemind ai status`` shows for one provider (never its key)."""

    provider: str
    configured: bool
    available: bool
    models: tuple[str, ...]
    detail: str


class Catalogue:
    """The configured providers and their models; builds (and keeps) pydantic-ai models.

    Args:
        settings: Keys, URLs and model lists.
        probe: ``probe(url) -> list of model names`` for Ollama (tests inject one); the
            default asks ``GET {ollama_url}/api/tags`` with a short timeout.
        clock: Monotonic seconds (tests inject one).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        probe: Callable[[str], list[str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._probe = probe or _ollama_tags
        self._clock = clock
        self._lock = threading.Lock()
        self._probed: tuple[float, list[str] | None, str] | None = None
        self._models: dict[str, Model] = {}

    # --- configuration ------------------------------------------------------------------
    def models_of(self, provider: str) -> list[str]:
        listed = self.settings.ai_models.get(provider)
        if listed is None:
            listed = DEFAULT_AI_MODELS.get(provider, [])
        return list(listed)

    def _key(self, provider: str) -> str | None:
        secret = {
            "openai": self.settings.openai_api_key,
            "anthropic": self.settings.anthropic_api_key,
            "google": self.settings.google_api_key,
            "groq": self.settings.groq_api_key,
            "deepseek": self.settings.deepseek_api_key,
            "compatible": self.settings.openai_compatible_api_key,
        }.get(provider)
        return secret.get_secret_value() if secret is not None else None

    def is_configured(self, provider: str) -> bool:
        if provider == "ollama":
            return bool(self.settings.ollama_url)
        if provider == "compatible":
            return bool(self.settings.openai_compatible_url) and bool(self.models_of(provider))
        return bool(self._key(provider))

    def configured(self) -> list[ModelSpec]:
        """Every model of every configured provider (Ollama unprobed), in provider order."""
        return [
            ModelSpec.of(f"{provider}:{name}")
            for provider in PROVIDERS
            if self.is_configured(provider)
            for name in self.models_of(provider)
        ]

    # --- availability -------------------------------------------------------------------
    def _ollama(self) -> tuple[list[str] | None, str]:
        """Pulled model names (None: unreachable) and a detail line; cached briefly."""
        url = self.settings.ollama_url
        if not url:
            return None, "off (ollama_url is not set)"
        with self._lock:
            cached = self._probed
            if cached is not None and self._clock() - cached[0] < _PROBE_TTL_S:
                return cached[1], cached[2]
        try:
            names: list[str] | None = self._probe(url)
            detail = f"reachable at {url}"
        except Exception as exc:  # any failure to answer means "not available"
            names, detail = None, f"not reachable at {url} ({type(exc).__name__})"
        with self._lock:
            self._probed = (self._clock(), names, detail)
        return names, detail

    def available(self) -> list[ModelSpec]:
        """Configured models that can be called now: keyed providers, and Ollama models that
        the server reports as pulled (``llama3.3`` matches ``llama3.3:latest``)."""
        specs: list[ModelSpec] = []
        for spec in self.configured():
            if spec.provider == "ollama":
                pulled, _ = self._ollama()
                if pulled is None or not _pulled(spec.name, pulled):
                    continue
            specs.append(spec)
        return specs

    def status(self) -> list[ProviderStatus]:
        rows = []
        for provider in PROVIDERS:
            configured = self.is_configured(provider)
            models = tuple(self.models_of(provider))
            if provider == "ollama":
                pulled, detail = self._ollama()
                ready = tuple(m for m in models if pulled is not None and _pulled(m, pulled))
                if pulled is not None and not ready:
                    detail += f"; none of {', '.join(models)} pulled (ollama pull {models[0]})"
                rows.append(ProviderStatus(provider, configured, bool(ready), models, detail))
                continue
            if provider == "compatible":
                detail = (
                    f"at {self.settings.openai_compatible_url}"
                    if configured
                    else "off (set openai_compatible_url and ai_models['compatible'])"
                )
            else:
                detail = (
                    "key set" if configured else f"off (set SAMPLEMIND_{provider.upper()}_API_KEY)"
                )
            rows.append(ProviderStatus(provider, configured, configured, models, detail))
        return rows

    # --- pydantic-ai models ---------------------------------------------------------------
    def base_url(self, provider: str) -> str | None:
        override = self.settings.ai_base_urls.get(provider)
        if override:
            return override.rstrip("/")
        if provider == "ollama":
            return f"{(self.settings.ollama_url or '').rstrip('/')}/v1"
        if provider == "compatible":
            return (self.settings.openai_compatible_url or "").rstrip("/") or None
        return _DEFAULT_URLS.get(provider)

    def model(self, spec: ModelSpec) -> Model:
        """The pydantic-ai model for ``spec``, built once (its HTTP client is reused)."""
        with self._lock:
            found = self._models.get(spec.ref)
            if found is None:
                found = self._models[spec.ref] = self._build(spec)
            return found

    def _build(self, spec: ModelSpec) -> Model:
        provider, name, url = spec.provider, spec.name, self.base_url(spec.provider)
        key = self._key(provider)
        if provider in ("openai", "compatible", "ollama", "deepseek"):
            from pydantic_ai.models.openai import OpenAIChatModel

            provider_obj: Any
            if provider == "ollama":
                from pydantic_ai.providers.ollama import OllamaProvider

                provider_obj = OllamaProvider(base_url=url, api_key="ollama")
            elif provider == "deepseek":
                from openai import AsyncOpenAI
                from pydantic_ai.providers.deepseek import DeepSeekProvider

                client = AsyncOpenAI(api_key=key, base_url=url)
                provider_obj = DeepSeekProvider(openai_client=client)
            else:
                from pydantic_ai.providers.openai import OpenAIProvider

                provider_obj = OpenAIProvider(base_url=url, api_key=key or "not-needed")
            return OpenAIChatModel(name, provider=provider_obj)
        if provider == "anthropic":
            from pydantic_ai.models.anthropic import AnthropicModel
            from pydantic_ai.providers.anthropic import AnthropicProvider

            return AnthropicModel(name, provider=AnthropicProvider(api_key=key, base_url=url))
        if provider == "google":
            from pydantic_ai.models.google import GoogleModel
            from pydantic_ai.providers.google import GoogleProvider

            return GoogleModel(name, provider=GoogleProvider(api_key=key, base_url=url))
        if provider == "groq":
            from pydantic_ai.models.groq import GroqModel
            from pydantic_ai.providers.groq import GroqProvider

            return GroqModel(name, provider=GroqProvider(api_key=key, base_url=url))
        raise ConfigError(f"unknown AI provider {provider!r}; valid: {', '.join(PROVIDERS)}")


def _pulled(name: str, pulled: list[str]) -> bool:
    return any(p == name or p.split(":", 1)[0] == name for p in pulled)


def _ollama_tags(url: str) -> list[str]:
    """Names of the models an Ollama server has pulled (``GET /api/tags``)."""
    import httpx

    response = httpx.get(f"{url.rstrip('/')}/api/tags", timeout=_PROBE_TIMEOUT_S)
    response.raise_for_status()
    return [str(m.get("name") or m.get("model")) for m in response.json().get("models", [])]
