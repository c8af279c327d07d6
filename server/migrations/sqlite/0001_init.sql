-- Ichie server schema v2 (SQLite). Times are Unix milliseconds; flags are 0/1.
CREATE TABLE issuances (
    id                TEXT PRIMARY KEY,
    service_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    email             TEXT NOT NULL,
    sealed_prs        BLOB NOT NULL,
    algorithm         TEXT NOT NULL,
    digits            INTEGER NOT NULL,
    period            INTEGER NOT NULL,
    created_ms        INTEGER NOT NULL,
    expires_ms        INTEGER NOT NULL,
    failures          INTEGER NOT NULL DEFAULT 0,
    locked            INTEGER NOT NULL DEFAULT 0,
    state             TEXT NOT NULL DEFAULT 'pending',
    token_id          TEXT
);
CREATE UNIQUE INDEX issuances_one_pending ON issuances (service_id, user_id) WHERE state = 'pending';

CREATE TABLE activations (
    activation_id TEXT PRIMARY KEY,
    issuance_id   TEXT REFERENCES issuances (id),
    sealed_state  BLOB,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open',
    confirm_hash  BLOB,
    result_json   TEXT
);
CREATE INDEX activations_expiry ON activations (expires_ms);

-- Failed confirms of activations started for users with no pending issuance
-- (decoy challenges): counted like an issuance's failures, so that probing
-- answers look the same whether or not a user exists.
CREATE TABLE activation_probes (
    service_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    failures   INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (service_id, user_id)
);

CREATE TABLE tokens (
    token_id    TEXT PRIMARY KEY,
    issuance_id TEXT NOT NULL REFERENCES issuances (id),
    service_id  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    sealed_seed BLOB NOT NULL,
    algorithm   TEXT NOT NULL,
    digits      INTEGER NOT NULL,
    period      INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'active',
    last_step   INTEGER,
    drift_steps INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    locked      INTEGER NOT NULL DEFAULT 0,
    created_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER
);
CREATE UNIQUE INDEX tokens_one_active ON tokens (service_id, user_id) WHERE state = 'active';
CREATE INDEX tokens_user ON tokens (service_id, user_id);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    key_hash   BLOB NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms   INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
