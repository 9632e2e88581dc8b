"""Logins are throttled: wrong passwords lock a name out for a while, the right one too."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from ui.logins import LOCKOUT, MAX_ADDRESS_FAILURES, MAX_FAILURES, WINDOW, LoginGuard

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_wrong_passwords_lock_the_name_out_then_it_recovers() -> None:
    clock = Clock()
    guard = LoginGuard([("ann", "s3cret"), ("bob", "pw")], clock)
    assert guard.check("ann", "s3cret")
    for _ in range(MAX_FAILURES):
        assert not guard.check("ann", "guess")
    assert not guard.check("ann", "s3cret")  # locked: the right password is refused too
    assert guard.check("bob", "pw")  # another name is not
    clock.now += LOCKOUT + 1
    assert guard.check("ann", "s3cret")


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    clock = Clock()
    guard = LoginGuard([("ann", "s3cret")], clock)
    for _ in range(MAX_FAILURES * 3):
        assert not guard.check("ann", "guess")
        clock.now += WINDOW / (MAX_FAILURES - 1) + 1
    assert guard.check("ann", "s3cret")


def test_the_doors_share_the_throttle(live_app_factory: Callable[..., LiveApp]) -> None:
    app = live_app_factory(corpus=False, auth="ann:s3cret")
    url = app.url + "v1/models"
    for _ in range(MAX_FAILURES):
        wrong = httpx.get(url, headers={"Authorization": "Bearer ann:guess"}, timeout=10)
        assert wrong.status_code == 401
    right = httpx.get(url, headers={"Authorization": "Bearer ann:s3cret"}, timeout=10)
    assert right.status_code == 401  # locked out for LOCKOUT seconds


def test_one_address_trying_many_names_is_locked_out() -> None:
    clock = Clock()
    guard = LoginGuard([("ann", "s3cret")], clock)
    for i in range(MAX_ADDRESS_FAILURES):  # a new name each time: no name is locked
        assert not guard.check(f"user{i}", "guess", "10.0.0.7")
    assert not guard.check("ann", "s3cret", "10.0.0.7")  # the address is
    assert guard.check("ann", "s3cret", "10.0.0.8")  # another address is not
    clock.now += LOCKOUT + 1
    assert guard.check("ann", "s3cret", "10.0.0.7")


def test_the_window_login_is_throttled_per_address(
    live_app_factory: Callable[..., LiveApp],
) -> None:
    app = live_app_factory(corpus=False, auth="ann:s3cret")
    with httpx.Client(base_url=app.url, timeout=10) as http:
        for i in range(MAX_ADDRESS_FAILURES):
            wrong = http.post("login", data={"username": f"name{i}", "password": "guess"})
            assert wrong.status_code == 400
        right = http.post("login", data={"username": "ann", "password": "s3cret"})
        assert right.status_code == 429 and "Too many failed logins" in right.text
