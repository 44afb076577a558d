"""The HTTP layer every provider adapter shares.

* :func:`build_client` makes the ``httpx.AsyncClient`` (base URL, bearer auth from the
  ``SecretStr``, timeouts from :class:`~bot.config.ProviderConfig`).
* :class:`RetryPolicy` retries with **tenacity**: exponential backoff with jitter, honouring the
  server's ``retry-after-ms`` / ``Retry-After`` (seconds or an HTTP date) /
  ``openai-poll-after-ms`` hints (capped), for a bounded number of tries.
* :func:`error_from_response` maps an HTTP answer to a :class:`ProviderError` whose ``reason``
  is safe to show a user; the raw body goes to ``detail`` (logs only) with the API key redacted.

What is retried
---------------
Idempotent reads (``GET`` of a status, a download, a list) are retried on 429, 500/502/503/504,
timeouts, connection errors (refused, reset, ``RemoteProtocolError``) and malformed JSON.

Creates (``POST`` that makes a video or a character) cost money, and sending one twice can make
two videos and bill both. A create is therefore retried only when the request certainly did not
start any work at the provider:

* the provider *answered* 429 or 500/502/503/504 (it told us it did not take the job), or
* the connection failed before the request was sent (``httpx.ConnectError``,
  ``httpx.ConnectTimeout``, ``httpx.PoolTimeout``).

A read timeout, a write timeout, a reset or a protocol error after the request went out, or a
2xx answer whose body we cannot read, is *ambiguous*: the provider may be making the video. Such
a create is never retried here; it raises ``ProviderError(SUBMIT_INTERRUPTED, retryable=False)``
so the core can tell the user instead of paying twice.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from bot.config import ProviderConfig
from bot.providers.base import FailureReason, ProviderError

log = logging.getLogger("sorabot.providers.http")

T = TypeVar("T")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_MAX_WAIT = 30.0
_DETAIL_LIMIT = 2000
_USER_AGENT = "sorabot/0.1 (+https://github.com/sorabot)"

# Error codes (or words in an error message) that mean "refused by content moderation".
_MODERATION_CODES = frozenset({
    "moderation_blocked", "content_policy_violation", "content_policy", "content_filter",
    "content_filtered", "safety_violation", "policy_violation", "moderation", "sensitive_content",
    "input_moderation", "output_moderation", "responsibleaipolicyviolation",
})
_MODERATION_WORDS = ("moderation", "content policy", "content_policy", "safety system", "content filter",
                     "usage policies", "policy violation")


# --------------------------------------------------------------------------------------------
# client


def normalise_root(base_url: str) -> str:
    """``base_url`` without a trailing slash."""
    return base_url.strip().rstrip("/")


def bearer_headers(config: ProviderConfig) -> dict[str, str]:
    key = config.api_key.get_secret_value()
    return {"Authorization": f"Bearer {key}"} if key else {}


def build_timeout(config: ProviderConfig) -> httpx.Timeout:
    total = config.timeout_seconds
    return httpx.Timeout(total, connect=min(total, 10.0), pool=min(total, 10.0))


def build_client(config: ProviderConfig, *, base_url: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """An ``AsyncClient`` for one provider: base URL, bearer auth, timeouts from config.

    Environment proxies are ignored (``trust_env=False``): a provider's address is configuration.
    Redirects are not followed by default (downloads opt in per request; httpx drops the
    ``Authorization`` header when a redirect leaves the origin).
    """
    root = normalise_root(base_url if base_url is not None else config.base_url)
    headers = {"User-Agent": _USER_AGENT, **bearer_headers(config)}
    return httpx.AsyncClient(base_url=root, headers=headers, timeout=build_timeout(config),
                             transport=transport, trust_env=False, follow_redirects=False)


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


# --------------------------------------------------------------------------------------------
# hints


def parse_retry_after(value: str, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def _ms(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        ms = float(value.strip())
    except ValueError:
        return None
    if ms != ms or ms in (float("inf"), float("-inf")):
        return None
    return max(0.0, ms / 1000.0)


def wait_hint(headers: Mapping[str, str], *, prefer_poll: bool = False) -> float | None:
    """The server's "wait this long" hint in seconds, uncapped, or None.

    Order: ``retry-after-ms``, ``Retry-After``, ``openai-poll-after-ms`` (the poll hint first
    when ``prefer_poll``, as for a status answer).
    """
    poll = _ms(headers.get("openai-poll-after-ms"))
    if prefer_poll and poll is not None:
        return poll
    hint = _ms(headers.get("retry-after-ms"))
    if hint is None and headers.get("retry-after") is not None:
        hint = parse_retry_after(headers["retry-after"])
    return hint if hint is not None else poll


# --------------------------------------------------------------------------------------------
# errors


def redact(text: str, secret: str) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    return text


def _error_fields(body: Any) -> tuple[str, str]:
    """(code, message) from the common error body shapes."""
    if not isinstance(body, dict):
        return "", ""
    err = body.get("error", body)
    if isinstance(err, str):
        return str(body.get("code", "") or ""), err
    if not isinstance(err, dict):
        return "", ""
    code = err.get("code") or err.get("type") or ""
    message = err.get("message") or err.get("detail") or body.get("message") or ""
    inner = err.get("innererror")
    if isinstance(inner, dict) and inner.get("code"):  # Azure: innererror.code = ResponsibleAIPolicyViolation
        code = f"{code} {inner['code']}"
    return str(code), str(message)


def is_moderation(code: str, message: str) -> bool:
    codes = {c.strip().lower() for c in code.replace(",", " ").split()}
    if codes & _MODERATION_CODES:
        return True
    text = f"{code} {message}".lower()
    return any(word in text for word in _MODERATION_WORDS)


def error_from_body(body: Any, *, default: FailureReason = FailureReason.GENERATION_FAILED,
                    detail: str = "") -> ProviderError:
    """A failed job's ``error`` object (or string) → ProviderError (MODERATION or ``default``)."""
    if isinstance(body, str):
        code, message = "", body
    elif isinstance(body, dict):
        code, message = _error_fields({"error": body})
    else:
        code, message = "", ""
    reason = FailureReason.MODERATION if is_moderation(code, message) else default
    text = detail or (json.dumps(body, ensure_ascii=False, default=str) if body is not None else "")
    return ProviderError(reason, text[:_DETAIL_LIMIT])


def error_from_response(response: httpx.Response, *, secret: str = "", provider: str = "",
                        not_found: FailureReason = FailureReason.INVALID_REQUEST,
                        body_text: str | None = None) -> ProviderError:
    """Map a non-2xx answer to a ProviderError with a user-safe reason.

    400/422 → INVALID_REQUEST (MODERATION when the code or message says so); 401/403 →
    UNAVAILABLE (logged as a configuration problem); 404/410 → ``not_found``; 429 →
    RATE_LIMITED; 5xx → UNAVAILABLE (retryable). ``detail`` holds the raw body, key redacted.
    """
    status = response.status_code
    if body_text is None:
        try:
            body_text = response.text
        except (httpx.ResponseNotRead, UnicodeDecodeError):
            body_text = ""
    detail = redact(f"HTTP {status} {response.request.method} {response.request.url.path}: {body_text}",
                    secret)[:_DETAIL_LIMIT]
    try:
        body: Any = json.loads(body_text) if body_text else None
    except ValueError:
        body = None
    code, message = _error_fields(body)
    if status in (400, 422) or (400 <= status < 500 and is_moderation(code, message)):
        reason = FailureReason.MODERATION if is_moderation(code, message) else FailureReason.INVALID_REQUEST
        return ProviderError(reason, detail, status_code=status)
    if status in (401, 403):
        log.error("provider %s refused our credentials (HTTP %s): check providers.%s.api_key "
                  "and the account's access; the key itself is not logged", provider or "?", status,
                  provider or "<name>")
        return ProviderError(FailureReason.UNAVAILABLE, detail, status_code=status)
    if status in (404, 410):
        return ProviderError(not_found, detail, status_code=status)
    if status == 429:
        return ProviderError(FailureReason.RATE_LIMITED, detail, retryable=True, status_code=status)
    if status >= 500:
        return ProviderError(FailureReason.UNAVAILABLE, detail, retryable=True, status_code=status)
    return ProviderError(FailureReason.INVALID_REQUEST, detail, status_code=status)


# --------------------------------------------------------------------------------------------
# retry


class RetryableStatus(Exception):
    """An answer with a retryable status; carries the response (body read) and its wait hint."""

    def __init__(self, response: httpx.Response, body_text: str, hint: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.body_text = body_text
        self.retry_after = hint


class MalformedBody(Exception):
    """A 2xx answer whose body is not the JSON we expected."""

    def __init__(self, response: httpx.Response, problem: str) -> None:
        super().__init__(problem)
        self.response = response
        self.problem = problem


# Connection failures where the request certainly was not sent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _retryable(exc: BaseException, *, idempotent: bool) -> bool:
    if isinstance(exc, RetryableStatus):
        return True
    if idempotent:
        return isinstance(exc, (httpx.TimeoutException, httpx.TransportError, MalformedBody))
    return isinstance(exc, _NOT_SENT)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: ``max_tries`` attempts in all, waits of ``backoff_base · 2^(n-1)`` with
    jitter (half fixed, half random), or the server's hint, never more than ``max_wait``."""

    max_tries: int = 5
    backoff_base: float = 0.5
    max_wait: float = DEFAULT_MAX_WAIT

    @classmethod
    def from_config(cls, config: ProviderConfig, *, backoff_base: float = 0.5,
                    max_wait: float = DEFAULT_MAX_WAIT) -> RetryPolicy:
        return cls(max_tries=config.max_retries + 1, backoff_base=backoff_base, max_wait=max_wait)

    def wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        hint = getattr(exc, "retry_after", None)
        if isinstance(hint, (int, float)):
            return min(max(0.0, float(hint)), self.max_wait)
        ceiling = min(self.max_wait, self.backoff_base * (2 ** max(0, state.attempt_number - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def run(self, fn: Callable[[], Awaitable[T]], *, idempotent: bool, what: str = "") -> T:
        """Call ``fn`` until it succeeds, raises something not retryable, or tries run out;
        the last exception is re-raised as is (map it with :func:`as_provider_error`)."""

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            log.warning("%s failed (%s), try %d of %d; retrying in %.2fs", what or "request",
                        _describe(exc), state.attempt_number, self.max_tries, wait)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, self.max_tries)),
            wait=self.wait,
            retry=retry_if_exception(lambda e: _retryable(e, idempotent=idempotent)),
            before_sleep=before_sleep,
            sleep=asyncio.sleep,
            reraise=True,
        )
        return await retrying(fn)


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "?"
    if isinstance(exc, RetryableStatus):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, MalformedBody):
        return f"malformed body: {exc.problem}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def as_provider_error(exc: BaseException, *, idempotent: bool, secret: str = "", provider: str = "",
                      not_found: FailureReason = FailureReason.INVALID_REQUEST,
                      what: str = "") -> ProviderError | None:
    """The ProviderError for an exception that ended :meth:`RetryPolicy.run`, or None when it is
    not an HTTP-layer failure (let it propagate)."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, RetryableStatus):
        return error_from_response(exc.response, secret=secret, provider=provider, not_found=not_found,
                                   body_text=exc.body_text)
    label = f"{what}: " if what else ""
    if isinstance(exc, MalformedBody):
        detail = redact(f"{label}malformed answer ({exc.problem}): {_safe_text(exc.response)}", secret)
        if idempotent:
            return ProviderError(FailureReason.UNAVAILABLE, detail[:_DETAIL_LIMIT], retryable=True,
                                 status_code=exc.response.status_code)
        # The provider accepted the create but we cannot read what it made: ambiguous.
        return ProviderError(FailureReason.SUBMIT_INTERRUPTED, detail[:_DETAIL_LIMIT],
                             status_code=exc.response.status_code)
    if isinstance(exc, (httpx.TimeoutException, httpx.TransportError)):
        detail = redact(f"{label}{_describe(exc)}", secret)
        if idempotent or isinstance(exc, _NOT_SENT):
            return ProviderError(FailureReason.UNAVAILABLE, detail, retryable=True)
        # The create may have reached the provider: never resubmit blindly (see module doc).
        return ProviderError(FailureReason.SUBMIT_INTERRUPTED, detail, retryable=False)
    return None


def _safe_text(response: httpx.Response) -> str:
    try:
        return response.text[:_DETAIL_LIMIT]
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""


# --------------------------------------------------------------------------------------------
# JSON calls


@dataclass(frozen=True, slots=True)
class JsonAnswer:
    data: Any
    response: httpx.Response


# Requests one provider client has on the wire at once; the rest wait here, in an O(1) queue.
# httpx's connection pool re-scans every waiting request whenever a connection frees up, which
# with thousands of jobs polling at once (a restart resuming 10,000 jobs, benchmark 6) turns
# quadratic and starves the event loop.
HTTP_CONCURRENCY = 64


class HttpCaller:
    """What a provider adapter uses to talk JSON to its API with the retry policy applied."""

    def __init__(self, client: httpx.AsyncClient, *, config: ProviderConfig, policy: RetryPolicy,
                 owns_client: bool, logger: logging.Logger | None = None) -> None:
        self.client = client
        self.config = config
        self.policy = policy
        self.owns_client = owns_client
        self.secret = config.api_key.get_secret_value()
        self.log = logger or log
        # An injected client may carry no auth: add ours per request then.
        self.auth_headers = {} if "authorization" in client.headers else bearer_headers(config)
        self.slots = asyncio.Semaphore(HTTP_CONCURRENCY)

    async def json(self, method: str, url: str | httpx.URL, *, idempotent: bool, what: str,
                   json_body: Any = None, params: Mapping[str, str] | None = None,
                   files_factory: Callable[[], Any] | None = None,
                   data: Mapping[str, str] | None = None,
                   not_found: FailureReason = FailureReason.INVALID_REQUEST,
                   expect: type = dict) -> JsonAnswer:
        """Send one request (retried per policy) and return its JSON body (must be ``expect``)."""

        async def attempt() -> JsonAnswer:
            kwargs: dict[str, Any] = {"headers": self.auth_headers}
            if json_body is not None:
                kwargs["json"] = json_body
            if params is not None:
                kwargs["params"] = params
            if data is not None:
                kwargs["data"] = data
            opened: list[Any] = []
            if files_factory is not None:
                files = await asyncio.to_thread(files_factory)
                opened = [f[1] for f in files.values() if isinstance(f, tuple) and hasattr(f[1], "close")]
                kwargs["files"] = files
            try:
                async with self.slots:
                    response = await self.client.request(method, url, **kwargs)
            finally:
                for f in opened:
                    f.close()
            if response.status_code in RETRYABLE_STATUS:
                raise RetryableStatus(response, response.text, wait_hint(response.headers))
            if response.status_code >= 400:
                raise error_from_response(response, secret=self.secret, provider=self.config.name,
                                          not_found=not_found)
            try:
                parsed = response.json()
            except ValueError as exc:
                raise MalformedBody(response, f"not JSON ({exc})") from None
            if not isinstance(parsed, expect):
                raise MalformedBody(response, f"expected a JSON {expect.__name__}")
            return JsonAnswer(parsed, response)

        try:
            return await self.policy.run(attempt, idempotent=idempotent, what=f"{self.config.name} {what}")
        except Exception as exc:
            err = as_provider_error(exc, idempotent=idempotent, secret=self.secret, provider=self.config.name,
                                    not_found=not_found, what=what)
            if err is None or err is exc:
                raise
            self.log.warning("%s %s failed: %s", self.config.name, what, err)
            raise err from None

    async def aclose(self) -> None:
        if self.owns_client:
            await self.client.aclose()

    async def download(self, url: str | httpx.URL, dest: Path, *, what: str,
                       params: Mapping[str, str] | None = None,
                       not_found: FailureReason = FailureReason.EXPIRED) -> Path:
        """Stream ``url`` to ``dest`` through a temporary file next to it, renamed at the end.

        The body is never held whole in memory. Retried like a read (a broken transfer starts
        again from zero); 404/410 → ``not_found`` (EXPIRED by default). The bearer token is only
        sent to the provider's own origin.
        """
        dest = Path(dest)
        await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)

        async def attempt() -> int:
            request = self.client.build_request("GET", url, params=params, headers=self.auth_headers)
            if not self._is_own_origin(request.url):
                request.headers.pop("authorization", None)
            async with self.slots:
                response = await self.client.send(request, stream=True, follow_redirects=True)
                try:
                    if response.status_code in RETRYABLE_STATUS:
                        await response.aread()
                        raise RetryableStatus(response, response.text, wait_hint(response.headers))
                    if response.status_code >= 400:
                        await response.aread()
                        raise error_from_response(response, secret=self.secret, provider=self.config.name,
                                                  not_found=not_found)
                    return await _stream_body(response, dest)
                finally:
                    await response.aclose()

        try:
            size = await self.policy.run(attempt, idempotent=True, what=f"{self.config.name} {what}")
        except Exception as exc:
            err = as_provider_error(exc, idempotent=True, secret=self.secret, provider=self.config.name,
                                    not_found=not_found, what=what)
            if err is None or err is exc:
                raise
            self.log.warning("%s %s failed: %s", self.config.name, what, err)
            raise err from None
        self.log.debug("%s %s: %d bytes to %s", self.config.name, what, size, dest)
        return dest

    def _is_own_origin(self, url: httpx.URL) -> bool:
        own = self.client.base_url if str(self.client.base_url) else None
        if own is None or not own.host:
            own = httpx.URL(self.config.base_url) if self.config.base_url else None
        return own is not None and same_origin(own, url)


# Bytes gathered before one write in a worker thread: large enough to keep thread hops few, small
# enough that 20 concurrent 40 MB downloads stay within a few MB (benchmark 5).
_FLUSH_BYTES = 256 * 1024


async def _stream_body(response: httpx.Response, dest: Path) -> int:
    """Write the streamed body to a temporary file beside ``dest``, then rename it over ``dest``."""
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.part")
    handle = await asyncio.to_thread(tmp.open, "wb")
    size = 0
    try:
        buffer = bytearray()
        async for chunk in response.aiter_bytes():
            buffer += chunk
            size += len(chunk)
            if len(buffer) >= _FLUSH_BYTES:
                await asyncio.to_thread(handle.write, buffer)  # the buffer is not touched until it returns
                buffer.clear()
        if buffer:
            await asyncio.to_thread(handle.write, buffer)
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(os.replace, tmp, dest)
    except BaseException:
        handle.close()
        tmp.unlink(missing_ok=True)
        raise
    return size
