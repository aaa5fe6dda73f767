import { useEffect, useState, type FormEvent } from 'react';
import { useJob } from '@twilio-pro/react';
import { Checkbox, ErrorNote, Field, fieldError, THead } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { useKeyScopes } from '../session';
import { JobPanel } from '../numbers/JobPanel';
import { lookupFields, useBulkLookup, useLookup, useRefreshHealth, type LookupField, type LookupResult } from './queries';

const packageLabel: Record<LookupField, string> = {
  line_type_intelligence: 'Line type intelligence',
  sms_pumping_risk: 'SMS pumping risk',
  caller_name: 'Caller name',
  reassigned_number: 'Reassigned number',
};

/** Lookup v2: one number now (validation is free, packages are billed), or all your numbers as a job. */
export function Lookups() {
  return (
    <section className="card" aria-labelledby="lookups-heading">
      <h3 id="lookups-heading">Lookups</h3>
      <div className="health-pair">
        <OneLookup />
        <Scoped scope="spend" what="A bulk lookup">
          <BulkLookup />
        </Scoped>
      </div>
    </section>
  );
}

/** The data packages to ask for; each is billed unless cached, so offered only to a key that may spend. */
function PackagePicker({ legend, chosen, onChange }: { legend: string; chosen: LookupField[]; onChange: (f: LookupField[]) => void }) {
  // reassigned_number needs a last-verified date; the console keeps to the packages that need nothing more.
  const offered = lookupFields.filter((f) => f !== 'reassigned_number');
  return (
    <Scoped scope="spend" what="Asking for data packages (billed)">
      <fieldset>
        <legend>{legend}</legend>
        {offered.map((f) => (
          <Checkbox key={f} label={packageLabel[f]} checked={chosen.includes(f)} onChange={(on) => onChange(on ? [...chosen, f] : chosen.filter((c) => c !== f))} />
        ))}
      </fieldset>
    </Scoped>
  );
}

function OneLookup() {
  const [phoneNumber, setPhoneNumber] = useState('');
  const [fields, setFields] = useState<LookupField[]>([]);
  const lookup = useLookup();
  const { can } = useKeyScopes();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    lookup.mutate({ phoneNumber: phoneNumber.trim(), fields: can('spend') ? fields : [] });
  };
  const numberError = fieldError(lookup.error, 'phoneNumber');
  return (
    <div className="stack">
      <h4>Look up a number</h4>
      <form onSubmit={submit} noValidate className="stack" aria-label="Look up a number">
        <Field label="Phone number" name="phoneNumber" value={phoneNumber} onChange={setPhoneNumber} placeholder="+14155550100" hint="E.164; validation alone is free" error={numberError} required />
        <PackagePicker legend="Data packages" chosen={fields} onChange={setFields} />
        <div className="actions">
          <button type="submit" className="primary" disabled={lookup.isPending}>
            Look up
          </button>
        </div>
      </form>
      {lookup.error && !numberError ? <ErrorNote error={lookup.error} title="Lookup failed" /> : null}
      {lookup.data ? <LookupCard result={lookup.data} /> : null}
    </div>
  );
}

/** Scalar answers of a package as "key: value" pairs (nested objects are left to the API). */
const summarise = (data: Record<string, unknown> | null) =>
  data
    ? Object.entries(data)
        .filter(([, v]) => v !== null && typeof v !== 'object')
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join(', ') || '—'
    : 'no data for this number';

function LookupCard({ result }: { result: LookupResult }) {
  const packages = Object.entries(result.packages);
  return (
    <section className="note note-good" aria-labelledby="lookup-result-heading">
      <h4 id="lookup-result-heading">Lookup of {result.phoneNumber}</h4>
      <dl className="facts">
        <dt>Valid</dt>
        <dd>{result.valid ? 'yes' : `no${result.validationErrors.length ? ` (${result.validationErrors.join(', ')})` : ''}`}</dd>
        <dt>National format</dt>
        <dd>{result.nationalFormat ?? '—'}</dd>
        <dt>Country</dt>
        <dd>{result.countryCode ?? '—'}</dd>
        <dt>Cost</dt>
        <dd>${result.costUsd.toFixed(4)}</dd>
      </dl>
      {packages.length ? (
        <table>
          <caption>Packages</caption>
          <THead cols={['Package', 'Answer', 'Fetched', 'From cache']} />
          <tbody>
            {packages.map(([name, p]) => (
              <tr key={name}>
                <td>{packageLabel[name as LookupField] ?? name}</td>
                <td className="wrap">{summarise(p.data)}</td>
                <td>{new Date(p.fetchedAt).toLocaleString()}</td>
                <td>{p.fromCache ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** Each pasted line or comma-separated entry, trimmed. */
const parseNumbers = (text: string) => text.split(/[\s,]+/).map((n) => n.trim()).filter(Boolean);

function BulkLookup() {
  const [owned, setOwned] = useState(true);
  const [pasted, setPasted] = useState('');
  const [fields, setFields] = useState<LookupField[]>(['line_type_intelligence', 'sms_pumping_risk']);
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useBulkLookup();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate(owned ? { ownedNumbers: true, fields } : { phoneNumbers: parseNumbers(pasted), fields }, { onSuccess: (job) => setJobId(job.id) });
  };
  const numbersError = fieldError(start.error, 'phoneNumbers');
  return (
    <div className="stack">
      <h4>Bulk lookup</h4>
      <form onSubmit={submit} noValidate className="stack" aria-label="Bulk lookup">
        <Checkbox label="All my live numbers" checked={owned} onChange={setOwned} />
        {owned ? null : (
          <Field label="Numbers to look up" name="phoneNumbers" multiline value={pasted} onChange={setPasted} hint="E.164, one per line or comma-separated" error={numbersError} required />
        )}
        <PackagePicker legend="Bulk data packages" chosen={fields} onChange={setFields} />
        <div className="actions">
          <button type="submit" className="primary" disabled={start.isPending}>
            Start bulk lookup
          </button>
        </div>
      </form>
      {start.error && !numbersError ? <ErrorNote error={start.error} title="Could not start the bulk lookup" /> : null}
      {jobId ? <BulkLookupJob key={jobId} jobId={jobId} onClose={() => setJobId(null)} /> : null}
    </div>
  );
}

/** The job's panel; when it ends, the scores are read again (line type and SMS pumping risk count in them). */
function BulkLookupJob({ jobId, onClose }: { jobId: string; onClose: () => void }) {
  const { isFinished } = useJob(jobId, { intervalMs: 700 });
  const refresh = useRefreshHealth();
  useEffect(() => {
    if (isFinished) void refresh();
  }, [isFinished]); // once, when it ends (refresh is a new function each render)
  return <JobPanel jobId={jobId} onClose={onClose} />;
}
