-- Per-tenant quotas: what one tenant may hold of what every tenant shares (the Twilio account's 100 trunks,
-- its concurrency, its numbers). NULL: the service's defaults (TENANT_MAX_* settings).
ALTER TABLE tenants ADD COLUMN max_trunks integer CHECK (max_trunks >= 0);
ALTER TABLE tenants ADD COLUMN max_active_jobs integer CHECK (max_active_jobs >= 0);
ALTER TABLE tenants ADD COLUMN max_numbers integer CHECK (max_numbers >= 0);
CREATE INDEX jobs_tenant_active ON jobs (tenant_id) WHERE status IN ('queued', 'running', 'cancelling');
