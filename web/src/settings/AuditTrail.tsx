import { useState, type FormEvent } from 'react';
import { ErrorNote, Field, Loading, Empty, THead, fieldError, when, LoadMore } from '../components/ui';
import { useKeyScopes } from '../session';
import { useApiKeys, useAuditTrail, type AuditEvent, type AuditFilters } from './queries';

type Draft = Required<{ [K in keyof AuditFilters]: string }>;
const NO_FILTERS: Draft = { action: '', resourceSid: '', since: '', until: '' };

/** Only the filters given: an empty field filters nothing. */
const applied = (d: Draft): AuditFilters =>
  Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v)) as AuditFilters;

export function AuditTrail() {
  const [draft, setDraft] = useState<Draft>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>({});
  const trail = useAuditTrail(filters);
  const rows = trail.data?.pages.flatMap((p) => p.data) ?? [];
  const set = (k: keyof Draft) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(applied(draft));
  };
  const clear = () => {
    setDraft(NO_FILTERS);
    setFilters({});
  };
  const filtered = Object.keys(filters).length > 0;
  const err = trail.error;
  return (
    <section className="card stack" aria-labelledby="audit-heading">
      <h3 id="audit-heading">Audit trail</h3>
      <p className="hint">Every Twilio write made for you and every change to your setup, with the key that made it; newest first.</p>
      <form onSubmit={apply} noValidate aria-label="Audit filters" className="stack">
        <div className="grid">
          <Field label="Action" name="action" value={draft.action} onChange={set('action')} placeholder="api_keys.create" hint="Exact, e.g. api_keys.create or POST IncomingPhoneNumbers." error={fieldError(err, 'action')} />
          <Field label="Resource SID" name="resourceSid" value={draft.resourceSid} onChange={set('resourceSid')} placeholder="PN…" error={fieldError(err, 'resourceSid')} />
          <Field label="Since" name="since" value={draft.since} onChange={set('since')} placeholder="2026-12-01T00:00:00Z" hint="ISO 8601 with a time zone; inclusive." error={fieldError(err, 'since')} />
          <Field label="Until" name="until" value={draft.until} onChange={set('until')} placeholder="2026-12-31T00:00:00Z" hint="ISO 8601 with a time zone; exclusive." error={fieldError(err, 'until')} />
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button type="button" onClick={clear} disabled={!filtered}>
            Clear filters
          </button>
        </div>
      </form>
      <AuditTable loading={trail.isLoading} error={err} rows={rows} filtered={filtered} />
      <LoadMore pages={trail} />
    </section>
  );
}

function AuditTable({ loading, error, rows, filtered }: { loading: boolean; error: unknown; rows: AuditEvent[]; filtered: boolean }) {
  const { can } = useKeyScopes();
  // Keys by id, to name the actor by its prefix (the list is the admin's to read; others see the id).
  const keys = useApiKeys(can('admin')).data?.data ?? [];
  const actor = (id: string | null) => {
    if (!id) return '—';
    const key = keys.find((k) => k.id === id);
    return key ? `${key.prefix}…${key.name ? ` ${key.name}` : ''}` : id;
  };
  if (loading) return <Loading label="Loading the audit trail…" />;
  if (error) return <ErrorNote error={error} title="Could not read the audit trail" />;
  if (rows.length === 0) return <Empty>{filtered ? 'Nothing matches these filters.' : 'Nothing recorded yet: purchases, Twilio changes and changes to keys, webhooks and budgets show here.'}</Empty>;
  return (
    <table aria-label="Audit trail">
      <THead cols={['At', 'Action', 'Actor key', 'Resource', 'Details']} />
      <tbody>
        {rows.map((e) => (
          <tr key={e.id}>
            <td>{when(e.at)}</td>
            <td>
              <code className="nowrap">{e.action}</code>
            </td>
            <td className="wrap">{actor(e.actorKeyId)}</td>
            <td className="wrap">{e.resourceSid ?? e.jobId ?? e.registrationId ?? e.trunkId ?? '—'}</td>
            <td className="wrap audit-details">
              {e.summary.method} {e.summary.path} → {e.httpStatus}
              {Object.keys(e.summary.params).length ? <code className="audit-params"> {JSON.stringify(e.summary.params)}</code> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
