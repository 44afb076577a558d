"""Video providers behind one protocol (see :mod:`bot.providers.base`)."""

from __future__ import annotations

import httpx

from bot.config import ProviderConfig
from bot.providers.base import (
    CharacterRef,
    FailureReason,
    GenerationRequest,
    ProviderError,
    RemoteState,
    RemoteStatus,
    Scene,
    Submitted,
    VideoProvider,
)
from bot.providers.gateway import TaskGatewayProvider
from bot.providers.http import DEFAULT_MAX_WAIT, RetryPolicy, build_client
from bot.providers.openai_videos import OpenAIVideosProvider

__all__ = [
    "DEFAULT_MAX_WAIT",
    "CharacterRef",
    "FailureReason",
    "GenerationRequest",
    "OpenAIVideosProvider",
    "ProviderError",
    "RemoteState",
    "RemoteStatus",
    "RetryPolicy",
    "Scene",
    "Submitted",
    "TaskGatewayProvider",
    "VideoProvider",
    "build_client",
    "make_provider",
]


def make_provider(config: ProviderConfig, *, base_url: str | None = None,
                  client: httpx.AsyncClient | None = None, backoff_base: float = 0.5,
                  max_wait: float = DEFAULT_MAX_WAIT) -> VideoProvider:
    """The provider adapter for ``config.kind``.

    ``"openai"`` and ``"simulator"`` speak the OpenAI Videos shape, ``"gateway"`` and
    ``"simulator-gateway"`` the task gateway shape. ``base_url`` overrides the configured one
    (e.g. the address an in-process simulator was started on).
    """
    if base_url is not None:
        config = config.model_copy(update={"base_url": base_url})
    if not config.base_url:
        raise ValueError(f"provider {config.name!r} has no base_url")
    if config.kind in ("openai", "simulator"):
        return OpenAIVideosProvider(config, client=client, backoff_base=backoff_base, max_wait=max_wait)
    if config.kind in ("gateway", "simulator-gateway"):
        return TaskGatewayProvider(config, client=client, backoff_base=backoff_base, max_wait=max_wait)
    raise ValueError(f"provider {config.name!r}: unknown kind {config.kind!r}")
