-- The rest of the hygiene policy: a quarantined number rests at least rest_days before a pass may restore it;
-- the weekly rotation pass (its own Temporal Schedule, rotation_cron) buys a replacement in the same area code
-- for each quarantined number when rotate is on, and releases numbers quarantined release_after_days or longer.
ALTER TABLE hygiene_policies ADD COLUMN rest_days integer NOT NULL DEFAULT 0 CHECK (rest_days BETWEEN 0 AND 365);
ALTER TABLE hygiene_policies ADD COLUMN release_after_days integer CHECK (release_after_days BETWEEN 1 AND 3650);
ALTER TABLE hygiene_policies ADD COLUMN rotate boolean NOT NULL DEFAULT false;
ALTER TABLE hygiene_policies ADD COLUMN rotation_cron text NOT NULL DEFAULT '0 7 * * 1';

-- A rotated number points at the number that took over its service (it stays quarantined until released).
ALTER TABLE phone_numbers ADD COLUMN replaced_by text;

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('bulk_buy', 'bulk_release', 'bulk_lookup', 'health_pass', 'rotation_pass'));

CREATE FUNCTION number_rotated_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM enqueue_tenant_event(NEW.tenant_id, 'number.rotated', jsonb_build_object('phoneNumber', NEW.phone_number, 'replacedBy', NEW.replaced_by));
  RETURN NULL;
END $$;
CREATE TRIGGER number_rotated_event AFTER UPDATE OF replaced_by ON phone_numbers FOR EACH ROW
  WHEN (OLD.replaced_by IS NULL AND NEW.replaced_by IS NOT NULL)
  EXECUTE FUNCTION number_rotated_event();
