"""PKCS#11 tokens: one long-lived logged-in session per token, used from one worker thread.

PKCS#11 login state belongs to the process and the token, so the node keeps exactly one session
per token and sends every call that touches it to that token's single worker thread (pyHanko's
own executor hops are made inline on that thread, see :class:`InlineExecutor`). After an error
that means the token or its module went away, the session is dropped and the module
re-initialised on the next call, so a re-plugged token works again without a restart.

Tokens are selected by label or serial, never by slot number. PINs are never logged, stored or
shown: the session remembers only a keyed digest of the PIN that opened it (to know whether a
PIN given later is the same one), and :class:`PinCache` keeps typed PINs in memory for a while.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pkcs11
from pkcs11 import TokenFlag
from pkcs11 import exceptions as p11e

from node.domain.clock import Clock
from node.errors import (
    PinLockedError,
    PinRequiredError,
    SigningError,
    TokenUnavailableError,
    WrongPinError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors after which the session (and possibly the module) must be reopened.
GONE = (p11e.TokenNotPresent, p11e.DeviceRemoved, p11e.DeviceError, p11e.SessionHandleInvalid,
        p11e.SessionClosed, p11e.GeneralError, p11e.NoSuchToken, p11e.TokenNotRecognised,
        p11e.DeviceMemory, p11e.UserNotLoggedIn, p11e.FunctionFailed, p11e.ObjectHandleInvalid,
        p11e.KeyHandleInvalid)


class InlineExecutor(ThreadPoolExecutor):
    """Runs submitted work at once in the calling thread (the token's worker); starts no thread.

    A ThreadPoolExecutor subclass only because asyncio's ``set_default_executor`` insists on one.
    """

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        fut: Future[T] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:
            fut.set_exception(e)
        return fut


class _Module:
    """One loaded PKCS#11 module per path and process; ``generation`` bumps on re-initialisation."""

    _registry: ClassVar[dict[str, _Module]] = {}
    _registry_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.generation = 0
        self._lib: Any = None
        self.stale = False

    @classmethod
    def get(cls, path: Path) -> _Module:
        with cls._registry_lock:
            mod = cls._registry.get(str(path))
            if mod is None:
                mod = cls._registry[str(path)] = _Module(path)
            return mod

    def lib(self) -> Any:
        with self.lock:
            if self._lib is None:
                if not self.path.exists():
                    raise TokenUnavailableError(f"Không tìm thấy thư viện PKCS#11 {self.path}.")
                try:
                    self._lib = pkcs11.lib(str(self.path))
                except p11e.PKCS11Error as e:
                    raise TokenUnavailableError(f"Không nạp được thư viện PKCS#11 {self.path}: "
                                                f"{type(e).__name__}") from e
            elif self.stale:
                try:
                    self._lib.reinitialize()
                except p11e.PKCS11Error as e:
                    raise TokenUnavailableError("Không mở lại được token qua thư viện PKCS#11 "
                                                f"({type(e).__name__}): hãy cắm token và thử lại.") from e
                self.generation += 1
            self.stale = False
            return self._lib

    def mark_stale(self) -> None:
        with self.lock:
            self.stale = True


def describe_tries(flags: int) -> str | None:
    """What the token says about the PIN retry counter, in Vietnamese (None when it says nothing)."""
    f = TokenFlag(flags)
    if TokenFlag.USER_PIN_LOCKED in f:
        return "PIN đã bị khoá"
    if TokenFlag.USER_PIN_FINAL_TRY in f:
        return "còn 1 lần thử"
    if TokenFlag.USER_PIN_COUNT_LOW in f:
        return "còn ít lần thử"
    return None


@dataclass(frozen=True)
class TokenSpec:
    module: Path
    label: str = ""
    serial: str = ""

    def describe(self) -> str:
        return f"'{self.label}'" if self.label else f"số sê-ri {self.serial}"


def _cause_chain(e: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and cur not in out:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def pkcs11_cause(e: BaseException) -> p11e.PKCS11Error | None:
    for c in _cause_chain(e):
        if isinstance(c, p11e.PKCS11Error):
            return c
    return None


Opener = Callable[[Any, str], Any]


def _open_session(token: Any, pin: str) -> Any:
    """The real opener: a logged-in session on the token (a port, so tests can wrap the session)."""
    return token.open(user_pin=pin)


class TokenSession:
    """The one logged-in session of one token, owned by one worker thread."""

    def __init__(self, spec: TokenSpec, *, opener: Opener | None = None) -> None:
        if not spec.label and not spec.serial:
            raise SigningError("Cần chọn token theo nhãn (token_label) hoặc số sê-ri (token_serial).",
                               code="token_not_configured")
        self.spec = spec
        self._module = _Module.get(spec.module)
        self._opener: Opener = opener or _open_session
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pkcs11")
        self._closed = False
        self._session: Any = None
        self._generation = -1
        self._pin_key = secrets.token_bytes(32)
        self._pin_digest: bytes | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.cache: dict[str, Any] = {}  # per-session objects (e.g. pyHanko signers), dropped on reopen

    # -- public --------------------------------------------------------------------------------
    def run(self, fn: Callable[[Any], T], *, pin: str | None) -> T:
        """Run ``fn(session)`` on the token's worker thread, logging in with ``pin`` if needed."""
        return self._pool.submit(self._call, fn, pin).result()

    async def arun(self, fn: Callable[[Any], T], *, pin: str | None) -> T:
        return await asyncio.wrap_future(self._pool.submit(self._call, fn, pin))

    def run_async(self, coro_fn: Callable[[Any], Coroutine[Any, Any, T]], *, pin: str | None) -> T:
        """Run a coroutine (e.g. pyHanko's ``async_sign_pdf``) on the worker's own event loop."""
        return self.run(lambda s: self._worker_loop().run_until_complete(coro_fn(s)), pin=pin)

    def close(self) -> None:
        """Log out and stop the worker. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._pool.submit(self._drop).result()
        self._pool.shutdown(wait=True)

    @property
    def logged_in(self) -> bool:
        return self._session is not None

    # -- worker thread -------------------------------------------------------------------------
    def _worker_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
            self._loop.set_default_executor(InlineExecutor())
        return self._loop

    def _digest(self, pin: str) -> bytes:
        return hmac.new(self._pin_key, pin.encode(), hashlib.sha256).digest()

    def _call(self, fn: Callable[[Any], T], pin: str | None) -> T:
        session = self._ensure(pin)
        try:
            return fn(session)
        except SigningError:
            raise
        except Exception as e:
            cause = pkcs11_cause(e)
            if isinstance(cause, GONE):
                self._drop()
                self._module.mark_stale()
                raise TokenUnavailableError(
                    f"Token {self.spec.describe()} không phản hồi hoặc đã bị rút "
                    f"({type(cause).__name__}); cắm lại token rồi thử lại.") from e
            raise

    def _ensure(self, pin: str | None) -> Any:
        if self._session is not None and self._generation != self._module.generation:
            self._drop()
        if self._session is not None:
            if pin is None or hmac.compare_digest(self._digest(pin), self._pin_digest or b""):
                return self._session
            self._drop()  # a different PIN: let the token judge it
        if pin is None:
            raise PinRequiredError(f"Cần nhập PIN của token {self.spec.describe()}.")
        token = self._find_token()
        try:
            session = self._opener(token, pin)
        except (p11e.PinIncorrect, p11e.PinInvalid, p11e.PinLenRange) as e:
            tries = self._tries(token)
            msg = f"PIN không đúng cho token {self.spec.describe()}"
            msg += f" ({tries})." if tries else " (token không cho biết số lần thử còn lại)."
            raise WrongPinError(msg, tries_left=tries) from e
        except p11e.PinLocked as e:
            raise PinLockedError(f"PIN của token {self.spec.describe()} đã bị khoá; "
                                 "cần mã PIN quản trị (SO PIN) để mở khoá.") from e
        except p11e.UserAlreadyLoggedIn as e:
            raise SigningError(f"Token {self.spec.describe()} đang được một tiến trình khác đăng nhập.",
                               code="token_busy") from e
        except GONE as e:
            self._module.mark_stale()
            raise TokenUnavailableError(f"Token {self.spec.describe()} không phản hồi "
                                        f"({type(e).__name__}).") from e
        self._session = session
        self._generation = self._module.generation
        self._pin_digest = self._digest(pin)
        log.info("token session opened", extra={"token": self.spec.label or self.spec.serial})
        return session

    def _find_token(self) -> Any:
        lib = self._module.lib()
        for attempt in (0, 1):
            try:
                kwargs: dict[str, Any] = {}
                if self.spec.label:
                    kwargs["token_label"] = self.spec.label
                if self.spec.serial:
                    kwargs["token_serial"] = self.spec.serial.encode()
                return lib.get_token(**kwargs)
            except (p11e.NoSuchToken, p11e.MultipleTokensReturned, *GONE) as e:
                if attempt == 0:  # maybe re-plugged: rescan the module once
                    self._module.mark_stale()
                    lib = self._module.lib()
                    continue
                if isinstance(e, p11e.MultipleTokensReturned):
                    raise SigningError(f"Có nhiều token khớp {self.spec.describe()}; hãy chọn theo số "
                                       "sê-ri.", code="token_ambiguous") from e
                raise TokenUnavailableError(
                    f"Không tìm thấy token {self.spec.describe()}: hãy cắm token và thử lại.") from e
        raise AssertionError("unreachable")

    @staticmethod
    def _tries(token: Any) -> str | None:
        try:
            return describe_tries(int(token.flags))
        except p11e.PKCS11Error:
            return None

    def _drop(self) -> None:
        self.cache.clear()
        session, self._session, self._pin_digest = self._session, None, None
        if session is not None:
            try:
                session.close()
            except Exception:  # the device may be gone already
                log.debug("closing a dead session failed", exc_info=True)


class PinCache:
    """PINs typed by users, in memory only, each for ``minutes`` after its last successful use."""

    def __init__(self, clock: Clock, minutes: int) -> None:
        self._clock = clock
        self._ttl = timedelta(minutes=max(0, minutes))
        self._items: dict[tuple[str, str], tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, user: str, token: str) -> str | None:
        with self._lock:
            item = self._items.get((user, token))
            if item is None:
                return None
            if self._clock.now() >= item[1]:
                del self._items[(user, token)]
                return None
            return item[0]

    def put(self, user: str, token: str, pin: str) -> None:
        if self._ttl <= timedelta(0):
            return
        with self._lock:
            self._items[(user, token)] = (pin, self._clock.now() + self._ttl)

    def forget(self, user: str, token: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == user and (token is None or k[1] == token)]:
                del self._items[key]


def read_pin_file(path: Path) -> str:
    """The agency PIN from a file that only its owner may read (0600)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError as e:
        raise PinRequiredError(f"Không có tệp PIN {path}.") from e
    if mode & 0o077:
        raise SigningError(f"Tệp PIN {path} phải có quyền 0600 (hiện {mode:o}).", code="pin_file_mode")
    pin = path.read_text(encoding="utf-8").strip()
    if not pin:
        raise PinRequiredError(f"Tệp PIN {path} rỗng.")
    return pin
