"""Keys typed right after a key that opens a prompt go to that prompt, however fast.

Textual routes each key to the widget that has the focus *when the app reads the key*, but
an ordinary binding runs only once its key has travelled from the focused widget up to the
app.  Typed in one burst, "/guerra" was read whole before `/` opened the search field, so
"guerra" went to the transcript, and its `r` and `a` rejected and accepted suggestions.

So a key that opens a prompt (``KeySpec.prompt`` in the keymap) is a *priority* binding:
its action runs as the app reads the key, before the next key is routed.  Then:

* a prompt inside the screen takes the focus at once, with ``Screen.set_focus`` (
  ``Widget.focus`` only schedules it, behind the keys already read);
* a prompt screen needs nothing more: Textual mounts a pushed screen before the app reads
  its next message, and focuses the screen's first field then.

A priority binding fires even while a text field has the focus, so the action of a key
that can be typed (`/`, `c`, `;` ...) is decorated with :func:`opens_prompt`: there it
stands down and the key is typed.
"""

from __future__ import annotations

import functools

from textual.actions import SkipAction
from textual.widgets import Input, TextArea


def typing(screen) -> bool:
    """True while a text field of ``screen`` has the focus (its keys are text)."""
    return isinstance(screen.focused, (Input, TextArea))


def opens_prompt(action):
    """Decorate the action of a key that opens a prompt (a priority binding): while a text
    field has the focus it does not run, and the key is typed into the field instead."""
    @functools.wraps(action)
    def guarded(self, *args, **kwargs):
        if typing(self):
            # The binding counts as not handled, so the key goes on to the focused field.
            raise SkipAction()
        return action(self, *args, **kwargs)

    guarded.opens_prompt = True  # a test checks it against the keymap's ``prompt`` keys
    return guarded
