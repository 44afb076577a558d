"""A local video API server that speaks both provider shapes and renders real MP4s.

- OpenAI Videos shape under ``/v1`` (``POST /v1/videos``, ``GET /v1/videos/{id}``,
  ``GET /v1/videos``, ``DELETE /v1/videos/{id}``, ``GET /v1/videos/{id}/content``,
  ``POST /v1/videos/{id}/remix``, ``POST /v1/videos/characters``,
  ``GET /v1/videos/characters/{id}``): faithful enough for the official ``openai`` SDK.
- Task-gateway shape under ``/sora`` (``POST /sora/generate``, ``GET /sora/tasks/{id}``,
  ``GET /sora/files/{id}.mp4``, ``POST /sora/characters``, ``POST /sora/characters/extract``,
  ``GET /sora/characters``).
- Control under ``/_sim`` (never recorded, never faulted): ``GET /_sim/requests``,
  ``DELETE /_sim/requests``, ``GET|POST /_sim/faults``, ``POST /_sim/speed``.

A job "takes" its duration divided by ``speed`` in real time: queued for the first 10 %, then
in progress with a rising ``progress``, then completed. Videos are rendered with
:mod:`bot.media` in a worker thread when a finished job is first seen or its content is first
asked for, and cached in ``media_dir``. Faults come from prompt markers and from
:class:`~bot.simulator.faults.Faults` switches (see that module).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from bot import media

from .faults import Faults, Markers, parse_markers, strip_markers
from .state import Character, Clock, Headers, Job, JobState, RecordedRequest, new_id

__all__ = ["OPENAI_SECONDS", "SimulatorServer", "serve"]

OPENAI_SECONDS: tuple[str, ...] = ("4", "8", "12", "10", "15", "16", "20", "25")
DEFAULT_GATEWAY_DURATIONS: tuple[int, ...] = (10, 15, 20, 25)
STATUS_WORDS: dict[str, dict[str, str]] = {
    "openai": {"queued": "queued", "in_progress": "in_progress", "completed": "completed", "failed": "failed"},
    "classic": {"queued": "pending", "in_progress": "processing", "completed": "success", "failed": "fail"},
}
_GATEWAY_CHARACTER = re.compile(r"@(char_[0-9A-Za-z]+)")
_FORM_CHARACTER = re.compile(r"^characters(?:\[\d*\])?(?:\[id\])?$")
_MAX_BODY = 1024 * 1024 * 1024
_STATUS_REASONS = {
    400: "Bad request.",
    401: "Unauthorized.",
    403: "Forbidden.",
    404: "Not found.",
    408: "Request timeout.",
    409: "Conflict.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request.",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
    504: "Gateway timeout.",
}
_STATUS_CODES = {429: "rate_limit_exceeded", 500: "server_error", 502: "bad_gateway", 503: "service_unavailable"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Variant = Literal["video", "thumbnail", "spritesheet"]


class _Reject(Exception):
    """Raised inside a handler to answer with an error in the endpoint's shape."""

    def __init__(self, status: int, message: str, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers or {}


@dataclass
class _Parsed:
    """A request's body, parsed once by the middleware (recording) and reused by the handler."""

    json: Any = None
    form: MultiDictProxy[Any] | None = None
    error: str | None = None


_PARSED: ContextVar[_Parsed | None] = ContextVar("sim_parsed_body", default=None)


class _Drop(Exception):
    """Raised inside a handler to drop the connection without an answer."""


class _Malformed(Exception):
    """Raised inside a handler to answer 200 with a body that is not valid JSON."""


class SimulatorServer:
    """The simulator, started and stopped from async code (tests, ``sorabot simulate``)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0, api_key: str | None = None,
                 render_width: int = 320, render_fps: int = 12, media_dir: Path | None = None,
                 gateway_status_words: str = "openai",
                 gateway_durations: tuple[int, ...] = DEFAULT_GATEWAY_DURATIONS) -> None:
        if gateway_status_words not in STATUS_WORDS:
            raise ValueError(f"gateway_status_words must be one of {', '.join(STATUS_WORDS)}")
        self.host = host
        self.port = port
        self.api_key = api_key or None
        self.render_width = render_width
        self.render_fps = render_fps
        self.gateway_status_words = gateway_status_words
        self.gateway_durations = tuple(gateway_durations)
        self.clock = Clock(speed)
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.videos: dict[str, Job] = {}  # OpenAI shape, by video id
        self.tasks: dict[str, Job] = {}  # gateway shape, by task id
        self.characters: dict[str, Character] = {}
        self.base_url = ""
        self._media_dir_arg = media_dir
        self._media_dir: Path | None = None
        self._owns_media_dir = False
        self._create_attempts: dict[str, int] = {}
        self._renders: dict[str, asyncio.Task[None]] = {}
        self._render_slots = asyncio.Semaphore(2)
        self._seq = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> str:
        """Start listening; returns the base URL (``http://127.0.0.1:PORT``, no trailing slash)."""
        if self._runner is not None:
            return self.base_url
        if self._media_dir_arg is None:
            self._media_dir = Path(tempfile.mkdtemp(prefix="sorabot-sim-"))
            self._owns_media_dir = True
        else:
            self._media_dir = Path(self._media_dir_arg)
            self._media_dir.mkdir(parents=True, exist_ok=True)
        app = web.Application(middlewares=[self._middleware], client_max_size=_MAX_BODY)
        self._routes(app)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = int(port)
        shown = f"[{host}]" if ":" in str(host) else str(host)
        self.base_url = f"http://{shown}:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop listening, wait for renders in flight and remove a media dir this server created."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._renders:
            await asyncio.gather(*self._renders.values(), return_exceptions=True)
            self._renders.clear()
        if self._owns_media_dir and self._media_dir is not None:
            shutil.rmtree(self._media_dir, ignore_errors=True)
            self._media_dir = None
            self._owns_media_dir = False

    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def speed(self) -> float:
        return self.clock.speed

    def set_speed(self, speed: float) -> None:
        """Change how fast virtual time runs; jobs in flight keep their progress."""
        self.clock.set_speed(speed)

    @property
    def media_dir(self) -> Path:
        if self._media_dir is None:
            raise RuntimeError("the simulator is not started")
        return self._media_dir

    def job(self, job_id: str) -> Job | None:
        """A job of either shape by id (deleted ones included)."""
        return self.videos.get(job_id) or self.tasks.get(job_id)

    def expire(self, job_id: str) -> None:
        """Make a job's content answer 404 from now on (as when its links expire)."""
        job = self.job(job_id)
        if job is None:
            raise KeyError(job_id)
        job.expired = True

    def poll_after_ms(self) -> int:
        return max(100, int(2000 / self.clock.speed))

    # ------------------------------------------------------------------ plumbing

    def _routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/_sim/requests", self._sim_requests)
        r.add_delete("/_sim/requests", self._sim_clear_requests)
        r.add_get("/_sim/faults", self._sim_get_faults)
        r.add_post("/_sim/faults", self._sim_set_faults)
        r.add_post("/_sim/speed", self._sim_speed)
        # OpenAI Videos shape (characters first: /v1/videos/characters is not a video id)
        r.add_post("/v1/videos/characters", self._oa_create_character)
        r.add_get("/v1/videos/characters/{character_id}", self._oa_get_character)
        r.add_post("/v1/videos", self._oa_create)
        r.add_get("/v1/videos", self._oa_list)
        r.add_get("/v1/videos/{video_id}", self._oa_retrieve)
        r.add_delete("/v1/videos/{video_id}", self._oa_delete)
        r.add_get("/v1/videos/{video_id}/content", self._oa_content)
        r.add_post("/v1/videos/{video_id}/remix", self._oa_remix)
        # task-gateway shape
        r.add_post("/sora/generate", self._gw_generate)
        r.add_get("/sora/tasks/{task_id}", self._gw_task)
        r.add_get("/sora/files/{name}", self._gw_file)
        r.add_post("/sora/characters/extract", self._gw_extract_character)
        r.add_post("/sora/characters", self._gw_create_character)
        r.add_get("/sora/characters", self._gw_list_characters)

    @staticmethod
    def _is_openai(request: web.Request) -> bool:
        return request.path.startswith("/v1/") or request.path == "/v1"

    def _error(self, request: web.Request, status: int, message: str, *, param: str | None = None,
               code: str | None = None, headers: dict[str, str] | None = None) -> web.Response:
        if self._is_openai(request):
            err_type = "invalid_request_error" if status < 500 and status != 429 else (
                "requests" if status == 429 else "server_error")
            body: dict[str, Any] = {"error": {"message": message, "type": err_type, "param": param, "code": code}}
        else:
            body = {"error": message}
            if code:
                body["code"] = code
        return web.json_response(body, status=status, headers=headers)

    def _fault_response(self, request: web.Request, status: int) -> web.Response:
        headers = {"Retry-After": "1"} if status in (429, 503) else None
        message = _STATUS_REASONS.get(status, f"Simulated error {status}.")
        return self._error(request, status, message, code=_STATUS_CODES.get(status), headers=headers)

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.api_key

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        record = await self._record(request)
        response = await self._answer(request, handler)
        transport = request.transport
        record.status = None if transport is None or transport.is_closing() else response.status
        return response

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)
        if self.faults.down:
            return self._error(request, 503, _STATUS_REASONS[503], code="service_unavailable",
                               headers={"Retry-After": "1"})
        public_file = request.path.startswith("/sora/files/")
        if self.api_key and not public_file and not self._authorized(request):
            if self._is_openai(request):
                return self._error(request, 401, "Incorrect API key provided. You can find your API key at "
                                   "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
            return self._error(request, 401, "invalid api key", code="unauthorized")
        try:
            return await handler(request)
        except _Reject as exc:
            return self._error(request, exc.status, exc.message, param=exc.param, code=exc.code, headers=exc.headers)
        except _Malformed:
            return web.Response(status=200, body=b'{"id": "', content_type="application/json")
        except _Drop:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client: the connection is gone
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return self._error(request, exc.status, _STATUS_REASONS.get(exc.status, exc.reason),
                               code="not_found" if exc.status == 404 else None)

    async def _record(self, request: web.Request) -> RecordedRequest:
        parsed = _Parsed()
        _PARSED.set(parsed)
        if request.body_exists:
            ctype = request.content_type
            if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                try:
                    parsed.form = await request.post()
                except ValueError as exc:
                    parsed.error = f"We could not parse the form body of your request: {exc}"
                    parsed.form = MultiDictProxy(MultiDict())
            else:
                raw = await request.read()
                try:
                    parsed.json = json.loads(raw) if raw else None
                except ValueError:
                    parsed.error = "We could not parse the JSON body of your request."
        form: dict[str, Any] | None = None
        if parsed.form is not None:
            form = {}
            for key in parsed.form:
                values = [_describe_field(v) for v in parsed.form.getall(key)]
                form[key] = values[0] if len(values) == 1 else values
        record = RecordedRequest(method=request.method, path=request.path, query=dict(request.query),
                                 headers=Headers(request.headers), json=parsed.json, form=form, time=time.time())
        self.requests.append(record)
        return record

    async def _slow(self, job: Job) -> None:
        if job.markers.slow:
            await asyncio.sleep(self.clock.real_seconds(2.0))

    def _state(self, job: Job) -> JobState:
        state = job.state(self.clock.now())
        if state.status == "completed" and job.completed_at is None:
            job.completed_at = int(self.clock.wall_time_of(job.done_virtual()))
        return state

    def _status_fault(self, job: Job) -> None:
        """Apply the [sim:reset] / [sim:malformed] / [sim:status500xN] markers for this status call."""
        job.status_calls += 1
        plan = job.markers.status_errors
        if job.status_calls <= len(plan):
            what = plan[job.status_calls - 1]
            if what == "reset":
                raise _Drop
            if what == "malformed":
                raise _Malformed
            assert isinstance(what, int)
            raise _Reject(what, _STATUS_REASONS.get(what, "Simulated error."), code=_STATUS_CODES.get(what))

    def _create_fault(self, markers: Markers, prompt: str) -> None:
        """Apply the create markers ([sim:moderation-create], [sim:NNNxK], [sim:429…]) for this attempt."""
        if markers.moderation_create:
            raise _Reject(400, "Your request was blocked by our moderation system.", param="prompt",
                          code="moderation_blocked")
        plan = markers.create_plan
        if not plan:
            return
        attempt = self._create_attempts.get(prompt, 0) + 1
        self._create_attempts[prompt] = attempt
        if attempt <= len(plan):
            status = plan[attempt - 1]
            headers = {"Retry-After": "1"} if status == 429 and markers.rate_limit == "retry-after" else None
            raise _Reject(status, _STATUS_REASONS.get(status, "Simulated error."), code=_STATUS_CODES.get(status),
                          headers=headers)

    def _new_job(self, *, job_id: str, shape: Literal["openai", "gateway"], prompt: str, model: str, seconds: int,
                 size: str, markers: Markers, characters: tuple[str, ...] = (),
                 storyboard: tuple[tuple[int, int, str], ...] = (), remixed_from: str | None = None,
                 input_reference: dict[str, Any] | None = None) -> Job:
        self._seq += 1
        job = Job(id=job_id, shape=shape, prompt=prompt, model=model, seconds=seconds, size=size,
                  created_at=int(time.time()), start_virtual=self.clock.now(), markers=markers, seq=self._seq,
                  characters=characters, storyboard=storyboard, remixed_from=remixed_from,
                  input_reference=input_reference)
        (self.videos if shape == "openai" else self.tasks)[job_id] = job
        return job

    # ------------------------------------------------------------------ rendering

    def _paths(self, job: Job) -> dict[Variant, Path]:
        base = self.media_dir / job.id
        return {"video": base.with_suffix(".mp4"), "thumbnail": base.with_suffix(".jpg"),
                "spritesheet": base.parent / f"{job.id}_sprites.jpg"}

    def _render_sync(self, job: Job) -> None:
        paths = self._paths(job)
        text = strip_markers(job.prompt) or "(storyboard)"
        header = f"{job.model} · {job.seconds}s · {job.id[-8:]}"
        scenes = [(float(s), float(e), strip_markers(t)) for s, e, t in job.storyboard] or None
        tmp = paths["video"].with_name(paths["video"].name + ".part")
        media.render_video(tmp, text=text, seconds=job.seconds, size=job.size, width=self.render_width,
                           fps=self.render_fps, scenes=scenes, header=header)
        os.replace(tmp, paths["video"])
        media.extract_thumbnail(paths["video"], paths["thumbnail"])
        media.extract_spritesheet(paths["video"], paths["spritesheet"])

    async def _render(self, job: Job) -> None:
        async with self._render_slots:
            await asyncio.to_thread(self._render_sync, job)

    def _kick_render(self, job: Job) -> asyncio.Task[None]:
        task = self._renders.get(job.id)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.create_task(self._render(job), name=f"sim-render-{job.id}")
            task.add_done_callback(_retrieve_exception)
            self._renders[job.id] = task
        return task

    async def _rendered(self, job: Job, variant: Variant = "video") -> Path:
        await asyncio.shield(self._kick_render(job))
        return self._paths(job)[variant]

    async def _forget_files(self, job: Job) -> None:
        task = self._renders.pop(job.id, None)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        for path in self._paths(job).values():
            path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ /_sim

    async def _sim_requests(self, request: web.Request) -> web.Response:
        return web.json_response([r.to_dict() for r in self.requests])

    async def _sim_clear_requests(self, request: web.Request) -> web.Response:
        self.requests.clear()
        return web.json_response({"cleared": True})

    async def _sim_get_faults(self, request: web.Request) -> web.Response:
        return web.json_response(self.faults.as_dict())

    async def _sim_set_faults(self, request: web.Request) -> web.Response:
        try:
            changes = await request.json()
        except ValueError:
            return web.json_response({"error": "send a JSON object of fault switches"}, status=400)
        if changes == {} or changes is None:
            self.faults.reset()
        elif not isinstance(changes, dict):
            return web.json_response({"error": "send a JSON object of fault switches"}, status=400)
        else:
            try:
                self.faults.update(changes)
            except ValueError as exc:
                return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(self.faults.as_dict())

    async def _sim_speed(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
            speed = float(data["speed"])
            self.set_speed(speed)
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": 'send {"speed": <positive number>}'}, status=400)
        return web.json_response({"speed": self.clock.speed})

    # ------------------------------------------------------------------ OpenAI shape

    def _video_json(self, job: Job, state: JobState) -> dict[str, Any]:
        finished = state.status == "completed"
        return {
            "id": job.id,
            "object": "video",
            "model": job.model,
            "status": state.status,
            "progress": state.progress,
            "created_at": job.created_at,
            "completed_at": job.completed_at if finished else None,
            "expires_at": job.completed_at + 3600 if finished and job.completed_at is not None else None,
            "seconds": str(job.seconds),
            "size": job.size,
            "prompt": job.prompt,
            "error": state.error,
            "remixed_from_video_id": job.remixed_from,
        }

    def _video_response(self, job: Job) -> web.Response:
        state = self._state(job)
        headers: dict[str, str] = {}
        if state.status in ("queued", "in_progress"):
            headers["openai-poll-after-ms"] = str(self.poll_after_ms())
        elif state.status == "completed" and not job.is_expired(self.clock.now()):
            self._kick_render(job)  # the client will want the content next
        return web.json_response(self._video_json(job, state), headers=headers)

    def _video(self, request: web.Request) -> Job:
        video_id = request.match_info["video_id"]
        job = self.videos.get(video_id)
        if job is None or job.deleted:
            raise _Reject(404, f"Video with id '{video_id}' not found.", param="video_id", code="not_found")
        return job

    @staticmethod
    def _body(request: web.Request) -> tuple[dict[str, Any], MultiDictProxy[Any] | None]:
        """The request's fields (JSON object or form fields) and the raw form, if it was a form."""
        parsed = _PARSED.get() or _Parsed()
        if parsed.error:
            raise _Reject(400, parsed.error, code="invalid_body")
        form = parsed.form
        if form is not None:
            return {k: form.getone(k) for k in form}, form
        data = parsed.json
        if data is None:
            return {}, None
        if not isinstance(data, dict):
            raise _Reject(400, "The request body must be a JSON object.", code="invalid_type")
        return data, None

    async def _oa_create(self, request: web.Request) -> web.Response:
        if (status := self.faults.take("create")) is not None:
            return self._fault_response(request, status)
        data, form = self._body(request)
        prompt = data.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise _Reject(400, "Missing required parameter: 'prompt'." if prompt is None else
                          "Invalid 'prompt': the prompt must be a non-empty string.", param="prompt",
                          code="missing_required_parameter" if prompt is None else "invalid_value")
        model = data.get("model", "sora-2")
        if not isinstance(model, str) or not model:
            raise _Reject(400, "Invalid 'model': expected a model name.", param="model", code="invalid_value")
        seconds = data.get("seconds", "4")
        if not isinstance(seconds, str):
            raise _Reject(400, f"Invalid type for 'seconds': expected one of {', '.join(map(repr, OPENAI_SECONDS))}"
                          f", but got {type(seconds).__name__} instead.", param="seconds", code="invalid_type")
        if seconds not in OPENAI_SECONDS:
            raise _Reject(400, f"Invalid value: '{seconds}'. Supported values are: "
                          f"{', '.join(map(repr, OPENAI_SECONDS))}.", param="seconds", code="invalid_value")
        size = data.get("size", "720x1280")
        if size not in media.SIZES:
            raise _Reject(400, f"Invalid value: '{size}'. Supported values are: {', '.join(map(repr, media.SIZES))}.",
                          param="size", code="invalid_value")
        character_ids = _character_ids(data, form)
        for cid in character_ids:
            if cid not in self.characters:
                raise _Reject(400, f"Character '{cid}' not found.", param="characters", code="character_not_found")
        reference = _reference(data, form)
        markers = parse_markers(prompt)
        if markers.slow:
            await asyncio.sleep(self.clock.real_seconds(2.0))
        self._create_fault(markers, prompt)
        job = self._new_job(job_id=new_id("video"), shape="openai", prompt=prompt, model=model, seconds=int(seconds),
                            size=str(size), markers=markers, characters=tuple(character_ids),
                            input_reference=reference)
        return self._video_response(job)

    async def _oa_remix(self, request: web.Request) -> web.Response:
        if (status := self.faults.take("create")) is not None:
            return self._fault_response(request, status)
        source = self._video(request)
        data, _ = self._body(request)
        prompt = data.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise _Reject(400, "Missing required parameter: 'prompt'.", param="prompt",
                          code="missing_required_parameter")
        if self._state(source).status != "completed":
            raise _Reject(400, "Only a completed video can be remixed.", param="video_id", code="invalid_value")
        markers = parse_markers(prompt)
        self._create_fault(markers, prompt)
        job = self._new_job(job_id=new_id("video"), shape="openai", prompt=prompt, model=source.model,
                            seconds=source.seconds, size=source.size, markers=markers,
                            characters=source.characters, remixed_from=source.id)
        return self._video_response(job)

    async def _oa_retrieve(self, request: web.Request) -> web.Response:
        if (status := self.faults.take("status")) is not None:
            return self._fault_response(request, status)
        job = self._video(request)
        await self._slow(job)
        self._status_fault(job)
        return self._video_response(job)

    async def _oa_list(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", "20"))
        except ValueError:
            raise _Reject(400, "Invalid 'limit': expected an integer.", param="limit", code="invalid_value") from None
        if not 1 <= limit <= 100:
            raise _Reject(400, "Invalid 'limit': expected a value between 1 and 100.", param="limit",
                          code="invalid_value")
        order = request.query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise _Reject(400, "Invalid 'order': expected 'asc' or 'desc'.", param="order", code="invalid_value")
        jobs = sorted((j for j in self.videos.values() if not j.deleted), key=lambda j: j.seq,
                      reverse=order == "desc")
        after = request.query.get("after")
        if after:
            ids = [j.id for j in jobs]
            if after not in ids:
                raise _Reject(400, f"Invalid 'after': no video with id '{after}'.", param="after",
                              code="invalid_value")
            jobs = jobs[ids.index(after) + 1:]
        page = jobs[:limit]
        data = [self._video_json(j, self._state(j)) for j in page]
        return web.json_response({"object": "list", "data": data,
                                  "first_id": page[0].id if page else None,
                                  "last_id": page[-1].id if page else None,
                                  "has_more": len(jobs) > limit})

    async def _oa_delete(self, request: web.Request) -> web.Response:
        job = self._video(request)
        await self._slow(job)
        job.deleted = True
        await self._forget_files(job)
        return web.json_response({"id": job.id, "object": "video.deleted", "deleted": True})

    async def _oa_content(self, request: web.Request) -> web.StreamResponse:
        if (status := self.faults.take("content")) is not None:
            return self._fault_response(request, status)
        job = self._video(request)
        await self._slow(job)
        variant = request.query.get("variant", "video")
        if variant not in ("video", "thumbnail", "spritesheet"):
            raise _Reject(400, f"Invalid value: '{variant}'. Supported values are: 'video', 'thumbnail' and "
                          "'spritesheet'.", param="variant", code="invalid_value")
        state = self._state(job)
        if state.status != "completed":
            raise _Reject(400, f"Video is not ready yet (status: {state.status}); wait for it to complete.",
                          param="video_id", code="video_not_ready")
        if job.is_expired(self.clock.now()):
            raise _Reject(404, "The video's content has expired and is no longer available.", param="video_id",
                          code="video_expired")
        path = await self._rendered(job, cast(Variant, variant))
        ctype = "video/mp4" if variant == "video" else "image/jpeg"
        return web.FileResponse(path, headers={"Content-Type": ctype})

    async def _oa_create_character(self, request: web.Request) -> web.Response:
        data, form = self._body(request)
        if form is None:
            raise _Reject(400, "Expected a multipart/form-data body with 'name' and 'video'.", param="video",
                          code="invalid_request")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _Reject(400, "Missing required parameter: 'name'.", param="name", code="missing_required_parameter")
        upload = form.get("video")
        if not isinstance(upload, web.FileField):
            raise _Reject(400, "Missing required parameter: 'video' (a video file).", param="video",
                          code="missing_required_parameter")
        size = await self._check_upload(upload)
        character = Character(id=new_id("char"), name=name.strip(), description="", created_at=int(time.time()),
                              shape="openai", source="upload", video_bytes=size)
        self.characters[character.id] = character
        return web.json_response(_character_json(character))

    async def _check_upload(self, upload: web.FileField) -> int:
        """Probe an uploaded file as a video; answers 400 when it is not one. Returns its size."""
        scratch = self.media_dir / f"upload-{new_id('f')}"
        try:
            def save_and_probe() -> media.MediaInfo:
                upload.file.seek(0)
                with scratch.open("wb") as out:
                    shutil.copyfileobj(upload.file, out)
                return media.probe(scratch)

            try:
                info = await asyncio.to_thread(save_and_probe)
            except media.MediaError as exc:
                raise _Reject(400, f"The uploaded file is not a usable video: {exc}", param="video",
                              code="invalid_video") from None
            if not info.has_video:
                raise _Reject(400, "The uploaded file has no video stream.", param="video", code="invalid_video")
            return info.size_bytes
        finally:
            scratch.unlink(missing_ok=True)

    async def _oa_get_character(self, request: web.Request) -> web.Response:
        cid = request.match_info["character_id"]
        character = self.characters.get(cid)
        if character is None:
            raise _Reject(404, f"Character '{cid}' not found.", param="character_id", code="not_found")
        return web.json_response(_character_json(character))

    # ------------------------------------------------------------------ task-gateway shape

    def _task(self, task_id: str) -> Job:
        job = self.tasks.get(task_id)
        if job is None or job.deleted:
            raise _Reject(404, f"task {task_id} not found", code="not_found")
        return job

    async def _gw_generate(self, request: web.Request) -> web.Response:
        if (status := self.faults.take("create")) is not None:
            return self._fault_response(request, status)
        data, _ = self._body(request)
        prompt = data.get("prompt", "")
        if not isinstance(prompt, str):
            raise _Reject(400, "prompt must be a string", code="invalid_prompt")
        storyboard = _storyboard(data.get("storyboard"))
        if not prompt.strip() and not storyboard:
            raise _Reject(400, "prompt is required", code="invalid_prompt")
        duration = _gateway_int(data.get("duration"))
        if storyboard:
            total = storyboard[-1][1]
            if duration is not None and duration != total:
                raise _Reject(400, f"duration {duration} does not match the storyboard's total of {total} s",
                              code="invalid_duration")
            duration = total
        allowed = ", ".join(map(str, self.gateway_durations))
        if duration is None:
            raise _Reject(400, f"duration is required (one of {allowed})", code="invalid_duration")
        if duration not in self.gateway_durations:
            raise _Reject(400, f"duration must be one of {allowed}, not {duration}", code="invalid_duration")
        model = data.get("model") or "sora-2"
        if not isinstance(model, str):
            raise _Reject(400, "model must be a string", code="invalid_model")
        size = _gateway_size(data)
        texts = [prompt] + [text for _, _, text in storyboard]
        mentioned = [m for t in texts for m in _GATEWAY_CHARACTER.findall(t)]
        for cid in mentioned:
            if cid not in self.characters:
                raise _Reject(400, f"unknown character @{cid}", code="character_not_found")
        markers = parse_markers(" ".join(texts))
        if markers.slow:
            await asyncio.sleep(self.clock.real_seconds(2.0))
        self._create_fault(markers, prompt)
        job = self._new_job(job_id=new_id("task"), shape="gateway", prompt=prompt, model=model, seconds=duration,
                            size=size, markers=markers, characters=tuple(dict.fromkeys(mentioned)),
                            storyboard=storyboard)
        return web.json_response({"task_id": job.id})

    def _file_url(self, job: Job) -> str:
        return f"{self.base_url}/sora/files/{job.id}.mp4"

    async def _gw_task(self, request: web.Request) -> web.Response:
        if (status := self.faults.take("status")) is not None:
            return self._fault_response(request, status)
        job = self._task(request.match_info["task_id"])
        await self._slow(job)
        self._status_fault(job)
        state = self._state(job)
        words = STATUS_WORDS[self.gateway_status_words]
        done = state.status == "completed"
        if done and not job.is_expired(self.clock.now()):
            self._kick_render(job)
        return web.json_response({
            "task_id": job.id,
            "status": words[state.status],
            "progress": state.progress,
            "video_url": self._file_url(job) if done else None,
            "error": state.error["message"] if state.error else None,
            "error_code": state.error["code"] if state.error else None,
            "duration": job.seconds,
            "model": job.model,
            "created_at": job.created_at,
            "completed_at": job.completed_at if done else None,
        })

    async def _gw_file(self, request: web.Request) -> web.StreamResponse:
        if (status := self.faults.take("content")) is not None:
            return self._fault_response(request, status)
        name = request.match_info["name"]
        stem, _, ext = name.rpartition(".")
        variants: dict[str, Variant] = {"mp4": "video", "jpg": "thumbnail"}
        job = self.tasks.get(stem)
        if job is None or job.deleted or ext not in variants:
            raise _Reject(404, "file not found", code="not_found")
        await self._slow(job)
        if self._state(job).status != "completed" or job.is_expired(self.clock.now()):
            raise _Reject(404, "file not found or expired", code="not_found")
        path = await self._rendered(job, variants[ext])
        return web.FileResponse(path, headers={"Content-Type": "video/mp4" if ext == "mp4" else "image/jpeg"})

    def _local_job_for_url(self, url: str) -> Job | None:
        """The job a URL on this very server points at (its video file), else None."""
        parts = urlsplit(url)
        ours = urlsplit(self.base_url)
        local_hosts = {ours.hostname, "127.0.0.1", "localhost", "::1"}
        if parts.hostname not in local_hosts or parts.port != ours.port:
            return None
        if m := re.fullmatch(r"/sora/files/([^/]+)\.mp4", parts.path):
            job = self.tasks.get(m.group(1))
        elif m := re.fullmatch(r"/v1/videos/([^/]+)/content", parts.path):
            job = self.videos.get(m.group(1))
        else:
            raise _Reject(400, "video_url does not point at a video on this server", code="invalid_video_url")
        if job is None or job.deleted or self._state(job).status != "completed" or job.is_expired(self.clock.now()):
            raise _Reject(400, "video_url could not be fetched (404)", code="invalid_video_url")
        return job

    async def _gw_create_character(self, request: web.Request) -> web.Response:
        data, _ = self._body(request)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _Reject(400, "name is required", code="invalid_name")
        url = data.get("video_url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise _Reject(400, "video_url must be an http(s) URL", code="invalid_video_url")
        description = data.get("description") or ""
        if not isinstance(description, str):
            raise _Reject(400, "description must be a string", code="invalid_description")
        size: int | None = None
        job = self._local_job_for_url(url)
        if job is not None:
            path = await self._rendered(job)
            try:
                size = (await asyncio.to_thread(media.probe, path)).size_bytes
            except media.MediaError as exc:
                raise _Reject(400, f"video_url is not a usable video: {exc}", code="invalid_video") from None
        character = Character(id=new_id("char"), name=name.strip(), description=description,
                              created_at=int(time.time()), shape="gateway", source=url, video_bytes=size)
        self.characters[character.id] = character
        return web.json_response({"character_id": character.id})

    async def _gw_extract_character(self, request: web.Request) -> web.Response:
        data, _ = self._body(request)
        task_id = data.get("task_id")
        name = data.get("name")
        if not isinstance(task_id, str) or not task_id:
            raise _Reject(400, "task_id is required", code="invalid_task_id")
        if not isinstance(name, str) or not name.strip():
            raise _Reject(400, "name is required", code="invalid_name")
        job = self.tasks.get(task_id)
        if job is None or job.deleted:
            raise _Reject(404, f"task {task_id} not found", code="not_found")
        if self._state(job).status != "completed":
            raise _Reject(400, f"task {task_id} is not completed", code="task_not_completed")
        description = data.get("description") or ""
        character = Character(id=new_id("char"), name=name.strip(), description=str(description),
                              created_at=int(time.time()), shape="gateway", source=f"task:{task_id}")
        self.characters[character.id] = character
        return web.json_response({"character_id": character.id})

    async def _gw_list_characters(self, request: web.Request) -> web.Response:
        return web.json_response({"characters": [
            {"character_id": c.id, "name": c.name, "description": c.description}
            for c in self.characters.values()]})


# ---------------------------------------------------------------------- helpers


def _retrieve_exception(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()


def _describe_field(value: Any) -> Any:
    if isinstance(value, web.FileField):
        value.file.seek(0, os.SEEK_END)
        size = value.file.tell()
        value.file.seek(0)
        return {"filename": value.filename, "content_type": value.content_type, "size": size}
    return value


def _character_json(character: Character) -> dict[str, Any]:
    return {"id": character.id, "object": "character", "name": character.name, "created_at": character.created_at}


def _character_ids(data: dict[str, Any], form: MultiDictProxy[Any] | None) -> list[str]:
    """Character ids from ``characters: [{"id": …}]`` (JSON) or its multipart spellings."""
    ids: list[str] = []
    if form is None:
        raw = data.get("characters")
        if raw is None:
            return ids
        if not isinstance(raw, list):
            raise _Reject(400, "Invalid 'characters': expected an array of {\"id\": …} objects.", param="characters",
                          code="invalid_type")
        for item in raw:
            cid = item.get("id") if isinstance(item, dict) else None
            if not isinstance(cid, str) or not cid:
                raise _Reject(400, "Invalid 'characters': every item needs an 'id'.", param="characters",
                              code="invalid_value")
            ids.append(cid)
        return ids
    for key in form:
        if not _FORM_CHARACTER.match(key):
            continue
        for value in form.getall(key):
            if not isinstance(value, str):
                continue
            text = value.strip()
            if text.startswith("["):  # a JSON array in one field
                try:
                    parsed = json.loads(text)
                except ValueError:
                    raise _Reject(400, "Invalid 'characters': not valid JSON.", param="characters",
                                  code="invalid_value") from None
                ids.extend(_character_ids({"characters": parsed}, None))
            elif text.startswith("{"):
                try:
                    parsed = json.loads(text)
                except ValueError:
                    raise _Reject(400, "Invalid 'characters': not valid JSON.", param="characters",
                                  code="invalid_value") from None
                ids.extend(_character_ids({"characters": [parsed]}, None))
            elif text:
                ids.append(text)
    return list(dict.fromkeys(ids))


def _reference(data: dict[str, Any], form: MultiDictProxy[Any] | None) -> dict[str, Any] | None:
    if form is not None:
        upload = form.get("input_reference")
        if isinstance(upload, web.FileField):
            described: dict[str, Any] = _describe_field(upload)
            return described
        return None
    ref = data.get("input_reference")
    return ref if isinstance(ref, dict) else None


def _gateway_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Reject(400, "duration must be an integer number of seconds", code="invalid_duration")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Reject(400, "duration must be an integer number of seconds", code="invalid_duration")


def _gateway_size(data: dict[str, Any]) -> str:
    size = data.get("size")
    if size is not None:
        if size not in media.SIZES:
            raise _Reject(400, f"size must be one of {', '.join(media.SIZES)}", code="invalid_size")
        return str(size)
    orientation = data.get("orientation") or data.get("aspect_ratio") or "landscape"
    table = {"landscape": "1280x720", "16:9": "1280x720", "portrait": "720x1280", "9:16": "720x1280"}
    if orientation not in table:
        raise _Reject(400, "orientation must be landscape or portrait", code="invalid_size")
    return table[orientation]


def _storyboard(raw: Any) -> tuple[tuple[int, int, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise _Reject(400, "storyboard must be a non-empty list of {start, end, text} scenes",
                      code="invalid_storyboard")
    scenes: list[tuple[int, int, str]] = []
    expected_start = 0
    for index, scene in enumerate(raw, start=1):
        if not isinstance(scene, dict):
            raise _Reject(400, f"storyboard scene {index} must be an object", code="invalid_storyboard")
        start, end, text = scene.get("start"), scene.get("end"), scene.get("text")
        if (not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool)
                or isinstance(end, bool)):
            raise _Reject(400, f"storyboard scene {index}: start and end must be integers",
                          code="invalid_storyboard")
        if not isinstance(text, str) or not text.strip():
            raise _Reject(400, f"storyboard scene {index}: text is required", code="invalid_storyboard")
        if start != expected_start:
            raise _Reject(400, f"storyboard scene {index} starts at {start} s but must start at "
                          f"{expected_start} s (scenes are contiguous from 0)", code="invalid_storyboard")
        if end <= start:
            raise _Reject(400, f"storyboard scene {index} must end after it starts", code="invalid_storyboard")
        scenes.append((start, end, text))
        expected_start = end
    return tuple(scenes)


# ---------------------------------------------------------------------- sorabot simulate


async def serve(host: str, port: int, *, speed: float, api_key: str | None) -> None:
    """Run a simulator until cancelled (``sorabot simulate``); prints its base URL on stdout."""
    server = SimulatorServer(host=host, port=port, speed=speed, api_key=api_key)
    url = await server.start()
    try:
        print(url, flush=True)
        print(f"sorabot simulator: OpenAI Videos shape at {url}/v1, task gateway at {url}/sora, "
              f"speed {speed:g}x{', API key required' if api_key else ''}. Ctrl-C stops it.",
              file=sys.stderr, flush=True)
        await asyncio.Event().wait()
    finally:
        await server.stop()
