-- Least-privilege API keys: read < write < spend < admin, each implying the ones before it and stored in
-- full (a spend key holds {read,write,spend}), and an optional expiry.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;

-- Existing keys keep exactly what they could do: a key without scopes had every non-admin power.
UPDATE api_keys SET scopes = '{read,write,spend}' WHERE scopes = '{}';
UPDATE api_keys SET scopes = '{read,write,spend,admin}' WHERE 'admin' = ANY(scopes);
ALTER TABLE api_keys ALTER COLUMN scopes SET DEFAULT '{read}';
-- A key that can do nothing, or holds a scope this version doesn't know, is a mistake: refuse it.
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_known
  CHECK (cardinality(scopes) > 0 AND scopes <@ '{read,write,spend,admin}'::text[]);

-- Control-plane changes (keys, webhook endpoints, the budget, the hygiene policy) join the audit trail,
-- with the key that made them. Twilio writes made by the worker have none.
ALTER TABLE audit_events ADD COLUMN actor_key_id uuid REFERENCES api_keys(id) ON DELETE SET NULL;
