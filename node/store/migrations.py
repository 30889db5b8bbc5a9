"""Schema migrations, applied in order, each in a transaction with its record.

Model: ``sqlite_utils/migrations.py``. Append new migrations at the end; never edit one that
has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from node.domain.categories import DEFAULT_TYPE_ROWS
from node.domain.holidays_vn import DEFAULT_HOLIDAY_ROWS

migrations = Migrations("vanthu")


@migrations(name="0001_core")
def m0001_core(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE blob (
            sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size       INTEGER NOT NULL CHECK (size >= 0),
            media_type TEXT NOT NULL DEFAULT 'application/octet-stream',
            created_at TEXT NOT NULL
        );

        CREATE TABLE audit (
            id        INTEGER PRIMARY KEY,
            ts        TEXT NOT NULL,
            actor     TEXT NOT NULL,
            action    TEXT NOT NULL,
            subject   TEXT NOT NULL DEFAULT '',
            detail    TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL UNIQUE
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

        CREATE TABLE audit_head (
            id        INTEGER PRIMARY KEY CHECK (id = 1),
            last_id   INTEGER NOT NULL,
            last_hash TEXT NOT NULL
        );

        CREATE TABLE unit (
            id        INTEGER PRIMARY KEY,
            code      TEXT NOT NULL UNIQUE,
            name      TEXT NOT NULL,
            parent_id INTEGER REFERENCES unit(id)
        );

        CREATE TABLE user (
            id                  INTEGER PRIMARY KEY,
            username            TEXT NOT NULL UNIQUE COLLATE NOCASE,
            full_name           TEXT NOT NULL,
            title               TEXT NOT NULL DEFAULT '',
            unit_id             INTEGER REFERENCES unit(id),
            password_hash       TEXT NOT NULL,
            active              INTEGER NOT NULL DEFAULT 1,
            failed_logins       INTEGER NOT NULL DEFAULT 0,
            locked_until        TEXT,
            last_login_at       TEXT,
            password_changed_at TEXT NOT NULL,
            created_at          TEXT NOT NULL
        );

        CREATE TABLE user_role (
            user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            role    TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'leader', 'specialist')),
            PRIMARY KEY (user_id, role)
        );
        """
    )


@migrations(name="registers_0001_numbering")
def m_registers_0001_numbering(db: Database) -> None:
    """Registers (sổ đến / đi / sao, secret series apart) and their permanent, gapless entries."""
    db.executescript(
        """
        CREATE TABLE register (
            code       TEXT PRIMARY KEY,
            kind       TEXT NOT NULL CHECK (kind IN ('den', 'di', 'sao')),
            name       TEXT NOT NULL,
            secret     INTEGER NOT NULL DEFAULT 0 CHECK (secret IN (0, 1)),
            type_names TEXT NOT NULL DEFAULT '[]',
            active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
        );

        CREATE TABLE register_entry (
            register_code TEXT NOT NULL REFERENCES register(code),
            year          INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
            number        INTEGER NOT NULL CHECK (number >= 1),
            allocated_at  TEXT NOT NULL,
            actor         TEXT NOT NULL,
            subject       TEXT NOT NULL DEFAULT '',
            audit_id      INTEGER NOT NULL,
            PRIMARY KEY (register_code, year, number)
        );

        CREATE TRIGGER register_entry_gapless BEFORE INSERT ON register_entry
            WHEN NEW.number <> 1 + COALESCE((SELECT max(number) FROM register_entry
                                             WHERE register_code = NEW.register_code AND year = NEW.year), 0)
            BEGIN SELECT RAISE(ABORT, 'register numbers must be consecutive'); END;
        CREATE TRIGGER register_entry_no_update BEFORE UPDATE ON register_entry
            BEGIN SELECT RAISE(ABORT, 'register entries are permanent'); END;
        CREATE TRIGGER register_entry_no_delete BEFORE DELETE ON register_entry
            BEGIN SELECT RAISE(ABORT, 'register entries are permanent'); END;

        INSERT INTO register (code, kind, name, secret) VALUES
            ('den', 'den', 'Sổ văn bản đến', 0),
            ('den-mat', 'den', 'Sổ văn bản đến (mật)', 1),
            ('di', 'di', 'Sổ văn bản đi', 0),
            ('di-mat', 'di', 'Sổ văn bản đi (mật)', 1),
            ('sao', 'sao', 'Sổ bản sao văn bản', 0);
        """
    )


@migrations(name="sync_0001_exchange")
def sync_0001_exchange(db: Database) -> None:
    """Outbox, inbox, link state, outage ledger and the mirrored agency directory."""
    db.executescript(
        """
        CREATE TABLE axis_outbox (
            id              INTEGER PRIMARY KEY,
            kind            TEXT NOT NULL CHECK (kind IN ('edoc', 'status')),
            blob_sha256     TEXT NOT NULL REFERENCES blob(sha256),
            size            INTEGER NOT NULL,
            document_id     TEXT NOT NULL,
            recipient_code  TEXT NOT NULL,
            subject         TEXT NOT NULL DEFAULT '',
            priority        INTEGER NOT NULL DEFAULT 0,
            state           TEXT NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued', 'sending', 'sent', 'rejected')),
            attempts        INTEGER NOT NULL DEFAULT 0,
            in_doubt        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            lease_owner     TEXT,
            lease_until     TEXT,
            last_error      TEXT,
            axis_doc_id     TEXT,
            created_at      TEXT NOT NULL,
            sent_at         TEXT,
            delivery_status      TEXT,
            delivery_status_at   TEXT,
            delivery_description TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX axis_outbox_open ON axis_outbox (state, priority DESC, id)
            WHERE state IN ('queued', 'sending');
        CREATE INDEX axis_outbox_delivery ON axis_outbox (document_id, recipient_code);

        CREATE TABLE axis_inbox (
            id                       INTEGER PRIMARY KEY,
            axis_doc_id              TEXT NOT NULL UNIQUE,
            kind                     TEXT NOT NULL CHECK (kind IN ('edoc', 'status')),
            sender_code              TEXT NOT NULL,
            document_id              TEXT NOT NULL,
            blob_sha256              TEXT NOT NULL REFERENCES blob(sha256),
            size                     INTEGER NOT NULL,
            subject                  TEXT NOT NULL DEFAULT '',
            code                     TEXT NOT NULL DEFAULT '',
            status_code              TEXT,
            response_for_document_id TEXT,
            warnings                 TEXT NOT NULL DEFAULT '[]',
            outbox_id                INTEGER REFERENCES axis_outbox(id),
            received_at              TEXT NOT NULL,
            acked_at                 TEXT
        );
        CREATE UNIQUE INDEX axis_inbox_edoc ON axis_inbox (sender_code, document_id)
            WHERE kind = 'edoc';

        CREATE TABLE axis_link (
            id          INTEGER PRIMARY KEY CHECK (id = 1),
            online      INTEGER NOT NULL,
            since       TEXT NOT NULL,
            last_ok_at  TEXT,
            last_error  TEXT
        );

        CREATE TABLE axis_outage (
            id              INTEGER PRIMARY KEY,
            started_at      TEXT NOT NULL,
            ended_at        TEXT,
            queued_at_start INTEGER NOT NULL,
            max_queued      INTEGER NOT NULL,
            drained_at      TEXT,
            last_error      TEXT,
            report_state    TEXT NOT NULL DEFAULT 'none'
                            CHECK (report_state IN ('none', 'due', 'queued')),
            report_outbox_id INTEGER REFERENCES axis_outbox(id)
        );

        CREATE TABLE axis_agency (
            code      TEXT PRIMARY KEY,
            code102   TEXT NOT NULL DEFAULT '',
            old_code  TEXT NOT NULL DEFAULT '',
            name      TEXT NOT NULL,
            pid       TEXT NOT NULL DEFAULT '',
            mail      TEXT NOT NULL DEFAULT '',
            deleted   INTEGER NOT NULL DEFAULT 0,
            synced_at TEXT NOT NULL
        );
        """
    )


@migrations(name="signing_0001_timestamp_queue")
def m_signing_0001_timestamp_queue(db: Database) -> None:
    """Signatures made PAdES B-B while the timestamp authority was unreachable (upgrade later)."""
    db.executescript(
        """
        CREATE TABLE signing_timestamp_queue (
            id           INTEGER PRIMARY KEY,
            blob_sha256  TEXT NOT NULL,
            field_name   TEXT NOT NULL,
            queued_at    TEXT NOT NULL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT,
            done_at      TEXT,
            new_blob_sha256 TEXT,
            UNIQUE (blob_sha256, field_name)
        );
        CREATE INDEX signing_timestamp_pending ON signing_timestamp_queue (done_at, id);
        """
    )


@migrations(name="search_0001_index")
def search_0001_index(db: Database) -> None:
    """Generic full-text index (node/store/search.py): folded text in an FTS5 external-content table."""
    db.executescript(
        """
        CREATE TABLE search_doc (
            id         INTEGER PRIMARY KEY,
            kind       TEXT NOT NULL,
            ref        TEXT NOT NULL,
            title      TEXT NOT NULL DEFAULT '',
            body       TEXT NOT NULL DEFAULT '',
            title_fold TEXT NOT NULL DEFAULT '',
            body_fold  TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            UNIQUE (kind, ref)
        );
        CREATE VIRTUAL TABLE search_fts USING fts5(
            title_fold, body_fold,
            content = 'search_doc', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN
            INSERT INTO search_fts (rowid, title_fold, body_fold)
                VALUES (new.id, new.title_fold, new.body_fold);
        END;
        CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN
            INSERT INTO search_fts (search_fts, rowid, title_fold, body_fold)
                VALUES ('delete', old.id, old.title_fold, old.body_fold);
        END;
        CREATE TRIGGER search_doc_au AFTER UPDATE ON search_doc BEGIN
            INSERT INTO search_fts (search_fts, rowid, title_fold, body_fold)
                VALUES ('delete', old.id, old.title_fold, old.body_fold);
            INSERT INTO search_fts (rowid, title_fold, body_fold)
                VALUES (new.id, new.title_fold, new.body_fold);
        END;
        """
    )


@migrations(name="scanner_0001_scans")
def scanner_0001_scans(db: Database) -> None:
    """Scanned files, the documents made from them, and every arrival (stored/duplicate/rejected)."""
    db.executescript(
        """
        CREATE TABLE scan_file (
            id          INTEGER PRIMARY KEY,
            sha256      TEXT NOT NULL UNIQUE REFERENCES blob(sha256),
            file_name   TEXT NOT NULL,
            folder      TEXT NOT NULL,
            purpose     TEXT NOT NULL CHECK (purpose IN ('incoming', 'copy')),
            media_type  TEXT NOT NULL,
            parts       INTEGER NOT NULL CHECK (parts >= 1),
            warnings    TEXT NOT NULL DEFAULT '[]',
            received_at TEXT NOT NULL
        );

        CREATE TABLE scan (
            id              INTEGER PRIMARY KEY,
            file_id         INTEGER NOT NULL REFERENCES scan_file(id),
            part            INTEGER NOT NULL,
            pdf_sha256      TEXT NOT NULL REFERENCES blob(sha256),
            pdf_is_original INTEGER NOT NULL,
            pages           INTEGER NOT NULL,
            ocr             INTEGER NOT NULL,
            signed          INTEGER NOT NULL,
            dpi             INTEGER,
            text            TEXT NOT NULL,
            fields          TEXT NOT NULL,
            warnings        TEXT NOT NULL DEFAULT '[]',
            state           TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'confirmed', 'discarded')),
            created_at      TEXT NOT NULL,
            UNIQUE (file_id, part)
        );

        CREATE TABLE scan_arrival (
            id        INTEGER PRIMARY KEY,
            file_id   INTEGER REFERENCES scan_file(id),
            file_name TEXT NOT NULL,
            folder    TEXT NOT NULL,
            outcome   TEXT NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'rejected')),
            code      TEXT NOT NULL DEFAULT '',
            message   TEXT NOT NULL DEFAULT '',
            sha256    TEXT,
            at        TEXT NOT NULL
        );
        CREATE INDEX scan_arrival_at ON scan_arrival (at);
        """
    )


@migrations(name="calendar_0001_holidays")
def m_calendar_0001_holidays(db: Database) -> None:
    """The editable holiday table, seeded with the defaults of node.domain.holidays_vn."""
    db.executescript(
        """
        CREATE TABLE holiday (
            day  TEXT PRIMARY KEY CHECK (length(day) = 10),
            kind TEXT NOT NULL CHECK (kind IN ('holiday', 'makeup')),
            name TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        """
    )
    db.conn.executemany("INSERT INTO holiday (day, kind, name, note) VALUES (?, ?, ?, ?)",
                        DEFAULT_HOLIDAY_ROWS)


@migrations(name="documents_0001_tables")
def documents_0001_tables(db: Database) -> None:
    """Văn bản đến / đi, deliveries, assignees, notifications, hồ sơ, meetings, signature reports.

    Each document row holds the whole domain record as JSON (``data``, node/store/codec.py) plus
    the columns lists, filters, reports and search need; the store rewrites both in the same
    transaction, so the columns are always the record's. ``version`` counts saves.
    """
    db.executescript(
        """
        CREATE TABLE doc_in (
            id             INTEGER PRIMARY KEY,
            ref            TEXT NOT NULL UNIQUE,
            state          TEXT NOT NULL,
            subject        TEXT NOT NULL DEFAULT '',
            type_name      TEXT NOT NULL DEFAULT '',
            code           TEXT NOT NULL DEFAULT '',
            issuer_code    TEXT NOT NULL DEFAULT '',
            issuer_name    TEXT NOT NULL DEFAULT '',
            issued_date    TEXT,
            document_id    TEXT NOT NULL DEFAULT '',
            sender_code    TEXT NOT NULL DEFAULT '',
            channel        TEXT NOT NULL CHECK (channel IN ('axis', 'paper')),
            priority       INTEGER NOT NULL DEFAULT 0,
            secrecy        INTEGER NOT NULL DEFAULT 0,
            received_at    TEXT NOT NULL,
            register_code  TEXT NOT NULL DEFAULT '',
            arrival_year   INTEGER,
            arrival_number INTEGER,
            arrival_date   TEXT,
            due_date       TEXT,
            done_at        TEXT,
            recall_pending INTEGER NOT NULL DEFAULT 0,
            integrity_ok   INTEGER,
            inbox_id       INTEGER REFERENCES axis_inbox(id),
            scan_id        INTEGER,
            data           TEXT NOT NULL,
            version        INTEGER NOT NULL DEFAULT 1,
            updated_at     TEXT NOT NULL
        );
        CREATE INDEX doc_in_received ON doc_in (received_at DESC);
        CREATE INDEX doc_in_state ON doc_in (state, received_at DESC);
        CREATE INDEX doc_in_due ON doc_in (due_date) WHERE due_date IS NOT NULL;
        CREATE INDEX doc_in_document_id ON doc_in (document_id, sender_code);
        CREATE INDEX doc_in_register ON doc_in (register_code, arrival_year, arrival_number);
        CREATE INDEX doc_in_issued ON doc_in (issued_date);

        CREATE TABLE doc_out (
            id             INTEGER PRIMARY KEY,
            ref            TEXT NOT NULL UNIQUE,
            state          TEXT NOT NULL,
            subject        TEXT NOT NULL DEFAULT '',
            type_name      TEXT NOT NULL DEFAULT '',
            code           TEXT NOT NULL DEFAULT '',
            issued_date    TEXT,
            document_id    TEXT NOT NULL DEFAULT '',
            author         TEXT NOT NULL,
            category       TEXT NOT NULL,
            priority       INTEGER NOT NULL DEFAULT 0,
            secrecy        INTEGER NOT NULL DEFAULT 0,
            created_at     TEXT NOT NULL,
            register_code  TEXT NOT NULL DEFAULT '',
            number_year    INTEGER,
            code_number    TEXT NOT NULL DEFAULT '',
            published_at   TEXT,
            due_date       TEXT,
            data           TEXT NOT NULL,
            version        INTEGER NOT NULL DEFAULT 1,
            updated_at     TEXT NOT NULL
        );
        CREATE INDEX doc_out_created ON doc_out (created_at DESC);
        CREATE INDEX doc_out_state ON doc_out (state, created_at DESC);
        CREATE INDEX doc_out_document_id ON doc_out (document_id);
        CREATE INDEX doc_out_register ON doc_out (register_code, number_year);
        CREATE INDEX doc_out_published ON doc_out (published_at);

        CREATE TABLE doc_delivery (
            doc_id       INTEGER NOT NULL REFERENCES doc_out(id) ON DELETE CASCADE,
            organ_id     TEXT NOT NULL,
            organ_name   TEXT NOT NULL DEFAULT '',
            channel      TEXT NOT NULL,
            state        TEXT NOT NULL,
            description  TEXT NOT NULL DEFAULT '',
            recall_reply TEXT,
            updated_at   TEXT NOT NULL,
            PRIMARY KEY (doc_id, organ_id)
        );
        CREATE INDEX doc_delivery_state ON doc_delivery (state);

        CREATE TABLE doc_assignee (
            doc_id    INTEGER NOT NULL REFERENCES doc_in(id) ON DELETE CASCADE,
            kind      TEXT NOT NULL CHECK (kind IN ('unit', 'user')),
            ref       TEXT NOT NULL,
            name      TEXT NOT NULL DEFAULT '',
            lead      INTEGER NOT NULL CHECK (lead IN (0, 1)),
            due_date  TEXT,
            PRIMARY KEY (doc_id, kind, ref)
        );
        CREATE INDEX doc_assignee_ref ON doc_assignee (kind, ref);

        CREATE TABLE notification (
            id           INTEGER PRIMARY KEY,
            target       TEXT NOT NULL,
            message      TEXT NOT NULL,
            document_ref TEXT NOT NULL DEFAULT '',
            created_at   TEXT NOT NULL,
            read_at      TEXT
        );
        CREATE INDEX notification_target ON notification (target, read_at, id DESC);

        CREATE TABLE dossier (
            file_code  TEXT PRIMARY KEY,
            title      TEXT NOT NULL,
            year       INTEGER NOT NULL,
            state      TEXT NOT NULL,
            data       TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE dossier_member (
            file_code TEXT NOT NULL REFERENCES dossier(file_code) ON DELETE CASCADE,
            doc_ref   TEXT NOT NULL,
            PRIMARY KEY (file_code, doc_ref)
        );
        CREATE INDEX dossier_member_doc ON dossier_member (doc_ref);

        CREATE TABLE meeting (
            document_ref TEXT PRIMARY KEY,
            start_at     TEXT NOT NULL,
            status       TEXT NOT NULL,
            data         TEXT NOT NULL
        );
        CREATE INDEX meeting_start ON meeting (start_at);

        CREATE TABLE signature_report (
            blob_sha256 TEXT PRIMARY KEY,
            ok          INTEGER NOT NULL,
            report      TEXT NOT NULL,
            checked_at  TEXT NOT NULL
        );

        CREATE TABLE doc_type_rule (
            type_name         TEXT PRIMARY KEY,
            category          TEXT NOT NULL,
            needs_attachment  INTEGER NOT NULL DEFAULT 0,
            needs_legal_basis INTEGER NOT NULL DEFAULT 0
        );

        -- A recalled document's content is destroyed (NĐ 30 Điều 18.4.b): its files are deleted and
        -- their rows kept with the time, so verify and backups skip them and the record stays.
        ALTER TABLE blob ADD COLUMN destroyed_at TEXT;

        -- Updates, revocations and replacements carry the DocumentId of the document they concern:
        -- they are told apart from it (and from each other) by their business key.
        ALTER TABLE axis_inbox ADD COLUMN business_key TEXT NOT NULL DEFAULT '';
        DROP INDEX axis_inbox_edoc;
        CREATE UNIQUE INDEX axis_inbox_edoc ON axis_inbox (sender_code, document_id, business_key)
            WHERE kind = 'edoc';
        ALTER TABLE axis_inbox ADD COLUMN intake_state TEXT NOT NULL DEFAULT 'pending';
        ALTER TABLE axis_inbox ADD COLUMN intake_error TEXT;
        ALTER TABLE axis_inbox ADD COLUMN doc_ref TEXT;
        CREATE INDEX axis_inbox_intake ON axis_inbox (intake_state, id) WHERE intake_state = 'pending';
        """
    )
    db.conn.executemany("INSERT INTO doc_type_rule (type_name, category, needs_legal_basis, needs_attachment)"
                        " VALUES (?, ?, ?, ?)",
                        [(name, cat.value, int(basis), int(attach))
                         for name, cat, basis, attach in DEFAULT_TYPE_ROWS])


@migrations(name="lists_0001_indexes")
def lists_0001_indexes(db: Database) -> None:
    """Indexes of the list pages and the dashboard (node/store/lists.py): distinct issuers and
    issuer filter, type filter, open documents by deadline, pending recall requests."""
    db.executescript(
        """
        CREATE INDEX doc_in_issuer ON doc_in (issuer_name, received_at);
        CREATE INDEX doc_in_type ON doc_in (type_name, received_at);
        CREATE INDEX doc_in_open_due ON doc_in (due_date)
            WHERE state IN ('received', 'accepted', 'presented', 'assigned', 'processing');
        CREATE INDEX doc_in_recall_pending ON doc_in (received_at) WHERE recall_pending = 1;
        """
    )


@migrations(name="search_0002_prefix")
def search_0002_prefix(db: Database) -> None:
    """The full-text index again, with prefix indexes of 1, 2 and 3 letters: the word being typed
    ("quy hoach su d") reads one prefix list instead of merging every word it starts, and results
    come newest first without visiting every match (node/store/search.py). Rebuilt from search_doc;
    the triggers of search_0001_index keep feeding it."""
    db.executescript(
        """
        DROP TABLE search_fts;
        CREATE VIRTUAL TABLE search_fts USING fts5(
            title_fold, body_fold,
            content = 'search_doc', content_rowid = 'id',
            tokenize = 'unicode61 remove_diacritics 2',
            prefix = '1 2 3'
        );
        INSERT INTO search_fts (search_fts) VALUES ('rebuild');
        """
    )


@migrations(name="documents_0002_issuer_index")
def documents_0002_issuer_index(db: Database) -> None:
    """Văn bản đến by issuer and code: the duplicate (số, ký hiệu, cơ quan) warning looks them up."""
    db.executescript("CREATE INDEX doc_in_issuer_code ON doc_in (issuer_code, code);")


@migrations(name="scanner_0002_queue")
def scanner_0002_queue(db: Database) -> None:
    """The số hóa queue: scans still 'new' (registering one as a văn bản đến marks it 'confirmed' in
    the same transaction), and the văn bản đến each scan became."""
    db.executescript(
        """
        CREATE INDEX scan_queue ON scan (id) WHERE state = 'new';
        CREATE INDEX doc_in_scan ON doc_in (scan_id) WHERE scan_id IS NOT NULL;
        """
    )


@migrations(name="audit_0001_subject_index")
def audit_0001_subject_index(db: Database) -> None:
    """A document's history timeline (its audit rows, ``subject`` = its ref) without reading the
    whole chain: one index range per detail page however long the audit log grows."""
    db.executescript("CREATE INDEX audit_subject ON audit (subject, id);")


@migrations(name="documents_0003_secret_index")
def documents_0003_secret_index(db: Database) -> None:
    """The few secret documents, found without walking the rest (who may open a file, a scan)."""
    db.executescript(
        """
        CREATE INDEX doc_in_secret ON doc_in (id) WHERE secrecy > 0;
        CREATE INDEX doc_out_secret ON doc_out (id) WHERE secrecy > 0;
        """
    )


@migrations(name="dossier_0001_opened_by")
def dossier_0001_opened_by(db: Database) -> None:
    """Who opened each hồ sơ (``opened_by``, the person who may close it besides văn thư and lãnh
    đạo), for the hồ sơ saved before the record kept it: the actor of its ``dossier.open`` audit
    row. A hồ sơ with no such row keeps "" (closed by văn thư or lãnh đạo only)."""
    db.execute(
        "UPDATE dossier SET data = json_set(data, '$.opened_by', (SELECT a.actor FROM audit a"
        " WHERE a.subject = 'dossier:' || dossier.file_code AND a.action = 'dossier.open'"
        " ORDER BY a.id LIMIT 1))"
        " WHERE json_extract(data, '$.opened_by') IS NULL AND EXISTS (SELECT 1 FROM audit a"
        " WHERE a.subject = 'dossier:' || dossier.file_code AND a.action = 'dossier.open')")


@migrations(name="notifications_0001_read_by_user")
def notifications_0001_read_by_user(db: Database) -> None:
    """"Read" per person: a notification to a role or a unit reaches several people, and one of them
    reading it must not clear it for the others. A row here: ``username`` has read it.

    The old ``notification.read_at`` is no longer written. The personal ones it marked read are
    copied here; a role / unit notification it marked read stays read for everyone (who read it was
    never recorded; before this migration one reader cleared it for all, and showing old ones again
    to everybody would only be noise)."""
    db.executescript(
        """
        CREATE TABLE notification_read (
            notification_id INTEGER NOT NULL REFERENCES notification(id) ON DELETE CASCADE,
            username        TEXT NOT NULL COLLATE NOCASE,
            read_at         TEXT NOT NULL,
            PRIMARY KEY (notification_id, username)
        ) WITHOUT ROWID;
        INSERT INTO notification_read (notification_id, username, read_at)
            SELECT id, substr(target, 6), read_at FROM notification
            WHERE target LIKE 'user:%' AND read_at IS NOT NULL;
        """
    )


@migrations(name="scanner_0003_discard")
def scanner_0003_discard(db: Database) -> None:
    """Scans the văn thư took out of the số hóa queue (wrong page, blank page, duplicate): who, when
    and why, and who put one back. The scan row, its files and its text stay (``scan.state`` says
    'discarded'): a discarded scan is evidence of what arrived on paper, never erased. At most one
    open discard per scan."""
    db.executescript(
        """
        CREATE TABLE scan_discard (
            id           INTEGER PRIMARY KEY,
            scan_id      INTEGER NOT NULL REFERENCES scan(id),
            reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            discarded_by TEXT NOT NULL,
            discarded_at TEXT NOT NULL,
            restored_by  TEXT,
            restored_at  TEXT
        );
        CREATE UNIQUE INDEX scan_discard_open ON scan_discard (scan_id) WHERE restored_at IS NULL;
        CREATE INDEX scan_discarded ON scan (id) WHERE state = 'discarded';
        """
    )


@migrations(name="lists_0002_done_index")
def lists_0002_done_index(db: Database) -> None:
    """Văn bản đến by the day completed: the exchange report's "hoàn thành đúng hạn / quá hạn" and
    the list its figures link to (newest done first) walk this instead of every document."""
    db.executescript("CREATE INDEX doc_in_done ON doc_in (done_at) WHERE done_at IS NOT NULL;")


@migrations(name="search_0003_vocab")
def search_0003_vocab(db: Database) -> None:
    """The words of the full-text index, one row per occurrence (fts5vocab 'instance': a seek, no
    counting). node/store/search.py asks it whether a word being typed beyond the 3-letter prefix
    indexes ("ngan sach") starts any longer word: if not, the whole word is matched (what the prefix
    would find), and if a few, those words — instead of FTS5 merging every list the prefix starts
    (~35 ms for "sach*" at 1,000,000 documents). Nothing is stored."""
    db.executescript("CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'instance');")


@migrations(name="reports_0001_report_job")
def reports_0001_report_job(db: Database) -> None:
    """Register books too long to print within a web request, made in the background
    (node/reports/jobs.py): what was asked, by whom, how far it got and the file it made (under the
    data dir, kept a limited time). 'running' rows left by a stopped node are restarted or failed
    with a reason at the next start, never left waiting."""
    db.executescript(
        """
        CREATE TABLE report_job (
            id           INTEGER PRIMARY KEY,
            report       TEXT NOT NULL,
            fmt          TEXT NOT NULL,
            params       TEXT NOT NULL,
            title        TEXT NOT NULL,
            filename     TEXT NOT NULL,
            rows         INTEGER NOT NULL,
            rows_done    INTEGER NOT NULL DEFAULT 0,
            state        TEXT NOT NULL
                         CHECK (state IN ('queued', 'running', 'ready', 'failed', 'expired')),
            attempts     INTEGER NOT NULL DEFAULT 0,
            requested_by TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            started_at   TEXT,
            finished_at  TEXT,
            pages        INTEGER,
            size         INTEGER,
            error        TEXT
        );
        CREATE INDEX report_job_open ON report_job (state, id) WHERE state IN ('queued', 'running', 'ready');
        """
    )


@migrations(name="search_0004_drop_vocab")
def search_0004_drop_vocab(db: Database) -> None:
    """search_0003_vocab's table goes: the backups count the rows of every table, and counting an
    fts5vocab 'instance' table reads every word of every document (29 s at 1,000,000 documents).
    node/store/search.py makes the same vocabulary in each reader's temp schema instead."""
    db.executescript("DROP TABLE IF EXISTS search_vocab;")
