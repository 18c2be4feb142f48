"""The kinds a turn's speaker can have: one definition, light enough for the command line.

``coder.corpus.speakers`` decides them; ``suggest --role``, ``patterns try --kind``,
``search --role`` and the speakers commands offer them.
"""

# Every kind a turn can have.
KINDS = ("president", "official", "guest", "press", "moderator", "recording", "voice", "other",
         "unknown")
# Kinds of a person speaking in their own name.
PERSON_KINDS = frozenset({"president", "official", "guest", "other"})
