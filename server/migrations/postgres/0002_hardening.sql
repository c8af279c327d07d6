-- Ichie server schema v2 (PostgreSQL): revocations per user, API key expiry and revocation.

-- The latest revocation of each user, whether it revoked a token or only
-- cancelled a pending issuance: the re-issue cooldown starts from it.
CREATE TABLE user_revocations (
    service_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    revoked_ms BIGINT NOT NULL,
    PRIMARY KEY (service_id, user_id)
);
INSERT INTO user_revocations (service_id, user_id, revoked_ms)
    SELECT service_id, user_id, MAX(revoked_ms) FROM tokens
    WHERE state = 'revoked' AND revoked_ms IS NOT NULL
    GROUP BY service_id, user_id;

-- API keys: an optional expiry, a revocation time, the last use (coarse).
ALTER TABLE api_keys ADD COLUMN expires_ms BIGINT;
ALTER TABLE api_keys ADD COLUMN revoked_ms BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_ms BIGINT;
