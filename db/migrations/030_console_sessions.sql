-- Console sessions: a short-lived token the web console gets for a pasted API key, so the browser keeps the
-- token and never the key. Stored as a SHA-256 hash like the keys. A session acts as its key: the key's
-- scopes are read on every request, and a revoked or expired key ends its sessions (ON DELETE too).
CREATE TABLE console_sessions (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  api_key_id  uuid NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
-- Expired rows (a revoked session expires when it is revoked) are deleted as sessions are created (db/sessions.ts).
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
