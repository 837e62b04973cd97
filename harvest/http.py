"""The one HTTP client every source uses: polite, bounded and restartable.

Every network request of a harvest goes through :class:`HttpClient`, so that all sources share
the same rules:

* a clear ``User-Agent`` (``kehila/<version> (+community hub harvester)`` unless overridden);
* a timeout per request (connect and each read);
* retries with exponential backoff on network errors (including timeouts) and on ``5xx``;
* ``429`` and ``503`` (and ``403`` when it carries one: GitHub's secondary rate limit) honour
  ``Retry-After`` (seconds or an HTTP date). A wait longer than
  ``retry_after_cap`` is not slept through: the request fails with a :class:`FetchError` saying
  how long the server asked to wait;
* a maximum response size: a ``Content-Length`` above ``max_bytes`` is refused before reading,
  and the body is counted while it streams, *after* decompression, so neither a lying header nor
  a gzip bomb can exhaust memory;
* conditional GET: with ``conditional=True`` the client sends the ``ETag`` / ``Last-Modified``
  remembered for that URL and returns :data:`NotModified` on ``304``, so an unchanged feed costs
  one small request.

Validators are remembered *only once the caller says the response was fully used*: a ``200``
puts them in a pending set, and the harvest command calls :meth:`HttpClient.commit` after a
source finished (or :meth:`HttpClient.discard` if it failed). A harvest killed half-way therefore
never leaves a remembered ETag for a feed whose items were not all stored, and the next run
fetches it again in full. The state lives in a JSON file (normally
``content/.kehila/http-state.json``), written atomically.

Example::

    client = HttpClient(state_path=project / "content/.kehila/http-state.json")
    response = client.get("https://example.org/feed.xml", conditional=True)
    if response is NotModified:
        ...  # nothing changed upstream since the last successful harvest
    else:
        parse(response.content, response.headers)
    client.commit()
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import httpx
from kehila.fileio import atomic_write, locked

log = logging.getLogger("kehila.harvest.http")

#: Default limits; every one can be changed per client.
DEFAULT_TIMEOUT: Final = 20.0
DEFAULT_MAX_BYTES: Final = 20 * 1024 * 1024
DEFAULT_RETRIES: Final = 3
DEFAULT_BACKOFF: Final = 1.0
DEFAULT_RETRY_AFTER_CAP: Final = 120.0
#: Longest time one response may take in all (a read timeout alone never ends a slow drip).
DEFAULT_DEADLINE: Final = 300.0

_RETRY_AFTER_STATUSES: Final = frozenset({429, 503})


def default_user_agent() -> str:
    """``kehila/<version> (+community hub harvester)``: who is asking, so admins can tell."""
    try:
        version = metadata.version("kehila")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "dev"
    return f"kehila/{version} (+community hub harvester; python-httpx/{httpx.__version__})"


class FetchError(Exception):
    """A request failed for good (after any retries); the message names the URL and why."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class _NotModified:
    """The type of :data:`NotModified` (a singleton, compare with ``is``)."""

    _instance: _NotModified | None = None

    def __new__(cls) -> _NotModified:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NotModified"

    def __bool__(self) -> bool:
        return False


#: Returned by :meth:`HttpClient.get` with ``conditional=True`` when the server answered ``304``.
NotModified: Final = _NotModified()


@dataclass(frozen=True)
class HttpResponse:
    """A complete, successful (``2xx``) response, body already read and decompressed."""

    url: str
    """The URL asked for (before redirects)."""
    final_url: str
    """The URL the body came from (after redirects)."""
    status: int
    headers: Mapping[str, str]
    """Response headers, case-insensitive (an :class:`httpx.Headers`)."""
    content: bytes
    encoding: str | None = None
    """The charset the server declared, if any."""

    @property
    def text(self) -> str:
        """The body decoded with the declared charset (UTF-8 if none), bad bytes replaced."""
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; raises :class:`FetchError` if it is not JSON."""
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise FetchError(self.url, f"response is not valid JSON: {exc}") from None


@dataclass
class _Validators:
    etag: str | None = None
    last_modified: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {
            k: v
            for k, v in (("etag", self.etag), ("last_modified", self.last_modified))
            if v is not None
        }


@dataclass
class HttpClient:
    """Shared HTTP client of a harvest (see the module documentation for the rules).

    Args:
        user_agent: Sent with every request.
        timeout: Seconds for connecting and for each read.
        max_bytes: Largest body accepted (after decompression).
        retries: How many times a failed request is retried (so ``retries + 1`` attempts).
        backoff: First wait before a retry, doubled on each further retry.
        retry_after_cap: Longest ``Retry-After`` the client will wait; a longer one fails.
        deadline: Seconds one response may take from request to last byte; a server that
            sends a byte just often enough to beat ``timeout`` is cut off here.
        state_path: JSON file for remembered ETag / Last-Modified (``None``: not remembered).
        on_retry: Called as ``on_retry(url, wait_seconds, reason)`` before each wait, so the
            command can show why it pauses.
        transport: An :class:`httpx.BaseTransport` to use instead of the network one (proxies,
            custom TLS); tests use a real local server instead.
    """

    user_agent: str = field(default_factory=default_user_agent)
    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP
    deadline: float = DEFAULT_DEADLINE
    state_path: Path | None = None
    on_retry: Callable[[str, float, str], None] | None = None
    transport: httpx.BaseTransport | None = None
    requests_made: int = field(default=0, init=False)
    """How many HTTP requests were sent (attempts, including retries and 304s)."""
    _client: httpx.Client = field(init=False, repr=False)
    _state: dict[str, dict[str, str]] = field(init=False, repr=False)
    _pending: dict[str, dict[str, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._client = httpx.Client(
            headers={"User-Agent": self.user_agent},
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=True,
            transport=self.transport,
        )
        self._state = self._load_state()
        self._pending = {}

    # -- public API ------------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        conditional: bool = False,
    ) -> HttpResponse | _NotModified:
        """GET ``url``.

        Args:
            url: An ``http://`` or ``https://`` URL.
            headers: Extra request headers.
            conditional: Send the remembered validators and return :data:`NotModified` on
                ``304``; remember the new validators of a ``200`` (see :meth:`commit`).

        Returns:
            The response, or :data:`NotModified`.

        Raises:
            FetchError: after the last retry, for a non-retryable status (``404``...), a body
                over ``max_bytes``, or a ``Retry-After`` above the cap.
        """
        request_headers = dict(headers or {})
        if conditional:
            known = self._pending[url] if url in self._pending else self._state.get(url, {})
            if "etag" in known:
                request_headers["If-None-Match"] = known["etag"]
            if "last_modified" in known:
                request_headers["If-Modified-Since"] = known["last_modified"]
        response = self._request("GET", url, headers=request_headers)
        if response is None:
            return NotModified
        if conditional:
            validators = _Validators(
                response.headers.get("ETag"), response.headers.get("Last-Modified")
            ).as_dict()
            # Empty when the server stopped sending validators: the old ones are then dropped.
            self._pending[url] = validators
        return response

    def post_json(
        self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        """POST ``payload`` as JSON (e.g. a GraphQL query); same retries and limits as :meth:`get`.

        Raises:
            FetchError: as for :meth:`get`.
        """
        response = self._request("POST", url, headers=dict(headers or {}), json_body=payload)
        assert response is not None  # only conditional requests can give 304
        return response

    def commit(self) -> None:
        """Remember the validators of the responses fetched since the last commit or discard.

        Call it once a source's items are all stored. Writes the state file atomically.
        """
        if not self._pending:
            return
        dropped = {url for url, validators in self._pending.items() if not validators}
        self._state.update({url: v for url, v in self._pending.items() if v})
        for url in dropped:
            self._state.pop(url, None)
        self._pending = {}
        if self.state_path is None:
            return
        with locked(self.state_path):
            # Merge with what another harvest may have written meanwhile; ours wins per URL.
            on_disk = self._read_state_file()
            on_disk.update(self._state)
            for url in dropped:
                on_disk.pop(url, None)
            self._state = on_disk
            atomic_write(self.state_path, json.dumps(self._state, indent=2, sort_keys=True) + "\n")

    def discard(self) -> None:
        """Forget validators fetched since the last commit (the source failed)."""
        self._pending = {}

    def forget(self, url: str) -> None:
        """Drop the validators of ``url`` so the next conditional GET fetches it in full."""
        self._pending.pop(url, None)
        self._state.pop(url, None)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        json_body: Any = None,
    ) -> HttpResponse | None:
        if not url.lower().startswith(("http://", "https://")):
            raise FetchError(url, "only http:// and https:// URLs can be fetched")
        attempt = 0
        while True:
            attempt += 1
            last_try = attempt > self.retries
            self.requests_made += 1
            try:
                result = self._attempt(method, url, headers, json_body)
            except httpx.TimeoutException:
                reason = f"timed out after {self.timeout:g}s"
                if last_try:
                    raise FetchError(url, f"{reason} ({attempt} attempts)") from None
                self._wait(url, self._backoff(attempt), reason)
                continue
            except httpx.TransportError as exc:
                reason = f"network error: {exc or type(exc).__name__}"
                if last_try:
                    raise FetchError(url, f"{reason} ({attempt} attempts)") from None
                self._wait(url, self._backoff(attempt), reason)
                continue
            except httpx.HTTPError as exc:  # invalid URL, too many redirects, decoding...
                raise FetchError(url, f"{type(exc).__name__}: {exc}") from None
            if isinstance(result, HttpResponse) or result is None:
                return result
            status, reason_phrase, retry_after = result
            reason = f"HTTP {status} {reason_phrase}".rstrip()
            # GitHub answers its secondary rate limit with 403 and a Retry-After: a wait, not
            # a refusal. A 403 without Retry-After stays final.
            honours_retry_after = status in _RETRY_AFTER_STATUSES or (
                status == 403 and retry_after is not None
            )
            retryable = status >= 500 or honours_retry_after
            if not retryable:
                raise FetchError(url, reason)
            if last_try:
                raise FetchError(url, f"{reason} ({attempt} attempts)")
            wait = self._backoff(attempt)
            if honours_retry_after and retry_after is not None:
                if retry_after > self.retry_after_cap:
                    raise FetchError(
                        url,
                        f"{reason}: the server asks to retry after {retry_after:g}s, longer than "
                        f"the {self.retry_after_cap:g}s this harvest waits; run it again later",
                    )
                wait = retry_after
            self._wait(url, wait, reason)

    def _attempt(
        self, method: str, url: str, headers: dict[str, str], json_body: Any
    ) -> HttpResponse | None | tuple[int, str, float | None]:
        """One request: a response, ``None`` for 304, or ``(status, phrase, retry_after)``."""
        kwargs: dict[str, Any] = {"headers": headers}
        if json_body is not None:
            kwargs["json"] = json_body
        started = time.monotonic()
        with self._client.stream(method, url, **kwargs) as response:
            if response.status_code == 304:
                return None
            if not 200 <= response.status_code < 300:
                return (
                    response.status_code,
                    response.reason_phrase,
                    _parse_retry_after(response.headers.get("Retry-After")),
                )
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError(
                    url,
                    f"response of {int(declared)} bytes exceeds the limit of "
                    f"{self.max_bytes} bytes (Content-Length)",
                )
            chunks: list[bytes] = []
            size = 0
            give_up_at = started + self.deadline
            # iter_bytes() yields the *decoded* body, so the limit holds after decompression.
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(
                        url, f"response exceeds the limit of {self.max_bytes} bytes (read so far)"
                    )
                chunks.append(chunk)
                if time.monotonic() > give_up_at:
                    raise FetchError(
                        url,
                        f"response took longer than {self.deadline:g}s (deadline), "
                        f"{size} bytes read",
                    )
            return HttpResponse(
                url=url,
                final_url=str(response.url),
                status=response.status_code,
                headers=response.headers,
                content=b"".join(chunks),
                encoding=response.charset_encoding,
            )

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2 ** (attempt - 1))

    def _wait(self, url: str, seconds: float, reason: str) -> None:
        log.info("%s: %s, retrying in %.1fs", url, reason, seconds)
        if self.on_retry is not None:
            self.on_retry(url, seconds, reason)
        time.sleep(max(seconds, 0.0))

    def _load_state(self) -> dict[str, dict[str, str]]:
        if self.state_path is None:
            return {}
        return self._read_state_file()

    def _read_state_file(self) -> dict[str, dict[str, str]]:
        assert self.state_path is not None
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            # A damaged state file only costs full downloads; say so and start afresh.
            log.warning("ignoring unreadable HTTP state file %s: %s", self.state_path, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)}


def _parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
