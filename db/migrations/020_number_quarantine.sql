-- Quarantine: a number whose health falls below the tenant's threshold stays owned but is out of service
-- (hygiene_state 'quarantined') until a later health pass finds it back at or above the threshold.
ALTER TABLE phone_numbers ADD COLUMN hygiene_state text NOT NULL DEFAULT 'ok' CHECK (hygiene_state IN ('ok', 'quarantined'));
ALTER TABLE phone_numbers ADD COLUMN quarantined_at timestamptz;

-- Each tenant's hygiene policy; its health pass runs on a Temporal Schedule made from it.
CREATE TABLE hygiene_policies (
  tenant_id         uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  quarantine_below  integer NOT NULL CHECK (quarantine_below BETWEEN 0 AND 100),
  cron              text NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('bulk_buy', 'bulk_release', 'bulk_lookup', 'health_pass'));
-- What an item's run found (a health pass: the score and what was done), shown with the item.
ALTER TABLE job_items ADD COLUMN detail jsonb;

-- A number put in or out of quarantine is an event for the tenant's endpoints, in the same transaction.
CREATE FUNCTION number_hygiene_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_tenant_event(NEW.tenant_id, CASE WHEN NEW.hygiene_state = 'quarantined' THEN 'number.quarantined' ELSE 'number.restored' END,
    jsonb_build_object('phoneNumber', NEW.phone_number, 'hygieneState', NEW.hygiene_state));
  RETURN NULL;
END $$;
CREATE TRIGGER number_hygiene_event AFTER UPDATE OF hygiene_state ON phone_numbers FOR EACH ROW
  WHEN (OLD.hygiene_state IS DISTINCT FROM NEW.hygiene_state)
  EXECUTE FUNCTION number_hygiene_event();
