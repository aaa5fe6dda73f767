-- A bound tenant's Twilio credentials (issue #24 §1, §2), sealed like every other write-only secret (SecretBox
-- kind 'twilio-credential', resealed by `npm run secrets -- rotate`): a subaccount's auth token as Twilio gave it
-- when the service made the subaccount, or a `byo` tenant's auth token or API key secret. Never returned, logged
-- or passed to a workflow: activities read them here, by the tenant their input names.
ALTER TABLE tenant_twilio_bindings
  ADD COLUMN credential_kind      text CHECK (credential_kind IN ('auth_token', 'api_key')),
  -- The API key's SID (SK…) when credential_kind is api_key: the user name Twilio's Basic auth takes.
  ADD COLUMN api_key_sid          text CHECK (api_key_sid ~ '^SK[0-9a-f]{32}$'),
  ADD COLUMN credentials_box      text,
  -- The auth token these credentials replaced, for the same account: Twilio signs callbacks with the primary
  -- token, so during a rotation (secondary token, new credentials here, then promote) both must verify them.
  ADD COLUMN previous_credentials_box text,
  -- A `byo` account is not under the deployment's primary customer profile: its A2P registrations use its own.
  ADD COLUMN primary_profile_sid  text CHECK (primary_profile_sid ~ '^BU[0-9a-f]{32}$'),
  -- The operator's cap on concurrent requests to a `byo` account; null: TWILIO_MAX_CONCURRENCY.
  ADD COLUMN max_concurrency      integer CHECK (max_concurrency BETWEEN 1 AND 1000),
  ADD CONSTRAINT tenant_twilio_bindings_key_sid CHECK ((credential_kind = 'api_key') = (api_key_sid IS NOT NULL)),
  ADD CONSTRAINT tenant_twilio_bindings_credentials CHECK ((credential_kind IS NULL) = (credentials_box IS NULL));

-- A tenant's webhook endpoints hear when Twilio stopped taking its credentials: its work waits for new ones.
CREATE FUNCTION account_credentials_invalid_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  since text := to_char(NEW.status_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
BEGIN
  PERFORM enqueue_tenant_event(NEW.tenant_id, 'account.credentials_invalid',
    jsonb_build_object('accountSid', NEW.account_sid, 'reason', NEW.status_reason, 'since', since));
  RETURN NULL;
END $$;
CREATE TRIGGER account_credentials_invalid_event AFTER UPDATE OF status ON tenant_twilio_bindings FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status = 'credentials_invalid')
  EXECUTE FUNCTION account_credentials_invalid_event();
