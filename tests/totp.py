"""The authenticator app's code as a test types it. A code is good for its 30-second window only (allauth's
MFA_TOTP_TOLERANCE is 0, so a used code cannot be replayed after its one-window "used" mark lapses); a slow
machine can see the window turn between reading the clock and the server checking the code, so a test submits
through `submit_current_code`, which tries once more with the next window's code when that happened."""

from collections.abc import Callable
from typing import TypeVar

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

T = TypeVar("T")


def window() -> int:
    """The current TOTP counter (Unix time // 30, RFC 6238)."""
    return next(yield_hotp_counters_from_time())


def current_code(secret: str) -> str:
    """The six-digit code an authenticator app shows now for the base32 `secret`."""
    return format_hotp_value(hotp_value(secret, window()))


def submit_current_code(secret: str, submit: Callable[[str], T], accepted: Callable[[T], bool]) -> T:
    """Call `submit(code)` with the current code and return its result; if `accepted(result)` is false and the
    window turned meanwhile, submit again with the new window's code (once). A refusal within one window is
    returned as it is, so a test of a refused code still fails when it should."""
    for _attempt in range(2):
        started = window()
        result = submit(current_code(secret))
        if accepted(result) or window() == started:
            return result
    return result
