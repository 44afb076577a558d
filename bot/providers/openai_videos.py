"""The OpenAI Videos API shape (OpenAI, Azure's v1 API, compatible gateways, the simulator).

``POST /v1/videos`` with a JSON body ``{prompt, model, seconds, size, characters?}``;
``GET /v1/videos/{id}``; ``GET /v1/videos/{id}/content?variant=…``;
``POST /v1/videos/characters`` (multipart: name, video).

Characters: the body carries ``characters: [{"id": …}]`` and the prompt names the character in
plain words, so ``"@mochi naps"`` is sent as ``"mochi naps"``.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from pathlib import Path
from typing import Any

import httpx

from bot.config import ProviderConfig
from bot.providers.base import (
    CharacterRef,
    FailureReason,
    GenerationRequest,
    ProviderError,
    RemoteState,
    RemoteStatus,
    Submitted,
)
from bot.providers.http import (
    DEFAULT_MAX_WAIT,
    HttpCaller,
    RetryPolicy,
    build_client,
    error_from_body,
    normalise_root,
    wait_hint,
)

log = logging.getLogger("sorabot.providers.openai")

# "@name" where name is letters, digits and "_" and the "@" does not follow a word character
# (so "me@example.com" is left alone).
MENTION_RE = re.compile(r"(?<![\w@])@(\w+)")

_STATES = {
    "queued": RemoteState.QUEUED,
    "in_progress": RemoteState.RUNNING,
    "completed": RemoteState.COMPLETED,
    "failed": RemoteState.FAILED,
}
_VARIANTS = frozenset({"video", "thumbnail", "spritesheet"})


def api_root(base_url: str) -> str:
    """``https://host[/prefix]`` or ``…/v1`` (with or without a trailing slash) → ``…/v1``."""
    root = normalise_root(base_url)
    if root.endswith("/v1"):
        return root
    return f"{root}/v1"


def rewrite_mentions(prompt: str, characters: tuple[CharacterRef, ...], replace: Any) -> str:
    """Replace each ``@name`` of a known character (case-insensitive) with ``replace(ref)``;
    unknown mentions stay as written."""
    by_name = {c.name.casefold(): c for c in characters}

    def sub(match: re.Match[str]) -> str:
        ref = by_name.get(match.group(1).casefold())
        return replace(ref) if ref is not None else match.group(0)

    return MENTION_RE.sub(sub, prompt)


def parse_progress(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:
        return None
    if isinstance(value, float) and 0 < number < 1:
        number *= 100  # a fraction of one
    return max(0, min(100, round(number)))


class OpenAIVideosProvider:
    """:class:`~bot.providers.base.VideoProvider` for the OpenAI Videos API shape."""

    kind = "openai"
    supports_storyboard = False  # the OpenAI Videos API shape has no storyboard field

    def __init__(self, config: ProviderConfig, *, client: httpx.AsyncClient | None = None,
                 backoff_base: float = 0.5, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        self.config = config
        self.name = config.name
        self.root = api_root(config.base_url)
        owns = client is None
        if client is None:
            client = build_client(config, base_url=self.root)
        self._http = HttpCaller(client, config=config, owns_client=owns, logger=log,
                                policy=RetryPolicy.from_config(config, backoff_base=backoff_base,
                                                               max_wait=max_wait))
        self._unknown_words: set[str] = set()

    def _url(self, path: str) -> str:
        return f"{self.root}/{path.lstrip('/')}"

    # -- VideoProvider ------------------------------------------------------------------------

    def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The exact JSON body :meth:`submit` sends for ``request``."""
        if request.storyboard:
            raise ProviderError(FailureReason.INVALID_REQUEST,
                                f"provider {self.name}: the OpenAI Videos API shape takes no storyboard")
        body: dict[str, Any] = {
            "prompt": rewrite_mentions(request.prompt, request.characters, lambda ref: ref.name),
            "model": request.snapshot,
            "seconds": str(request.seconds),
            "size": request.size,
        }
        if request.characters:
            body["characters"] = [{"id": c.provider_character_id} for c in request.characters]
        return body

    async def submit(self, request: GenerationRequest) -> Submitted:
        body = self.build_body(request)
        answer = await self._http.json("POST", self._url("videos"), json_body=body, idempotent=False,
                                       what="create video")
        remote_id = answer.data.get("id")
        if not isinstance(remote_id, str) or not remote_id:
            # Accepted, but we cannot tell which job it made: do not let anyone resubmit blindly.
            raise ProviderError(FailureReason.SUBMIT_INTERRUPTED,
                                f"create answered without an id: {answer.response.text[:500]}",
                                status_code=answer.response.status_code)
        log.info("%s: created video %s (model %s, %ss)", self.name, remote_id, body["model"], body["seconds"])
        status = answer.data.get("status")
        if status == "failed":  # refused at once (e.g. moderation) but with a 2xx answer
            log.info("%s: video %s failed at creation: %s", self.name, remote_id, answer.data.get("error"))
        return Submitted(remote_id=remote_id, sent=body,
                         poll_after=wait_hint(answer.response.headers, prefer_poll=True),
                         state=_STATES.get(str(status or "").lower()))

    async def status(self, remote_id: str) -> RemoteStatus:
        answer = await self._http.json("GET", self._url(f"videos/{remote_id}"), idempotent=True,
                                       what=f"status {remote_id}", not_found=FailureReason.GENERATION_FAILED)
        data = answer.data
        word = str(data.get("status") or "")
        state = _STATES.get(word.lower(), RemoteState.UNKNOWN)
        if state is RemoteState.UNKNOWN and word not in self._unknown_words:
            self._unknown_words.add(word)
            log.warning("%s: unknown status word %r for video %s; treating it as still running",
                        self.name, word, remote_id)
        error = None
        if state is RemoteState.FAILED:
            error = error_from_body(data.get("error"), default=FailureReason.GENERATION_FAILED)
        extra = {k: data[k] for k in ("expires_at", "created_at", "completed_at", "model", "seconds", "size")
                 if k in data}
        return RemoteStatus(
            state=state,
            progress=parse_progress(data.get("progress")),
            error=error,
            poll_after=wait_hint(answer.response.headers, prefer_poll=True),
            raw_status=word,
            extra=extra,
        )

    async def download(self, remote_id: str, dest: Path, *, variant: str = "video") -> Path:
        if variant not in _VARIANTS:
            raise ProviderError(FailureReason.INVALID_REQUEST, f"unknown variant {variant!r}")
        return await self._http.download(self._url(f"videos/{remote_id}/content"), Path(dest),
                                         params={"variant": variant}, what=f"download {remote_id}",
                                         not_found=FailureReason.EXPIRED)

    async def create_character(self, name: str, video: Path, description: str = "") -> str:
        video = Path(video)
        content_type = mimetypes.guess_type(video.name)[0] or "video/mp4"

        def files() -> dict[str, Any]:
            # Opened per attempt (a retry re-reads from the start); httpx streams it in chunks.
            return {"video": (video.name, video.open("rb"), content_type)}

        answer = await self._http.json("POST", self._url("videos/characters"), data={"name": name},
                                       files_factory=files, idempotent=False, what="create character")
        char_id = answer.data.get("id")
        if not isinstance(char_id, str) or not char_id:
            raise ProviderError(FailureReason.CHARACTER_UNAVAILABLE,
                                f"character create answered without an id: {answer.response.text[:500]}")
        log.info("%s: created character %s (%s)", self.name, char_id, name)
        return char_id

    async def aclose(self) -> None:
        await self._http.aclose()
