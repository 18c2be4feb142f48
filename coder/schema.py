"""The project file's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied.  A migration is never
edited once released: new columns and tables arrive as new entries at the end, so a
project file written by an older coder opens and upgrades in one transaction.
"""

from __future__ import annotations

# Each entry is one migration: a script of SQL statements run inside one transaction.
MIGRATIONS: list[str] = [
    # 1: the data model (documents, speakers, turns, codebook,
    #    coders, annotations, suggestions, decisions, memos, events).
    """
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        title TEXT,
        date TEXT,
        kind TEXT,
        source TEXT,
        lang TEXT,
        sha256 TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        words INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{}',
        imported_at TEXT NOT NULL
    );
    CREATE INDEX documents_date ON documents(date);
    CREATE TABLE speakers (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,            -- accent-folded upper-case name: what spellings share
        name TEXT NOT NULL,                  -- display name, e.g. Andrés Manuel López Obrador
        role TEXT,
        kind TEXT NOT NULL DEFAULT 'other'   -- president | official | press | moderator | other | unknown
    );
    CREATE TABLE speaker_aliases (
        id INTEGER PRIMARY KEY,
        alias TEXT NOT NULL UNIQUE,          -- the raw speaker line as printed
        speaker_id INTEGER NOT NULL REFERENCES speakers(id),
        title TEXT,                          -- what was stripped: PRESIDENTE, SECRETARIO DE MARINA ...
        manual INTEGER NOT NULL DEFAULT 0    -- 1 when a user fixed it: imports keep the fix
    );
    CREATE TABLE speaker_merges (
        key TEXT PRIMARY KEY,                -- a speaker key the rules produce ...
        speaker_id INTEGER NOT NULL REFERENCES speakers(id)   -- ... that a user merged here
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        speaker_id INTEGER REFERENCES speakers(id),
        alias_id INTEGER REFERENCES speaker_aliases(id),
        question_id INTEGER REFERENCES turns(id),  -- on an answer: the press turn it answers
        words INTEGER NOT NULL DEFAULT 0,
        UNIQUE(document_id, seq)
    );
    CREATE INDEX turns_speaker ON turns(speaker_id);
    CREATE TABLE codebooks (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT NOT NULL UNIQUE,        -- sha256 of the YAML text
        source TEXT,
        yaml TEXT NOT NULL,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE codes (
        id TEXT PRIMARY KEY,                 -- the codebook's id, e.g. DES.NOFORCE
        codebook_id INTEGER NOT NULL REFERENCES codebooks(id),
        parent_id TEXT REFERENCES codes(id),
        name TEXT NOT NULL,
        key TEXT,
        color TEXT,
        definition TEXT,
        when_to_use TEXT,
        when_not_to_use TEXT,
        examples TEXT NOT NULL DEFAULT '[]',
        patterns TEXT NOT NULL DEFAULT '[]',
        exclude TEXT NOT NULL DEFAULT '[]',
        sort INTEGER NOT NULL DEFAULT 0,
        retired INTEGER NOT NULL DEFAULT 0   -- dropped from the current codebook; annotations keep it
    );
    CREATE TABLE code_groups (
        id TEXT PRIMARY KEY,                 -- a set of mutually exclusive codes
        codes TEXT NOT NULL                  -- JSON list of code ids
    );
    CREATE TABLE coders (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        is_gold INTEGER NOT NULL DEFAULT 0,
        suggestions_off INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    );
    CREATE TABLE annotations (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        code_id TEXT NOT NULL REFERENCES codes(id),
        coder_id INTEGER NOT NULL REFERENCES coders(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        memo TEXT,
        origin TEXT NOT NULL DEFAULT 'manual',   -- manual | suggestion | adjudicated | import
        pattern_id TEXT,
        codebook_version TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        CHECK (start >= 0 AND "end" > start)
    );
    CREATE INDEX annotations_doc ON annotations(document_id, coder_id, deleted);
    CREATE INDEX annotations_code ON annotations(code_id);
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        code_id TEXT NOT NULL REFERENCES codes(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        pattern_id TEXT NOT NULL,
        codebook_version TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE(document_id, code_id, start, "end", pattern_id)
    );
    CREATE INDEX suggestions_doc ON suggestions(document_id);
    CREATE TABLE suggest_runs (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        codebook_version TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        scope TEXT NOT NULL,
        finished_at TEXT NOT NULL
    );
    -- Decisions keep the suggestion's natural key, so replacing stale suggestions never
    -- loses an accept or a reject.
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE SET NULL,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        code_id TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        pattern_id TEXT NOT NULL,
        coder_id INTEGER NOT NULL REFERENCES coders(id),
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
        annotation_id INTEGER REFERENCES annotations(id),
        decided_at TEXT NOT NULL,
        UNIQUE(document_id, code_id, start, "end", pattern_id, coder_id)
    );
    CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        uuid TEXT NOT NULL UNIQUE,
        document_id INTEGER REFERENCES documents(id),
        annotation_id INTEGER REFERENCES annotations(id),
        coder_id INTEGER REFERENCES coders(id),
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE assignments (
        document_id INTEGER NOT NULL REFERENCES documents(id),
        coder_id INTEGER NOT NULL REFERENCES coders(id),
        sample TEXT NOT NULL DEFAULT 'single',   -- reliability | single
        status TEXT NOT NULL DEFAULT 'todo',     -- todo | in_progress | done
        PRIMARY KEY (document_id, coder_id)
    );
    -- Append-only log of every change: the basis of undo/redo and of the audit trail.
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        coder_id INTEGER REFERENCES coders(id),
        action TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id INTEGER,
        before TEXT,
        after TEXT,
        undo_of INTEGER REFERENCES events(id),
        undone INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX events_coder ON events(coder_id, id);
    """,
    # 2: attribute dimensions of codings (issue #11): the codebook declares them, a coding
    #    carries values ({"source": "own", "polarity": "negated"}) in the same row, so undo
    #    snapshots and merges carry them with the coding; and the precision audit of
    #    suggestions: items drawn for a judge, with the judge's verdict.
    """
    ALTER TABLE codebooks ADD COLUMN attributes TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE annotations ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE audit_items (
        id INTEGER PRIMARY KEY,
        draw TEXT NOT NULL,                  -- the draw's name: items drawn together
        judge_id INTEGER NOT NULL REFERENCES coders(id),
        seq INTEGER NOT NULL,                -- the order the judge sees them in
        suggestion_id INTEGER REFERENCES suggestions(id) ON DELETE SET NULL,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        code_id TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        pattern_id TEXT NOT NULL,
        codebook_version TEXT,
        predicted TEXT NOT NULL DEFAULT '{}',  -- the suggestion's predicted attributes when drawn
        verdict TEXT CHECK (verdict IN ('correct', 'borderline', 'wrong')),
        reason TEXT,
        drawn_at TEXT NOT NULL,
        judged_at TEXT,
        UNIQUE(draw, judge_id, document_id, code_id, start, "end", pattern_id)
    );
    CREATE INDEX audit_items_judge ON audit_items(judge_id, draw, seq);
    """,
    # 3: speakers over time.  A turn carries its own kind and role (the same person is an
    #    official one year and the president the next); a user's rename and kind stick
    #    across imports; a speaker the rules were unsure of says why; documents can be
    #    excluded from analyses without being deleted.
    """
    ALTER TABLE turns ADD COLUMN kind TEXT;      -- president | official | press | moderator | guest | recording | voice | other | unknown
    ALTER TABLE turns ADD COLUMN role TEXT;      -- the role on that date (NULL: none known)
    ALTER TABLE speakers ADD COLUMN fixed_name INTEGER NOT NULL DEFAULT 0;  -- 1: a user named it
    ALTER TABLE speakers ADD COLUMN fixed_kind TEXT;  -- a user's kind for every turn
    ALTER TABLE speakers ADD COLUMN unresolved TEXT;  -- why the rules are unsure (NULL: sure)
    ALTER TABLE documents ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX turns_alias ON turns(alias_id);
    """,
    # 4: what a suggestion's clause says (issue #11, coder.suggest.moves): predicted source
    #    (own / attributed / quoted), polarity (affirmed / negated / hypothetical /
    #    question), sector (a topic), the scope where a required context was found, the
    #    mark (1: the code counts only own affirmed moves and this one is not), and the
    #    cues that decided them (JSON).  Runs made before are stale: the next
    #    `coder suggest` re-makes them (their scope lacks the rules version).
    """
    ALTER TABLE suggestions ADD COLUMN source TEXT;
    ALTER TABLE suggestions ADD COLUMN polarity TEXT;
    ALTER TABLE suggestions ADD COLUMN sector TEXT;
    ALTER TABLE suggestions ADD COLUMN context TEXT;
    ALTER TABLE suggestions ADD COLUMN marked INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE suggestions ADD COLUMN cues TEXT;
    """,
    # 5: memos on codes (issue #13): a memo belongs to a document, a segment (annotation)
    #    or a code of the codebook; code ids never change, so a code's memo follows renames,
    #    and a merged (retired) code keeps its memos.
    """
    ALTER TABLE memos ADD COLUMN code_id TEXT REFERENCES codes(id);
    CREATE INDEX memos_code ON memos(code_id);
    """,
    # 6: (issue #10) the index of turns by alias goes: each use of it (the speakers'
    #    reconcile pass, a split) reads the turns once anyway, and keeping it up cost an
    #    import a fifth of its time inserting turns.  A project upgraded from before turns
    #    had kinds (migration 3) is marked so that opening it works them out
    #    (coder.corpus.reconcile, registered in coder.project.PENDING).
    """
    DROP INDEX IF EXISTS turns_alias;
    INSERT OR REPLACE INTO settings(key, value) SELECT 'pending:turn_kinds', 'true'
        WHERE EXISTS (SELECT 1 FROM turns WHERE kind IS NULL);
    """,
    # 7: decisions and audit items point at suggestions ON DELETE SET NULL, so every
    #    suggestion a rerun of `coder suggest` replaces looked for them row by row: without
    #    an index, a scan of both tables per suggestion (a full rerun over the shared
    #    corpus took 134 s instead of 15 in a project with 49,000 decisions).
    """
    CREATE INDEX IF NOT EXISTS decisions_suggestion ON decisions(suggestion_id);
    CREATE INDEX IF NOT EXISTS audit_items_suggestion ON audit_items(suggestion_id);
    """,
    # 8: an undone accept or reject is marked deleted, as an undone coding is, instead of
    #    deleting its row: a deleted row was not there for `coder merge` to match, so the
    #    lead kept the decision the coder had taken back.  ``updated_at`` is the newest
    #    change to the row (a decision, an undo, a redo) and decides which copy a merge
    #    keeps, as an annotation's does; ``decided_at`` stays the time of the decision.
    #    Rows from before start with ``updated_at = decided_at``.
    """
    ALTER TABLE decisions ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE decisions ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
    UPDATE decisions SET updated_at = decided_at;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
