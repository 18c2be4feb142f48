"""Helpers for driving the workbench with Textual's Pilot (not fixtures, not tests)."""

from __future__ import annotations

import asyncio

from textual.app import App

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
