"""Task-style gateways (the "reverse" route some resellers sold).

``POST /sora/generate {prompt, duration, model, storyboard?}`` → ``{task_id}``;
``GET /sora/tasks/{id}`` → ``{status, progress?, video_url, error}``;
``POST /sora/characters {video_url, name, description}`` → ``{character_id}``;
``POST /sora/characters/extract {task_id, name}``; ``GET /sora/characters``.

Characters are referenced in the prompt as ``@<provider_character_id>``. Gateways disagree on
status words, so several vocabularies are understood; an unknown word maps to UNKNOWN (the
poller keeps polling until the job's deadline) and is logged once.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path
from typing import Any

import httpx

from bot.config import ProviderConfig
from bot.providers.base import (
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
from bot.providers.openai_videos import parse_progress, rewrite_mentions

log = logging.getLogger("sorabot.providers.gateway")

STATUS_WORDS: dict[str, RemoteState] = {
    **dict.fromkeys(("queued", "pending", "waiting", "submitted"), RemoteState.QUEUED),
    **dict.fromkeys(("processing", "generating", "in_progress", "running"), RemoteState.RUNNING),
    **dict.fromkeys(("completed", "success", "succeeded", "done"), RemoteState.COMPLETED),
    **dict.fromkeys(("failed", "fail", "error", "cancelled", "canceled", "expired"), RemoteState.FAILED),
}
_MAX_REMEMBERED_URLS = 4096


def map_status_word(word: str) -> RemoteState:
    return STATUS_WORDS.get(word.strip().lower().replace("-", "_").replace(" ", "_"), RemoteState.UNKNOWN)


class TaskGatewayProvider:
    """:class:`~bot.providers.base.VideoProvider` for task-style gateways."""

    kind = "gateway"
    supports_storyboard = True

    def __init__(self, config: ProviderConfig, *, client: httpx.AsyncClient | None = None,
                 backoff_base: float = 0.5, max_wait: float = DEFAULT_MAX_WAIT) -> None:
        self.config = config
        self.name = config.name
        self.root = normalise_root(config.base_url)
        owns = client is None
        if client is None:
            client = build_client(config, base_url=self.root)
        self._http = HttpCaller(client, config=config, owns_client=owns, logger=log,
                                policy=RetryPolicy.from_config(config, backoff_base=backoff_base,
                                                               max_wait=max_wait))
        self._video_urls: OrderedDict[str, str] = OrderedDict()
        self._unknown_words: set[str] = set()

    def _url(self, path: str) -> str:
        return f"{self.root}/{path.lstrip('/')}"

    # -- VideoProvider ------------------------------------------------------------------------

    def build_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The exact JSON body :meth:`submit` sends for ``request``."""

        def tag(ref: Any) -> str:
            return f"@{ref.provider_character_id}"

        body: dict[str, Any] = {
            "prompt": rewrite_mentions(request.prompt, request.characters, tag),
            "duration": request.seconds,
            "model": request.snapshot,
        }
        if request.storyboard:
            body["storyboard"] = [
                {"start": s.start, "end": s.end, "text": rewrite_mentions(s.text, request.characters, tag)}
                for s in request.storyboard
            ]
        return body

    async def submit(self, request: GenerationRequest) -> Submitted:
        body = self.build_body(request)
        answer = await self._http.json("POST", self._url("sora/generate"), json_body=body, idempotent=False,
                                       what="generate")
        task_id = answer.data.get("task_id") or answer.data.get("id")
        if not isinstance(task_id, (str, int)) or isinstance(task_id, bool) or task_id == "":
            raise ProviderError(FailureReason.SUBMIT_INTERRUPTED,
                                f"generate answered without a task_id: {answer.response.text[:500]}",
                                status_code=answer.response.status_code)
        log.info("%s: created task %s (model %s, %ss)", self.name, task_id, body["model"], body["duration"])
        return Submitted(remote_id=str(task_id), sent=body)

    async def status(self, remote_id: str) -> RemoteStatus:
        answer = await self._http.json("GET", self._url(f"sora/tasks/{remote_id}"), idempotent=True,
                                       what=f"task {remote_id}", not_found=FailureReason.GENERATION_FAILED)
        data = answer.data
        word = str(data.get("status") or data.get("state") or "")
        state = map_status_word(word)
        if state is RemoteState.UNKNOWN and word not in self._unknown_words:
            self._unknown_words.add(word)
            log.warning("%s: unknown status word %r for task %s; treating it as still running",
                        self.name, word, remote_id)
        video_url = data.get("video_url") or data.get("url")
        if isinstance(video_url, str) and video_url:
            video_url = str(httpx.URL(self._url("")).join(video_url))  # absolute (tolerate a relative one)
            self._remember(remote_id, video_url)
        else:
            video_url = None
        error = None
        if state is RemoteState.FAILED:
            raw_error: Any = data.get("error") or data.get("message") or word
            code = data.get("error_code") or data.get("code")
            if code and not isinstance(raw_error, dict):
                raw_error = {"code": str(code), "message": str(raw_error)}
            default = FailureReason.EXPIRED if word.lower() == "expired" else FailureReason.GENERATION_FAILED
            error = error_from_body(raw_error, default=default)
        extra = {k: data[k] for k in ("created_at", "finished_at", "expires_at", "model", "duration")
                 if k in data}
        return RemoteStatus(
            state=state,
            progress=parse_progress(data.get("progress")),
            error=error,
            poll_after=wait_hint(answer.response.headers, prefer_poll=True),
            raw_status=word,
            video_url=video_url,
            extra=extra,
        )

    async def download(self, remote_id: str, dest: Path, *, variant: str = "video") -> Path:
        if variant != "video":
            raise ProviderError(FailureReason.INVALID_REQUEST, f"gateway {self.name} only serves the video")
        url = self._video_urls.get(remote_id)
        if url is None:
            status = await self.status(remote_id)
            if status.state is not RemoteState.COMPLETED:
                raise ProviderError(FailureReason.INVALID_REQUEST,
                                    f"task {remote_id} is {status.raw_status!r}, not completed")
            if status.video_url is None:
                raise ProviderError(FailureReason.EXPIRED, f"task {remote_id} completed without a video_url")
            url = status.video_url
        path = await self._http.download(url, Path(dest), what=f"download {remote_id}",
                                         not_found=FailureReason.EXPIRED)
        self._video_urls.pop(remote_id, None)
        return path

    async def create_character(self, name: str, video: Path, description: str = "") -> str:
        raise ProviderError(FailureReason.INVALID_REQUEST, "gateway needs a video URL")

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- gateway extras -----------------------------------------------------------------------

    async def create_character_from_url(self, name: str, video_url: str, description: str = "") -> str:
        """``POST /sora/characters`` from a video the gateway can fetch; returns its character id."""
        answer = await self._http.json("POST", self._url("sora/characters"), idempotent=False,
                                       json_body={"video_url": video_url, "name": name,
                                                  "description": description},
                                       what="create character")
        return self._character_id(answer.data, name)

    async def extract_character(self, task_id: str, name: str) -> str:
        """``POST /sora/characters/extract``: a character from one of our finished tasks."""
        answer = await self._http.json("POST", self._url("sora/characters/extract"), idempotent=False,
                                       json_body={"task_id": task_id, "name": name},
                                       what=f"extract character from {task_id}")
        return self._character_id(answer.data, name)

    async def list_characters(self) -> list[dict[str, Any]]:
        """``GET /sora/characters``: the gateway's characters as dicts (``character_id`` always set)."""
        answer = await self._http.json("GET", self._url("sora/characters"), idempotent=True,
                                       what="list characters", expect=object)
        data = answer.data
        items: Any = data
        if isinstance(data, dict):
            items = data.get("characters", data.get("data", data.get("items", [])))
        if not isinstance(items, list):
            raise ProviderError(FailureReason.UNAVAILABLE, f"unexpected character list: {answer.response.text[:500]}",
                                retryable=True)
        result: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, dict):
                char_id = item.get("character_id") or item.get("id")
                if char_id is not None:
                    result.append({**item, "character_id": str(char_id)})
        return result

    # -- helpers ------------------------------------------------------------------------------

    def _character_id(self, data: dict[str, Any], name: str) -> str:
        char_id = data.get("character_id") or data.get("id")
        if char_id is None or char_id == "" or isinstance(char_id, bool):
            raise ProviderError(FailureReason.CHARACTER_UNAVAILABLE, f"no character_id in answer: {data!r}"[:500])
        log.info("%s: character %s (%s)", self.name, char_id, name)
        return str(char_id)

    def _remember(self, remote_id: str, url: str) -> None:
        self._video_urls[remote_id] = url
        self._video_urls.move_to_end(remote_id)
        while len(self._video_urls) > _MAX_REMEMBERED_URLS:
            self._video_urls.popitem(last=False)
