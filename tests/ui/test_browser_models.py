"""The Settings tab's LLM endpoint in headless chromium, against llama-cpp-python's
OpenAI-compatible server: enter a base URL and key, list the models, pick one, save, and
the chat answers with it and says so; the key never comes back to the browser."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from rag.access import LOCAL
from tests.llm_server import MODEL
from tests.ui.test_browser import CONTRAST_JS, TIMEOUT, ask, screenshot_path
from ui.models_panel import KEY_SAVED

if TYPE_CHECKING:
    from tests.ui.conftest import LiveApp

pytestmark = [pytest.mark.browser, pytest.mark.llm]

KEY = "sk-browser-test-5f1d0c9e"
STATUS = "#rag-endpoint-status"


def field(page: Any, elem_id: str) -> Any:
    return page.locator(f"#{elem_id} input, #{elem_id} textarea").first


def open_settings(page: Any) -> None:
    page.get_by_role("tab", name="Settings").click()
    field(page, "rag-endpoint-url").wait_for(timeout=TIMEOUT)


def status_says(page: Any, text: str) -> None:
    page.locator(STATUS).get_by_text(text, exact=False).wait_for(timeout=TIMEOUT)


def what_the_browser_holds(page: Any) -> str:
    """The page, its Gradio config, its storage and every input's value, as one text."""
    held = page.evaluate(
        """() => JSON.stringify({
            html: document.documentElement.outerHTML,
            config: window.gradio_config || null,
            local: Object.entries(localStorage),
            session: Object.entries(sessionStorage),
            values: [...document.querySelectorAll('input, textarea')].map(e => e.value),
        })"""
    )
    return str(held)


def test_an_endpoint_is_picked_in_settings_and_answers_the_chat(
    chromium: Any, live_app_factory: Callable[..., LiveApp], llm_url: str, tmp_path: Path
) -> None:
    app = live_app_factory(llm_max_tokens=64)
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app.url)
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    open_settings(page)
    status_says(page, "No endpoint yet")

    # a wrong address is reported in the tab, and nothing is saved
    field(page, "rag-endpoint-url").fill("http://127.0.0.1:1/v1")
    page.click("#rag-endpoint-test")
    status_says(page, "could not connect")

    field(page, "rag-endpoint-url").fill(llm_url)
    field(page, "rag-endpoint-key").fill(KEY)
    page.click("#rag-endpoint-test")
    status_says(page, "Connected: 1 model listed")
    assert field(page, "rag-endpoint-model").input_value() == MODEL
    page.click("#rag-endpoint-save")
    status_says(page, f"Saved: {MODEL}")
    assert page.locator("#rag-mode input[value=openai]").is_checked()
    assert field(page, "rag-endpoint-key").input_value() == ""
    saved = app.library.models.saved(LOCAL.name)
    assert saved is not None and (saved.base_url, saved.model, saved.api_key) == (
        llm_url, MODEL, KEY,
    )  # fmt: skip
    page.wait_for_timeout(500)  # the radio's transition to the LLM mode
    page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-models.png")), full_page=True)
    for dark in (False, True):
        page.evaluate(f"document.body.classList.toggle('dark', {str(dark).lower()})")
        page.wait_for_timeout(300)  # the theme's transitions
        failures = page.evaluate(CONTRAST_JS, ["#rag-mode", "#rag-endpoint"])
        assert not failures, ("dark" if dark else "light", failures)
    page.evaluate("document.body.classList.remove('dark')")

    page.get_by_role("tab", name="Chat").click()
    bubble = ask(page, "What did Moore say about AI?")
    host = llm_url.removeprefix("http://").removesuffix("/v1")
    assert f"answered by {MODEL} at {host} (LLM)" in bubble.inner_text()

    # after a reload the tab shows the endpoint and that a key is saved, never the key
    page.reload()
    page.wait_for_selector("#rag-question textarea", timeout=TIMEOUT)
    open_settings(page)
    status_says(page, f"Saved: {MODEL}")
    assert field(page, "rag-endpoint-url").input_value() == llm_url
    key = field(page, "rag-endpoint-key")
    assert key.input_value() == "" and key.get_attribute("placeholder") == KEY_SAVED
    assert KEY not in what_the_browser_holds(page)
    assert KEY in json.dumps(json.loads(app.library.models.store.path.read_text()))

    page.click("#rag-endpoint-forget")
    status_says(page, "Forgotten")
    assert app.library.models.saved(LOCAL.name) is None
    assert page.locator("#rag-mode input[value=extractive]").is_checked()
    context.close()
    assert not errors, errors
