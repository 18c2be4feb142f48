"""Helpers for driving the workbench with Textual's Pilot (not fixtures, not tests)."""

from __future__ import annotations

import asyncio

from textual import events
from textual.app import App
from textual.keys import _character_to_key

from coder.tui.screens.coding import CodingScreen
from coder.tui.screens.review import ReviewScreen
from coder.tui.widgets.document_view import DocumentView

SIZE = (140, 40)  # the terminal size of the workbench tests and snapshots


class ReviewTestApp(App):
    """A minimal app that opens the review screen (as the workbench's factory does)."""

    def __init__(self, project, coders, adjudicator):
        super().__init__()
        self.project, self.coders, self.adjudicator = project, coders, adjudicator

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.project, self.coders, self.adjudicator))


def run(coroutine):
    """Run a Pilot test body (no async test plugin needed)."""
    return asyncio.run(coroutine)


def keys(text: str) -> list[str]:
    """Characters to type, as Pilot key names."""
    return list(text)


def burst(app, text: str) -> None:
    r"""Queue the keys of ``text`` all at once, as a terminal delivers a fast burst or a key
    paste: none is handled before the last is queued.  (``pilot.press`` waits for the app
    to go idle after each key, so it never shows what happens to keys that arrive while a
    prompt is still opening.)  ``\x1b`` is escape, ``\r`` enter; await :func:`settle` after."""
    named = {"\x1b": "escape", "\r": "enter"}
    for char in text:
        key = named.get(char) or (char if char.isalnum() else _character_to_key(char))
        app.post_message(events.Key(key, char))


async def settle(pilot, rounds: int = 5) -> None:
    """Let the app handle what :func:`burst` queued (a few idle pauses)."""
    for _ in range(rounds):
        await pilot.pause()


async def find(pilot, phrase: str) -> None:
    """Select ``phrase`` with the document search (`/`, type, escape)."""
    await pilot.press("slash", *keys(phrase), "escape")


def screen(app) -> CodingScreen:
    """The app's current screen, asserted to be the coding screen."""
    assert isinstance(app.screen, CodingScreen)
    return app.screen


def view(app) -> DocumentView:
    """The document view of the current screen."""
    return app.screen.query_one(DocumentView)


def notices(app) -> list[str]:
    """The texts of the notifications the app has shown (and not yet timed out)."""
    return [str(n.message) for n in app._notifications]


def selected(app) -> str | None:
    """The selected text of the document view, or None."""
    span = view(app).selection
    return None if span is None else view(app).text[span[0]:span[1]]
