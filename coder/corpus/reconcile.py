"""Speakers from all the evidence: one pass over every spelling, after each import.

The importer resolves each speaker line as it stores it (:class:`SpeakerResolver`), which is
fast but depends on the order files arrive in.  :func:`reconcile` then recomputes, from the
whole project, what must not depend on that order:

- *who is who*: spellings are grouped into people by the rules of
  :func:`coder.corpus.speakers.same_person`, the best-supported spellings first, so a typo
  or a short form meets the well-attested name before anything else;
- *given names in the other gender* ("LUIS MARÍA X Y" beside "LUISA MARÍA X Y"): two
  people as a rule, but one person mistyped when the line carries a role exactly one of
  them is seen with; otherwise marked *unresolved* with the name it could be;
- *short forms* (the surname alone, a name without its second surname) join a person when
  the documents they occur in hold exactly one person whose name they shorten, or when
  the line carries the same role as exactly one person; a *role without a name*
  ("SECRETARIO DE MARINA") joins the one person seen with that role in the same
  document, else across the project, and the head of government's role ("PRESIDENTA",
  "PRESIDENTE DE MÉXICO") joins the head of the administration in force on the dates of
  its documents when that is one person; otherwise they stay apart and are marked
  *unresolved* (``coder speakers --unresolved``) with the people they could be;
- *the canonical name*: among a person's spellings, one seen in two documents or more
  rather than one seen once; one whose words that the spellings disagree on are also said
  in the bodies of the person's documents ("Ramírez" is said, a typo's "Ramíirez" is
  not; a few documents chosen by content hash are read); one whose every name word is
  attested across the project's speaker lines; then the fullest, the most frequent, and the
  alphabetically first, so the choice never depends on import order (documents are
  counted as distinct dates, so a conference published twice counts once).  A name a user gave
  (``coder speakers rename``) is kept;
- *kind and role per turn*: the head of government of the administration in force on the
  document's date (:mod:`coder.corpus.administrations`) is the president; a role on the
  line gives official or guest (:func:`coder.corpus.speakers.role_kind`); a name alone
  takes the kind and role of the same person's nearest dated turn that has one (a guest
  when none has: a name with no office anywhere is someone invited to speak); a person
  heard in a clip ("NAME (VIDEO)", or a turn of a clip the turn before announced: see
  :mod:`coder.corpus.clips`) is a recording; an unidentified voice asks as the press or
  else is a voice.  A kind a user gave a speaker applies to all its turns.

User fixes are inputs, never overwritten: a spelling a user moved (merge, split) stays
where it was put, a key merged into a speaker leads there.
"""

from __future__ import annotations

import bisect
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..project import Project
from ..wording import first_few
from .administrations import Administration, administration_on, load_administrations
from .kinds import KINDS
from .speakers import (
    GENERIC_KEYS,
    PersonIndex,
    SpeakerLine,
    contains_run,
    fold_name,
    head_keys,
    name_words,
    read_line,
    same_person,
)

# The project setting holding the user's roster (coder speakers load; see roster.py).
ROSTER_SETTING = "speaker_roster"

# Kinds a person's own line can decide, strongest first (for a speaker's overall kind).
_KIND_ORDER = ("president", "official", "guest", "recording", "other", "press", "voice",
               "moderator", "unknown")


# Kinds that start or end a question (see turns.answered_questions).
_LINKING = frozenset({"press", "moderator", "unknown", None})


@dataclass
class _Group:
    """The spellings (alias ids) the rules read as one speaker."""

    aliases: list[int] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    pinned: int | None = None  # the speaker id a user fix ties it to
    generic: str | None = None  # the key of a generic speaker (Press, Recording ...)
    unresolved: str | None = None
    name: str | None = None  # a roster's name for it
    kind: str | None = None  # a roster's kind for it
    # Name words its spellings disagree on -> how often the words appear in the bodies of
    # turns of a few documents where it speaks (see _body_evidence); None: not needed.
    body: Counter | None = None


def reconcile(project: Project) -> None:
    """Recompute speakers, canonical names, and every turn's kind and role from all the
    evidence in the project (call inside a transaction).  Deterministic: the same
    spellings, turns and user fixes give the same result whatever the import order."""
    db = project.db
    # Turns of one spelling on one date with the same kind and role are decided together
    # (and, when they change, updated together): far fewer rows than turns.  They also
    # give each spelling's support: its turns, and its documents (days).
    turn_groups = db.execute(
        "SELECT t.alias_id, d.date, t.kind, t.role, count(*), group_concat(t.id) FROM turns t"
        " JOIN documents d ON d.id = t.document_id"
        " GROUP BY t.alias_id, d.date, t.kind, t.role").fetchall()
    counted: Counter = Counter()
    days: dict[int, set] = defaultdict(set)
    for alias_id, date, _kind, _role, count, _ids in turn_groups:
        counted[alias_id] += count
        days[alias_id].add(date)
    rows = [(alias_id, alias, speaker_id, manual, counted[alias_id], len(days[alias_id]))
            for alias_id, alias, speaker_id, manual in db.execute(
                "SELECT id, alias, speaker_id, manual FROM speaker_aliases ORDER BY id")]
    if not rows:
        return
    administrations = load_administrations(project)
    merges = dict(db.execute("SELECT key, speaker_id FROM speaker_merges").fetchall())
    lines = {alias_id: read_line(alias) for alias_id, alias, *_ in rows}
    turns_of = {alias_id: turns for alias_id, _, _, _, turns, _ in rows}
    docs_of = {alias_id: docs for alias_id, _, _, _, _, docs in rows}
    groups: dict[object, _Group] = {}

    def group(gid: object) -> _Group:
        return groups.setdefault(gid, _Group())

    roster = project.setting(ROSTER_SETTING) or []
    by_spelling: dict[str, int] = {}
    by_key: dict[str, int] = {}
    for number, entry in enumerate(roster):
        grp = group(("roster", number))
        grp.name, grp.kind = entry["name"], entry.get("kind")
        for spelling in entry["spellings"]:
            by_spelling[spelling] = number
            line = read_line(spelling)
            if line.person:
                by_key.setdefault(line.key, number)
    free_person: dict[str, list[int]] = defaultdict(list)  # key -> alias ids
    role_only: list[int] = []
    for alias_id, alias, speaker_id, manual, _turns, _docs in sorted(rows):
        line = lines[alias_id]
        if manual:
            target = group(("pin", speaker_id))
            target.pinned = speaker_id
        elif alias in by_spelling or (line.person and line.key in by_key):
            target = group(("roster", by_spelling.get(alias, by_key.get(line.key))))
        elif line.key in merges:
            target = group(("pin", merges[line.key]))
            target.pinned = merges[line.key]
        elif line.person:
            free_person[line.key].append(alias_id)
            continue
        elif line.role_only:
            role_only.append(alias_id)
            continue
        else:
            target = group(("generic", line.key))
            target.generic = line.key
        target.aliases.append(alias_id)
        if line.person:
            target.keys.add(line.key)

    # A generic voice a user pinned somewhere (a merge into Press) keeps new lines of it there.
    for gid in [g for g in groups if g[0] == "generic"]:
        homes = [g for g, grp in groups.items() if g[0] != "generic" and any(
            not lines[a].person and lines[a].key == gid[1] for a in grp.aliases)]
        if homes:
            home = max(homes, key=lambda g: (sum(turns_of[a] for a in groups[g].aliases), repr(g)))
            groups[home].aliases.extend(groups.pop(gid).aliases)

    # -- people: the best-supported spellings first ------------------------------------
    support = {key: sum(turns_of[a] for a in ids) for key, ids in free_person.items()}
    index = PersonIndex()
    for gid, grp in sorted(groups.items(), key=lambda item: repr(item[0])):
        for key in sorted(grp.keys):
            index.add(key, gid)
    order = sorted(free_person, key=lambda k: (-support[k], -name_words(k.split()), k))
    short: list[str] = []
    for key in order:
        matches = _matches(index, key)
        if len(matches) == 1:
            gid = matches.pop()
        else:
            gid = ("key", key)
            variants = set() if matches else index.gender_variants(key)
            if len(matches) > 1:
                group(gid).unresolved = "could be " + _names_hint(groups, matches, lines)
            elif variants:
                # LUIS / LUISA with the same surnames: one person mistyped when the line
                # carries a role exactly one of them holds, else left for the user.
                held = {fold_name(lines[a].role) for a in free_person[key] if lines[a].role}
                same_role = {g for g in variants if held & _roles_of(groups[g], lines)}
                if len(same_role) == 1:
                    gid = same_role.pop()
                else:
                    group(gid).unresolved = "could be " + _names_hint(groups, variants, lines)
            elif name_words(key.split()) <= 2:
                short.append(key)
        grp = group(gid)
        grp.aliases.extend(free_person[key])
        grp.keys.add(key)
        index.add(key, gid)

    # -- short forms and roles without a name: the document or the role decides --------
    alias_docs = _documents_of(db, [a for key in short for a in free_person[key]] + role_only)
    doc_groups = _groups_by_document(db, groups, {d for ds in alias_docs.values() for d in ds})
    redirect: dict = {}
    word_index: dict[str, set] = defaultdict(set)  # name word -> groups with it in a key
    for g, other in groups.items():
        for k in other.keys:
            for word in k.split():
                word_index[word].add(g)

    def live(g: object) -> object:
        while g in redirect:
            g = redirect[g]
        return g

    for key in short:
        gid = ("key", key)
        if gid not in groups:
            continue
        grp = groups[gid]
        if len(grp.keys) > 1 or grp.pinned is not None:
            continue  # a longer spelling joined it: it is a person's group now
        docs = {d for a in grp.aliases for d in alias_docs.get(a, ())}
        near = {live(g) for d in docs for g in doc_groups.get(d, ())}
        near = {g for g in near if g != gid and any(_shortens(key, other) for other in groups[g].keys)}
        near |= _head_match(key, grp, lines, db, administrations, groups)
        if len(near) == 1:
            redirect[gid] = near.pop()
            _join(groups, gid, redirect[gid])
            continue
        anywhere = {g for g in _having_words(word_index, key.split(), live)
                    if g != gid and g in groups and any(_shortens(key, k) for k in groups[g].keys)}
        held = {fold_name(lines[a].role) for a in grp.aliases if lines[a].role}
        if held and not near:
            # The same role as exactly one of the people it could be: that one.
            by_role = {g for g in anywhere if held & _roles_of(groups[g], lines)}
            if len(by_role) == 1:
                redirect[gid] = by_role.pop()
                _join(groups, gid, redirect[gid])
                continue
        if near or anywhere:
            grp.unresolved = "short form of " + _names_hint(groups, near or anywhere, lines)
    roles = _roles_by_group(groups, lines)
    heading: dict[int, set] = defaultdict(set)  # administration index -> its head's groups
    for g, indexes in _heads(groups, administrations).items():
        for i in indexes:
            heading[i].add(g)
    for alias_id in role_only:
        line = lines[alias_id]
        if line.kind == "president":
            # The head of government's role names whoever headed the administration then.
            held = {g for date in days[alias_id]
                    for g in heading.get(_in_force(administrations, date), ())}
            if len(held) == 1:
                groups[held.pop()].aliases.append(alias_id)
                continue
            spans = {_in_force(administrations, date) for date in days[alias_id]}
            if not held and len(spans) == 1 and None not in spans:
                # Nobody in the project bears the head's name (yet), but the administrations
                # file names the head in office then: the title is theirs, by name too.
                index = spans.pop()
                grp = group(("head", index))
                grp.name = administrations[index].head
                grp.aliases.append(alias_id)
                continue
        role = fold_name(line.role or "")
        docs = alias_docs.get(alias_id, set())
        near = {live(g) for d in docs for g in doc_groups.get(d, ())}
        near = {g for g in near if role in roles.get(g, ())}
        if len(near) != 1:
            near = {g for g, held in roles.items() if role in held}
        if len(near) == 1:
            groups[near.pop()].aliases.append(alias_id)
            continue
        grp = group(("role", line.key))
        grp.aliases.append(alias_id)
        grp.unresolved = ("a role without a name; held by " + _names_hint(groups, near, lines)
                          if near else "a role without a name")

    for gid in [g for g, grp in groups.items() if not grp.aliases]:
        del groups[gid]  # a roster entry with no spelling here (yet)
    _store(project, groups, lines, turns_of, docs_of, administrations, turn_groups)


def fill_turn_kinds(project: Project) -> bool:
    """Give the turns stored without a kind (a project from before turns had kinds) the kind
    and role an import would have given them, from their lines, dates and texts (a voice
    that asks something is the press; the people of an announced clip are a recording),
    and link their documents' questions again; then :func:`reconcile` settles them as any
    others.  Returns whether there were any (call inside a transaction)."""
    from .clips import clip_clues
    from .speakers import UNKNOWN, TurnKinds
    from .turns import link_questions

    db = project.db
    documents = [d for (d,) in db.execute(
        "SELECT DISTINCT document_id FROM turns WHERE kind IS NULL ORDER BY document_id")]
    kinds = TurnKinds(load_administrations(project)) if documents else None
    for document_id in documents:
        text, date = db.execute("SELECT text, date FROM documents WHERE id = ?",
                                [document_id]).fetchone()
        # The whole document in order: a clip is read from the turns around it.
        rows = db.execute(
            'SELECT t.id, t.start, t."end", a.alias, t.kind IS NULL FROM turns t'
            " LEFT JOIN speaker_aliases a ON a.id = t.alias_id WHERE t.document_id = ?"
            " ORDER BY t.seq", [document_id]).fetchall()
        lines = [None if alias in (None, UNKNOWN) else alias for _, _, _, alias, _ in rows]
        spans = [(start, end) for _, start, end, _, _ in rows]
        announces, live = clip_clues(text, spans,
                                     [read_line(line) if line else None for line in lines])
        found = kinds.document([(start, end, line, 0) for (start, end), line in zip(spans, lines)],
                               None, [text.find("?", start, end) >= 0 for start, end in spans],
                               date, announces, live)
        db.conn.executemany("UPDATE turns SET kind = ?, role = ? WHERE id = ?", [
            (kind, role, row[0]) for row, (kind, role) in zip(rows, found) if row[4]])
        link_questions(project, document_id)
    return bool(documents)


def _matches(index: PersonIndex, key: str) -> set:
    """Every group a new key names by the spelling rules (exact key first)."""
    from rapidfuzz import fuzz, process

    if key in index.ids:
        return {index.ids[key]}
    words = tuple(key.split())
    candidates: set[str] = set()
    for signature in index._signatures(words):
        candidates |= index.by_words.get(signature, set())
    if name_words(list(words)) >= 3:
        for other, _score, _index in process.extract(
                key, index.by_count.get(len(words), []), scorer=fuzz.ratio,
                score_cutoff=85, limit=None):
            candidates.add(other)
    return {index.ids[other] for other in candidates if same_person(key, other)}


def _having_words(word_index: dict[str, set], words: list[str], live) -> set:
    """The groups with every one of ``words`` in one of their keys (joined groups followed)."""
    found: set | None = None
    for word in sorted(set(words), key=lambda w: len(word_index.get(w, ()))):
        here = {live(g) for g in word_index.get(word, ())}
        found = here if found is None else found & here
        if not found:
            return set()
    return found or set()


def _shortens(short: str, full: str) -> bool:
    """True when ``short`` is ``full`` with words left out: the given name and first surname
    ("ARTURO HERRERA" / "ARTURO HERRERA GUTIERREZ"), the surnames ("LOPEZ OBRADOR"), or one
    surname alone ("SHEINBAUM").  The first name alone never is."""
    words, others = short.split(), full.split()
    if len(words) >= len(others) or full.startswith("@"):
        return False
    if len(words) == 1 and words[0] == others[0]:
        return False
    position = 0
    for word in words:
        try:
            position = others.index(word, position) + 1
        except ValueError:
            return False
    return words[0] == others[0] or contains_run(others, words)


def _head_match(key: str, grp: _Group, lines: dict[int, SpeakerLine], db,
                administrations: list[Administration], groups: dict) -> set:
    """The head of government's group, for a short name on a line titled PRESIDENTE whose
    name shortens the head's ("PRESIDENTE LÓPEZ OBRADOR"): the title makes it unambiguous."""
    if not any(lines[a].kind == "president" for a in grp.aliases):
        return set()
    heads = {k for adm in administrations for k in head_keys(adm) if _shortens(key, k)}
    return {g for g, other in groups.items() if other.keys & heads}


def _heads(groups: dict, administrations: list[Administration]) -> dict[object, set[int]]:
    """The groups that are an administration's head, with the indexes of the administrations
    they head: a key of the head's name, or one sharing two words with it and naming the
    same person (a typo)."""
    found: dict[object, set[int]] = {}
    head_words = [(i, hk, set(hk.split())) for i, adm in enumerate(administrations)
                  for hk in head_keys(adm)]
    for gid, grp in groups.items():
        for i, hk, words in head_words:
            # Only keys sharing two words with the head's name can be a spelling of it.
            if any(k == hk or (len(words & set(k.split())) >= 2 and same_person(k, hk))
                   for k in grp.keys):
                found.setdefault(gid, set()).add(i)
    return found


def _in_force(administrations: list[Administration], date: str | None) -> int | None:
    """The index of the administration in force on ``date`` (None: none).  Found by
    identity: list.index() compares whole dataclasses field by field."""
    adm = administration_on(administrations, date)
    return next((i for i, other in enumerate(administrations) if other is adm), None) \
        if adm is not None else None


def _in_office(administrations: list[Administration], date: str | None,
               indexes) -> Administration | None:
    """Of the administrations at ``indexes`` (those a speaker heads), the one whose term of
    office (start to end, not the earlier `from`) covers ``date``; else None."""
    if not date:
        return None
    day = date[:10]
    for i in indexes:
        adm = administrations[i]
        if adm.start <= day and (adm.end is None or day <= adm.end):
            return adm
    return None


def _join(groups: dict, gid: object, into: object) -> None:
    grp = groups.pop(gid)
    target = groups[into]
    target.aliases.extend(grp.aliases)
    target.keys |= grp.keys


def _names_hint(groups: dict, gids, lines: dict[int, SpeakerLine]) -> str:
    names = sorted({_spelling(groups[g], lines) for g in gids if g in groups})
    return first_few(names, 4, "; ")


def _spelling(grp: _Group, lines: dict[int, SpeakerLine]) -> str:
    """A person's longest spelling, as written (for hints)."""
    names = [lines[a].name for a in grp.aliases if lines[a].person]
    return max(names, key=lambda n: (len(n.split()), n)) if names else "?"


def _documents_of(db, alias_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(alias_ids), 500):
        chunk = alias_ids[start:start + 500]
        for alias_id, document_id in db.execute(
                "SELECT DISTINCT alias_id, document_id FROM turns WHERE alias_id IN "
                f"({','.join('?' * len(chunk))})", chunk):
            found[alias_id].add(document_id)
    return found


def _groups_by_document(db, groups: dict, documents: set[int]) -> dict[int, set]:
    """For each of ``documents``, the groups of people speaking in it."""
    if not documents:
        return {}
    owner = {a: gid for gid, grp in groups.items() if grp.keys for a in grp.aliases}
    found: dict[int, set] = defaultdict(set)
    ids = sorted(documents)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for document_id, alias_id in db.execute(
                "SELECT DISTINCT document_id, alias_id FROM turns WHERE document_id IN "
                f"({','.join('?' * len(chunk))})", chunk):
            if alias_id in owner:
                found[document_id].add(owner[alias_id])
    return found


def _roles_of(grp: _Group, lines: dict[int, SpeakerLine]) -> set[str]:
    return {fold_name(lines[a].role) for a in grp.aliases if lines[a].role}


def _roles_by_group(groups: dict, lines: dict[int, SpeakerLine]) -> dict[object, set[str]]:
    roles: dict[object, set[str]] = {}
    for gid, grp in groups.items():
        held = {fold_name(lines[a].role) for a in grp.aliases if lines[a].person and lines[a].role}
        if held:
            roles[gid] = held
    return roles


# -- choosing names and storing ----------------------------------------------------------

def _canonical(grp: _Group, lines: dict[int, SpeakerLine], turns_of: dict[int, int],
               docs_of: dict[int, int], word_docs: Counter) -> tuple[str, str]:
    """(key, display name) of a person's best-supported spelling (see the module doc)."""
    turns: Counter = Counter()
    docs: Counter = Counter()
    for a in grp.aliases:
        line = lines[a]
        if line.person:
            turns[line.key] += turns_of[a]
            docs[line.key] += docs_of[a]
    total = sum(docs.values()) or 1

    def score(key: str) -> tuple:
        words = [w for w in key.split() if w.lower() not in ("de", "del", "la", "las", "los", "y")]
        weakest = min((word_docs[w] for w in words), default=0)
        # Every word the spellings disagree on also written in what people say (a typo's
        # odd word is not: "Ramíirez" on the speaker line, "Ramírez" in the text).
        attested = grp.body is None or all(grp.body[w] for w in words if w in grp.body)
        return (docs[key] >= 2 or len(docs) == 1, attested, weakest * 10 >= total, docs[key],
                turns[key], name_words(key.split()), _reverse(key))

    key = max(docs, key=score)
    # The spelling of that key most often written, accents preferred.
    spellings: Counter = Counter()
    for a in grp.aliases:
        if lines[a].person and lines[a].key == key:
            spellings[lines[a].name] += turns_of[a]
    # The most written; on a tie the one with accents (transcripts drop more than they add).
    name = max(spellings, key=lambda n: (spellings[n], sum(1 for c in n if ord(c) > 127), _reverse(n)))
    return key, name


BODY_DOCUMENTS = 3  # documents per person read for the words its spellings disagree on
_FOLDS = {"A": "AÁÀÄÂ", "E": "EÉÈËÊ", "I": "IÍÌÏÎ", "O": "OÓÒÖÔ", "U": "UÚÙÜÛ", "N": "NÑ", "C": "CÇ"}


def _body_evidence(db, groups: dict, lines: dict[int, SpeakerLine], docs_of: dict[int, int]
                   ) -> None:
    """For each person whose spellings include two of as many words that differ (a typo
    and the right word), count the words the spellings disagree on in the bodies of its
    documents' turns (accents and case aside; speaker lines are not bodies): the first
    BODY_DOCUMENTS of its documents by content hash, so the choice never depends on
    import order and costs a few documents' reading, not the corpus's."""
    import re

    wanted: dict[object, set[str]] = {}
    for gid, grp in groups.items():
        days: Counter = Counter()
        for a in grp.aliases:
            if lines[a].person:
                days[lines[a].key] += docs_of[a]
        keys = set(days)
        if len(keys) < 2:
            continue
        # Only where it can decide: among the spellings the first rule keeps (seen in two
        # documents or more, if any is), two of as many words.
        kept = [key for key in keys if days[key] >= 2] or list(keys)
        lengths = Counter(len(key.split()) for key in kept)
        if max(lengths.values()) < 2:
            continue
        # The words where spellings of as many words differ, place by place (RAMÍREZ /
        # RAMÍIREZ, LUISA / LUIS); a word a shorter spelling leaves out is no rival of
        # anything (a second surname is rarely said aloud).
        by_length: dict[int, list[list[str]]] = defaultdict(list)
        for key in keys:
            by_length[len(key.split())].append(key.split())
        odd = {word for same in by_length.values() if len(same) > 1
               for place in zip(*same) if len(set(place)) > 1 for word in place}
        if odd:
            wanted[gid] = odd
    if not wanted:
        return
    owner = {a: gid for gid in wanted for a in groups[gid].aliases}
    documents: dict[object, set[tuple[str, int]]] = defaultdict(set)
    ids = sorted(owner)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for alias_id, document_id, sha in db.execute(
                "SELECT DISTINCT t.alias_id, t.document_id, d.sha256 FROM turns t"
                " JOIN documents d ON d.id = t.document_id WHERE t.alias_id IN"
                f" ({','.join('?' * len(chunk))})", chunk):
            documents[owner[alias_id]].add((sha, document_id))
    for gid, odd in wanted.items():
        letters = ["".join(f"[{_FOLDS[c]}]" if c in _FOLDS else re.escape(c) for c in word)
                   for word in sorted(odd)]
        pattern = re.compile(r"\b(?:" + "|".join(letters) + r")\b", re.IGNORECASE)
        counts: Counter = Counter({word: 0 for word in odd})
        for _sha, document_id in sorted(documents[gid])[:BODY_DOCUMENTS]:
            (text,) = db.execute("SELECT text FROM documents WHERE id = ?", [document_id]).fetchone()
            for start, end in db.execute('SELECT start, "end" FROM turns WHERE document_id = ?',
                                         [document_id]):
                for found in pattern.finditer(text, start, end):
                    counts[fold_name(found.group(0))] += 1
        groups[gid].body = counts


def _reverse(text: str) -> tuple:
    """A sort key under which the alphabetically first string is the largest."""
    return tuple(-ord(c) for c in text) + (1,)


def _store(project: Project, groups: dict, lines: dict[int, SpeakerLine],
           turns_of: dict[int, int], docs_of: dict[int, int],
           administrations: list[Administration], turn_groups: list[tuple]) -> None:
    db = project.db
    word_docs: Counter = Counter()
    for grp in groups.values():
        for a in grp.aliases:
            line = lines[a]
            if line.person:
                for word in set(line.key.split()):
                    word_docs[word] += docs_of[a]
    _body_evidence(db, groups, lines, docs_of)
    speakers = {row[0]: row for row in db.execute(
        "SELECT id, key, name, unresolved, fixed_kind, fixed_name FROM speakers")}
    current = dict(db.execute("SELECT id, speaker_id FROM speaker_aliases").fetchall())
    taken = {grp.pinned for grp in groups.values() if grp.pinned is not None}
    plan: list[tuple[int, _Group, str, str]] = []  # speaker id, group, key, name
    ordered = sorted(groups.items(), key=lambda item: (-sum(turns_of[a] for a in item[1].aliases),
                                                       repr(item[0])))
    for _gid, grp in ordered:
        generic = [a for a in grp.aliases if not lines[a].person and not lines[a].role_only]
        if generic and not grp.name:
            # A user merged a person into a generic speaker (Press ...): it stays that.
            first = lines[max(generic, key=lambda a: (turns_of[a], -a))]
            key, name = first.key, first.name
            grp.generic = first.kind
        elif grp.keys:
            key, name = _canonical(grp, lines, turns_of, docs_of, word_docs)
            if grp.name:
                name = grp.name
        else:
            first = lines[min(grp.aliases)]
            key, name = first.key, grp.name or first.name
        if grp.name:
            key = fold_name(grp.name)
        speaker_id = grp.pinned
        if speaker_id is None:
            votes = Counter()
            for a in grp.aliases:
                if current.get(a) in speakers and current[a] not in taken:
                    votes[current[a]] += turns_of[a] + 1
            if votes:
                speaker_id = max(votes, key=lambda s: (votes[s], -s))
        if speaker_id is not None:
            taken.add(speaker_id)
        plan.append((speaker_id, grp, key, name))
    # The final row of each planned speaker: (key, name, unresolved, fixed_kind).
    used_keys: set[str] = set()
    final: list[tuple[int | None, _Group, tuple]] = []
    for speaker_id, grp, key, name in plan:
        unique = key
        n = 2
        while unique in used_keys:
            unique, n = f"{key} #{n}", n + 1
        used_keys.add(unique)
        known = speakers.get(speaker_id)
        if speaker_id is None or grp.name:
            row = (unique, name, None if grp.name else grp.unresolved, grp.kind)
        elif known[5]:  # a user's name stays
            row = (unique, known[2], grp.unresolved, known[4])
        else:
            row = (unique, name, grp.unresolved, known[4])
        final.append((speaker_id, grp, row))
    kept = {speaker_id for speaker_id, _, _ in final if speaker_id is not None}
    # Keys are unique: park the keys that change or go, then write only the rows that
    # change (after an import most are as they were).
    changed = [(speaker_id, row) for speaker_id, _, row in final
               if speaker_id is not None and speakers[speaker_id][1:5] != row]
    db.conn.executemany("UPDATE speakers SET key = '~' || id WHERE id = ?", [
        (speaker_id,) for speaker_id, row in changed if speakers[speaker_id][1] != row[0]]
        + [(speaker_id,) for speaker_id in set(speakers) - kept])
    alias_updates: list[tuple[int, int]] = []
    for speaker_id, grp, row in final:
        if speaker_id is None:
            speaker_id = db.execute("INSERT INTO speakers(key, name, kind, unresolved, fixed_kind)"
                                    " VALUES (?, ?, 'other', ?, ?)", row).lastrowid
            kept.add(speaker_id)
        for a in grp.aliases:
            if current.get(a) != speaker_id:
                alias_updates.append((speaker_id, a))
        grp.pinned = speaker_id  # from here: the group's speaker id
    db.conn.executemany("UPDATE speakers SET key = ?, name = ?, unresolved = ?, fixed_kind = ?"
                        " WHERE id = ?", [row + (speaker_id,) for speaker_id, row in changed])
    db.conn.executemany("UPDATE speaker_aliases SET speaker_id = ? WHERE id = ?", alias_updates)
    if alias_updates:
        db.execute("UPDATE turns SET speaker_id = (SELECT a.speaker_id FROM speaker_aliases a"
                   " WHERE a.id = turns.alias_id) WHERE alias_id IN"
                   f" ({','.join(str(a) for _, a in alias_updates)})")
    referenced = {s for (s,) in db.execute("SELECT speaker_id FROM speaker_merges")}
    # (Kept for a user's merge that points here: its key stays parked, so it never clashes.)
    db.conn.executemany("DELETE FROM speakers WHERE id = ?",
                        [(speaker_id,) for speaker_id in sorted(set(speakers) - kept - referenced)])
    _turn_kinds(project, groups, lines, administrations, turn_groups)


def _turn_kinds(project: Project, groups: dict, lines: dict[int, SpeakerLine],
                administrations: list[Administration], turns: list[tuple]) -> None:
    """Set every turn's kind and role (see the module doc), then each speaker's overall kind
    and role (its most frequent turn kind; the role of its latest turn with one)."""
    db = project.db
    fixed = dict(db.execute("SELECT id, fixed_kind FROM speakers WHERE fixed_kind IS NOT NULL"))
    group_of = {a: grp for grp in groups.values() for a in grp.aliases}
    # speaker id -> indexes of the administrations it heads
    heads = {groups[gid].pinned: indexes for gid, indexes in _heads(groups, administrations).items()}
    # Dated kinds and roles a person's own lines give, for the turns whose line names nobody's role.
    dated: dict[int, set[tuple[str, str, str | None]]] = defaultdict(set)
    # date -> (the administration in force, its index)
    adm_of: dict[str | None, tuple[Administration, int] | None] = {}
    decided: dict[tuple, tuple | None] = {}

    def decide(alias_id: int, date: str | None, speaker_id: int | None, grp) -> tuple | None:
        line = lines[alias_id]
        if speaker_id in fixed:
            return (fixed[speaker_id], line.role)
        if grp is not None and grp.generic and (line.person or line.role_only):
            return (grp.generic if grp.generic in KINDS else "other", None)
        if not (line.person or line.role_only):
            return (line.kind, None)
        if date not in adm_of:
            index = _in_force(administrations, date)
            adm_of[date] = None if index is None else (administrations[index], index)
        in_force = adm_of[date]
        if line.clip:
            return ("recording", None)
        if in_force is not None and in_force[1] in heads.get(speaker_id, ()):
            return ("president", in_force[0].role)
        sitting = _in_office(administrations, date, heads.get(speaker_id, ()))
        if sitting is not None:
            # Between an election and the handover the president-elect's events are
            # theirs (the administrations file's `from`), but the head still in office
            # speaks as president at their own.
            return ("president", sitting.role)
        if line.kind == "president" and line.role_only and in_force is not None:
            # The head of government's role with no name ("PRESIDENTA"), whoever held it.
            return ("president", in_force[0].role)
        if line.kind == "president":
            # The title of a head of state who is not the head of this administration:
            # a foreign (or former) president.
            return ("guest", line.role if line.role != "Presidente" else line.title)
        if line.role or (line.title and line.kind == "official"):
            new = (line.kind, line.role or line.title)
            if date:
                dated[speaker_id].add((date, new[0], new[1]))
            return new
        return None  # decided from the person's other turns below

    firsts: list[tuple] = []
    for alias_id, date, kind, role, count, ids in turns:
        grp = group_of.get(alias_id)
        speaker_id = grp.pinned if grp else None
        if alias_id not in lines:
            new = (kind, role)
        elif kind == "recording" and speaker_id not in fixed:
            # Heard in a clip: the line says so, or the turn before announced the clip
            # (set at import from the document, see coder.corpus.clips).
            new = ("recording", role)
        elif (lines[alias_id].kind == "voice" and kind in ("press", "voice")
              and not lines[alias_id].person and speaker_id not in fixed):
            new = (kind, None)  # an unidentified voice: press when it asked (set at import)
        else:
            memo = (alias_id, date)
            if memo not in decided:
                decided[memo] = decide(alias_id, date, speaker_id, grp)
            new = decided[memo]
        firsts.append((alias_id, speaker_id, date, new, kind, role, count, ids))
    dated = {speaker_id: sorted(entries) for speaker_id, entries in dated.items()}
    updates = []
    totals: dict[int, Counter] = defaultdict(Counter)
    relink: set[int] = set()
    latest: dict[int, tuple] = {}  # speaker id -> the role of its latest turn with one
    for _alias_id, speaker_id, date, new, kind, role, count, ids in firsts:
        if new is None:
            entries = dated.get(speaker_id)
            if entries and date:
                i = bisect.bisect_left(entries, (date,))
                near = min((entries[j] for j in (i - 1, i) if 0 <= j < len(entries)),
                           key=lambda e: (abs(_days(e[0]) - _days(date)), e))
                new = (near[1], near[2])
            elif entries:
                new = (entries[-1][1], entries[-1][2])
            else:
                # A named person with no office anywhere in the project: someone invited
                # to speak (a citizen's testimony, a cadet reciting, a business leader).
                new = ("guest", None)
        if new != (kind, role):
            turn_ids = [int(i) for i in ids.split(",")]
            updates.extend((new[0], new[1], i) for i in turn_ids)
            if _LINKING.intersection((kind, new[0])):
                relink.update(d for (d,) in db.execute(
                    "SELECT DISTINCT document_id FROM turns WHERE id IN "
                    f"({','.join(map(str, turn_ids))})"))
        if speaker_id is not None:
            totals[speaker_id][new[0]] += count
            if new[1] is not None:
                # The latest date's longest role (the alphabetically first on a tie).
                rank_role = (date or "", len(new[1]))
                current = latest.get(speaker_id)
                if current is None or rank_role > current[0] or (
                        rank_role == current[0] and new[1] < current[1]):
                    latest[speaker_id] = (rank_role, new[1])
    db.conn.executemany("UPDATE turns SET kind = ?, role = ? WHERE id = ?", updates)
    if relink:
        from .turns import link_questions

        for document_id in sorted(relink):
            link_questions(project, document_id)
    rank = {k: i for i, k in enumerate(_KIND_ORDER)}
    db.conn.executemany("UPDATE speakers SET kind = ?, role = ? WHERE id = ?", [
        (fixed.get(speaker_id, max(counts, key=lambda k: (counts[k], -rank.get(k, 99)))),
         latest[speaker_id][1] if speaker_id in latest else None, speaker_id)
        for speaker_id, counts in totals.items()])


@functools.lru_cache(maxsize=8192)
def _days(date: str) -> int:
    import datetime as dt

    try:
        return dt.date.fromisoformat(date[:10]).toordinal()
    except ValueError:
        return 0


__all__ = ["reconcile", "fill_turn_kinds", "read_line", "GENERIC_KEYS"]
