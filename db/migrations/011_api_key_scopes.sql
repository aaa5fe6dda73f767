-- API keys a tenant manages itself: a name, scopes ('admin' may manage keys), and when each was last used.
ALTER TABLE api_keys ADD COLUMN name text;
ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{}';
ALTER TABLE api_keys ADD COLUMN last_used_at timestamptz;
-- Keys issued so far came from the operator (tenant creation, the CLI): they keep every power they had.
UPDATE api_keys SET scopes = '{admin}';
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
