import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { RegistrationCorrections } from '@twilio-pro/client';
import { queryKeys, useRegistration, useRegistrations, useTwilioProClient } from '@twilio-pro/react';
import { Checkbox, Empty, ErrorNote, Field, Loading, Status, when, THead, ListStates, FormSubmit } from '../components/ui';
import { temporalLink, useConsoleConfig } from '../console-config';
import { Scoped } from '../components/Scoped';
import { ListCard, OpenCell } from '../components/ListCard';
import { ConfirmButton } from '../components/ConfirmButton';
import { A2PRegistrationWizard } from './A2PRegistrationWizard';
import { labelFor } from './fields';
import { CustomerActionCard } from './CustomerActionCard';

export function A2PTab({ open, go }: { open: string | null; go: (path: string | null) => void }) {
  if (open === 'register') return <A2PRegistrationWizard onOpenRegistration={go} />;
  if (open) return <RegistrationDetails id={open} onBack={() => go(null)} />;
  return <RegistrationList onOpen={go} />;
}

function RegistrationList({ onOpen }: { onOpen: (path: string) => void }) {
  const list = useRegistrations({ limit: 50 });
  const rows = list.data?.data ?? [];
  return (
    <ListCard headingId="regs-heading" level="h2" heading="A2P 10DLC registrations" add={{ label: 'Register a business', scope: 'spend', what: 'Registering a business (it is billed)', onClick: () => onOpen('register') }}>
      <ListStates
        loading={list.isLoading}
        loadingLabel="Loading registrations…"
        error={list.error}
        errorTitle="Could not list registrations"
        empty={rows.length === 0}
        emptyText="No registrations yet. “Register a business” walks you through one."
      >
        <table>
          <caption className="visually-hidden">Registrations</caption>
          <THead cols={['Started', 'Status', 'Step', 'Brand', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{when(r.createdAt)}</td>
                <td>
                  <Status value={r.status} />
                </td>
                <td>{r.step}</td>
                <td>{r.sids.brand ?? '—'}</td>
                <OpenCell what={`registration started ${when(r.createdAt)}`} onOpen={() => onOpen(r.id)} />
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </ListCard>
  );
}

function RegistrationDetails({ id, onBack }: { id: string; onBack: () => void }) {
  const client = useTwilioProClient();
  const config = useConsoleConfig();
  const { registration, timeline, actionRequired, isLoading, error, cancel, cancelError } = useRegistration(id, {
    intervalMs: 1500,
  });
  const costs = useQuery({ queryKey: queryKeys.costs(), queryFn: ({ signal }) => client.costs.get({}, { signal }) });
  const [correctionsSent, setCorrectionsSent] = useState(false);
  if (isLoading) return <Loading label="Loading the registration…" />;
  if (error || !registration) return <ErrorNote error={error} title="Could not read the registration" />;
  const link = temporalLink(config.data, registration.workflowId);
  const a2pCosts = costs.data?.lines.filter((l) => /brand|vetting|campaign/.test(l.item)) ?? [];
  const finished = ['completed', 'failed', 'cancelled'].includes(registration.status);
  return (
    <div className="stack">
      <button type="button" onClick={onBack} className="link">
        ← All registrations
      </button>
      <section className="card" aria-labelledby="reg-heading">
        <h2 id="reg-heading">
          Registration <Status value={registration.status} />
        </h2>
        <dl className="facts">
          <dt>Current step</dt>
          <dd>{registration.step}</dd>
          {Object.entries(registration.sids).map(([k, sid]) => (
            <div key={k} className="fact">
              <dt>{k}</dt>
              <dd>{sid}</dd>
            </div>
          ))}
          <dt>Started</dt>
          <dd>{when(registration.createdAt)}</dd>
          <dt>Finished</dt>
          <dd>{when(registration.finishedAt)}</dd>
        </dl>
        {link ? (
          <p>
            <a href={link} target="_blank" rel="noreferrer">
              Open the workflow in Temporal
            </a>
          </p>
        ) : null}
      </section>
      <CustomerActionCard id={id} />
      {actionRequired ? (
        <Scoped scope="spend" what="Sending corrections (a resubmission may be billed)">
          <Corrections id={id} action={actionRequired} onSent={() => setCorrectionsSent(true)} />
        </Scoped>
      ) : null}
      {correctionsSent && !actionRequired ? (
        <p role="status" className="note note-good">
          Corrections sent: the registration resubmitted{registration.status === 'completed' ? ' and completed' : ' and is moving again'}.
        </p>
      ) : null}
      <section className="card" aria-labelledby="timeline-heading">
        <h3 id="timeline-heading">Timeline</h3>
        {timeline.length === 0 ? (
          <Empty>Nothing has happened yet.</Empty>
        ) : (
          <ol className="timeline">
            {timeline.map((e, i) => (
              <li key={i}>
                <time dateTime={e.at}>{when(e.at)}</time> <span className="muted">[{e.type.replace(/_/g, ' ')}]</span> {e.message}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section className="card" aria-labelledby="costs-heading">
        <h3 id="costs-heading">A2P costs this month</h3>
        {a2pCosts.length === 0 ? (
          <Empty>No A2P fees charged this month.</Empty>
        ) : (
          <ul>
            {a2pCosts.map((l) => (
              <li key={l.item}>
                {l.item.replace(/_/g, ' ')}: {l.count} charge{l.count === 1 ? '' : 's'}, ${l.amountUsd.toFixed(2)}
              </li>
            ))}
          </ul>
        )}
      </section>
      {!finished ? (
        <Scoped scope="write" what="Cancelling a registration" quiet>
          <div className="actions">
            <ConfirmButton label="Cancel registration" confirmLabel="Confirm cancel" onConfirm={() => void cancel().catch(() => {})} />
          </div>
        </Scoped>
      ) : null}
      <ErrorNote error={cancelError} title="Could not cancel" />
    </div>
  );
}

/** action_required: the reviewers' reasons, and a form for exactly the fields they named. */
function Corrections({ id, action, onSent }: { id: string; action: { step: string; reasons: { code: number | null; message: string; fields: string[] }[]; hint: string }; onSent: () => void }) {
  const { correct, correctError, isCorrecting } = useRegistration(id);
  const fields = [...new Set(action.reasons.flatMap((r) => r.fields))].filter((f) => f.startsWith('business.') || f.startsWith('campaign.'));
  const [values, setValues] = useState<Record<string, string>>({});
  const [approveFee, setApproveFee] = useState(false);
  const [sent, setSent] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: { business?: Record<string, unknown>; campaign?: Record<string, unknown>; approveCampaignResubmissionFee?: boolean } = {};
    for (const f of fields) {
      const v = values[f]?.trim();
      if (!v) continue;
      const [section, key] = f.split('.') as ['business' | 'campaign', string];
      (body[section] ??= {})[key] = key === 'regionsOfOperation' ? [v] : v;
    }
    if (action.step === 'campaign') body.approveCampaignResubmissionFee = approveFee;
    try {
      await correct(body as RegistrationCorrections);
      setSent(true);
      onSent();
    } catch {
      /* shown below */
    }
  };
  return (
    <section className="card" aria-labelledby="action-heading">
      <h3 id="action-heading">Action required at the {action.step} step</h3>
      <ul>
        {action.reasons.map((r, i) => (
          <li key={i}>
            {r.code ? <code>{r.code}</code> : null} {r.message}
            {r.fields.length ? <span className="muted"> ({r.fields.map(labelFor).join(', ')})</span> : null}
          </li>
        ))}
      </ul>
      <p>{action.hint}</p>
      {sent && !correctError ? (
        <p role="status" className="note note-good">
          Corrections sent: the registration resubmits.
        </p>
      ) : (
        <form onSubmit={submit} noValidate aria-label="Corrections" className="stack">
          {fields.map((f) => (
            <Field key={f} name={f} label={labelFor(f)} value={values[f] ?? ''} onChange={(v) => setValues((o) => ({ ...o, [f]: v }))} error={correctError?.fields.find((x) => x.field.endsWith(f.split('.')[1]!))?.message} />
          ))}
          {action.step === 'campaign' ? <Checkbox label="Approve the campaign resubmission fee" checked={approveFee} onChange={setApproveFee} /> : null}
          <FormSubmit label="Send corrections" disabled={isCorrecting} error={correctError} errorTitle="The corrections were not accepted" />
        </form>
      )}
    </section>
  );
}
