-- The registry: vaults, their tokens (stored only as SHA-256 hashes), single-use socket tickets, and the
-- devices that synced each vault. Times are milliseconds since the epoch.

CREATE TABLE vaults (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Stored note bytes as the vault's Durable Object last reported them (quota is enforced there).
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  usage_reported_at INTEGER
);

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  vault_id TEXT NOT NULL REFERENCES vaults (id),
  role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  label TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX tokens_by_vault ON tokens (vault_id);

-- A ticket opens one WebSocket: consumed atomically (used_at set once), useless after expires_at.
CREATE TABLE tickets (
  hash TEXT PRIMARY KEY,
  vault_id TEXT NOT NULL REFERENCES vaults (id),
  -- The credential it was minted from: a token id, or `ext:<subject>` for a verified foreign identity.
  credential_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  expires_at INTEGER NOT NULL,
  -- When the credential itself expires; the socket opened with the ticket closes then.
  credential_expires_at INTEGER,
  used_at INTEGER
);
CREATE INDEX tickets_by_expiry ON tickets (expires_at);

CREATE TABLE devices (
  vault_id TEXT NOT NULL REFERENCES vaults (id),
  device_id TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  role TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  connected INTEGER NOT NULL,
  -- The vault log position the device has received, and the head when that was reported.
  acked_seq INTEGER NOT NULL,
  head_seq INTEGER NOT NULL,
  PRIMARY KEY (vault_id, device_id)
);
