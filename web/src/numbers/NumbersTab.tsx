import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import type { AvailableNumber, PhoneNumber } from '@twilio-pro/client';
import { queryKeys, useTwilioAdvancedManagement, useTwilioProClient } from '@twilio-pro/react';
import { Checkbox, Empty, ErrorNote, Field, Status, fieldError, THead, ListStates, LoadMore } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { ConfirmButton } from '../components/ConfirmButton';
import { useKeyScopes } from '../session';
import { JobPanel } from './JobPanel';

export function NumbersTab() {
  const [jobId, setJobId] = useState<string | null>(null);
  return (
    <div className="stack">
      <SearchAndBuy />
      <Scoped scope="spend" what="A bulk buy">
        <BulkBuy onStarted={setJobId} />
      </Scoped>
      {jobId ? <JobPanel key={jobId} jobId={jobId} onClose={() => setJobId(null)} /> : null}
      <YourNumbers onBulkRelease={setJobId} />
    </div>
  );
}

function SearchAndBuy() {
  const mgmt = useTwilioAdvancedManagement();
  const [areaCode, setAreaCode] = useState('');
  const [contains, setContains] = useState('');
  const [sms, setSms] = useState(false);
  const [voice, setVoice] = useState(false);
  const [results, setResults] = useState<AvailableNumber[] | null>(null);
  const [searchError, setSearchError] = useState<unknown>(null);
  const [bought, setBought] = useState<string[]>([]);
  const [buyError, setBuyError] = useState<unknown>(null);
  const client = useTwilioProClient();
  const { can } = useKeyScopes();

  const search = async (e: FormEvent) => {
    e.preventDefault();
    setSearchError(null);
    try {
      const page = await client.numbers.search({
        ...(areaCode ? { areaCode } : {}),
        ...(contains ? { contains } : {}),
        ...(sms ? { smsEnabled: 'true' as const } : {}),
        ...(voice ? { voiceEnabled: 'true' as const } : {}),
        limit: 10,
      });
      setResults(page.data);
    } catch (err) {
      setResults(null);
      setSearchError(err);
    }
  };
  const buy = async (n: string) => {
    setBuyError(null);
    try {
      await mgmt.buyNumber(n);
      setBought((b) => [...b, n]);
    } catch (err) {
      setBuyError(err);
    }
  };

  return (
    <section className="card" aria-labelledby="search-heading">
      <h2 id="search-heading">Search and buy</h2>
      <form onSubmit={search} noValidate className="row">
        <Field label="Area code" name="areaCode" value={areaCode} onChange={setAreaCode} placeholder="415" error={fieldError(searchError, 'areaCode')} />
        <Field label="Contains" name="contains" value={contains} onChange={setContains} placeholder="555" error={fieldError(searchError, 'contains')} />
        <Checkbox label="SMS" checked={sms} onChange={setSms} />
        <Checkbox label="Voice" checked={voice} onChange={setVoice} />
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {searchError && !(searchError as { fields?: unknown[] }).fields?.length ? <ErrorNote error={searchError} title="Search failed" /> : null}
      {results === null ? null : results.length === 0 ? (
        <Empty>No numbers match. Try another area code or fewer filters.</Empty>
      ) : (
        <table>
          <caption>Available numbers</caption>
          <THead cols={['Number', 'Where', 'Capabilities', { hidden: 'Actions' }]} />
          <tbody>
            {results.map((n) => (
              <tr key={n.phoneNumber}>
                <td>{n.phoneNumber}</td>
                <td>{[n.locality, n.region].filter(Boolean).join(', ') || '—'}</td>
                <td>{Object.entries(n.capabilities).filter(([, v]) => v).map(([k]) => k).join(', ')}</td>
                <td>
                  {bought.includes(n.phoneNumber) ? (
                    <Status value="active" />
                  ) : !can('spend') ? null : (
                    <button type="button" aria-label={`Buy ${n.phoneNumber}`} onClick={() => void buy(n.phoneNumber)} disabled={mgmt.isLoading}>
                      Buy
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {bought.length ? (
        <p role="status" className="note note-good">
          Bought {bought.join(', ')}
        </p>
      ) : null}
      {results?.length ? <Scoped scope="spend" what="Buying a number" /> : null}
      <ErrorNote error={buyError} title="Could not buy the number" />
    </section>
  );
}

function BulkBuy({ onStarted }: { onStarted: (jobId: string) => void }) {
  const mgmt = useTwilioAdvancedManagement();
  const [areaCode, setAreaCode] = useState('');
  const [quantity, setQuantity] = useState('10');
  const [error, setError] = useState<unknown>(null);
  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const job = await mgmt.bulkBuyNumbers(areaCode, Number(quantity));
      onStarted(job.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card" aria-labelledby="bulk-heading">
      <h2 id="bulk-heading">Bulk buy</h2>
      <form onSubmit={start} noValidate className="row">
        <Field label="Bulk area code" name="areaCode" value={areaCode} onChange={setAreaCode} placeholder="415" required error={fieldError(error, 'areaCode')} />
        <Field label="Quantity" name="quantity" type="number" value={quantity} onChange={setQuantity} required error={fieldError(error, 'quantity')} />
        <button type="submit" className="primary" disabled={mgmt.isLoading}>
          Start bulk buy
        </button>
      </form>
      {error && !(error as { fields?: unknown[] }).fields?.length ? <ErrorNote error={error} title="Could not start the bulk buy" /> : null}
    </section>
  );
}

function YourNumbers({ onBulkRelease }: { onBulkRelease: (jobId: string) => void }) {
  const client = useTwilioProClient();
  const mgmt = useTwilioAdvancedManagement();
  const qc = useQueryClient();
  const { can } = useKeyScopes();
  const [selected, setSelected] = useState<string[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = useInfiniteQuery({
    queryKey: [...queryKeys.numbers({ status: 'active' }), 'pages'],
    queryFn: ({ pageParam, signal }) => client.numbers.list({ status: 'active', limit: 25, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
    refetchInterval: 5000,
  });
  const numbers = list.data?.pages.flatMap((p) => p.data) ?? [];
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await qc.invalidateQueries({ queryKey: queryKeys.numbers().slice(0, 2) });
    } catch (err) {
      setError(err);
    }
  };
  const releaseSelected = () =>
    act(async () => {
      const job = await mgmt.bulkReleaseNumbers(selected);
      setSelected([]);
      onBulkRelease(job.id);
    });

  return (
    <section className="card" aria-labelledby="numbers-heading">
      <h2 id="numbers-heading">Your numbers</h2>
      <Scoped scope="admin" what="Releasing numbers in bulk" quiet>
        <div className="actions">
          <button type="button" disabled={!selected.length} onClick={() => void releaseSelected()}>
            Release selected ({selected.length})
          </button>
        </div>
      </Scoped>
      <Scoped scope="write" what="Configuring or releasing a number" />
      <ErrorNote error={error} />
      <ListStates
        loading={list.isLoading}
        loadingLabel="Loading your numbers…"
        error={list.error}
        errorTitle="Could not list your numbers"
        empty={numbers.length === 0}
        emptyText="You have no numbers yet. Search above and buy one, or start a bulk buy."
      >
        <table>
          <caption className="visually-hidden">Your active numbers</caption>
          <THead cols={[{ hidden: 'Select' }, 'Number', 'Name', 'Voice URL', 'Status', { hidden: 'Actions' }]} />
          <tbody>
            {numbers.map((n) =>
              editing === n.phoneNumber ? (
                <tr key={n.id}>
                  <td colSpan={6}>
                    <ConfigureForm number={n} onDone={() => setEditing(null)} />
                  </td>
                </tr>
              ) : (
                <tr key={n.id}>
                  <td>
                    {can('admin') ? (
                    <input
                      type="checkbox"
                      aria-label={`Select ${n.phoneNumber}`}
                      checked={selected.includes(n.phoneNumber)}
                      onChange={(e) => setSelected((s) => (e.target.checked ? [...s, n.phoneNumber] : s.filter((x) => x !== n.phoneNumber)))}
                    />
                    ) : null}
                  </td>
                  <td>{n.phoneNumber}</td>
                  <td>{n.friendlyName ?? '—'}</td>
                  <td className="wrap">{n.config.voiceUrl ?? '—'}</td>
                  <td>
                    <Status value={n.status} />
                  </td>
                  <td>
                    {can('write') ? (
                    <div className="row-actions">
                    <button type="button" aria-label={`Configure ${n.phoneNumber}`} onClick={() => setEditing(n.phoneNumber)}>
                      Configure
                    </button>
                    <ConfirmButton
                      label="Release"
                      ariaLabel={`Release ${n.phoneNumber}`}
                      confirmLabel="Confirm release"
                      confirmAriaLabel={`Confirm release of ${n.phoneNumber}`}
                      onConfirm={() => void act(() => mgmt.releaseNumber(n.phoneNumber))}
                    />
                    </div>
                    ) : null}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </ListStates>
      <LoadMore pages={list} />
    </section>
  );
}

function ConfigureForm({ number, onDone }: { number: PhoneNumber; onDone: () => void }) {
  const mgmt = useTwilioAdvancedManagement();
  const [friendlyName, setFriendlyName] = useState(number.friendlyName ?? '');
  const [voiceUrl, setVoiceUrl] = useState(number.config.voiceUrl ?? '');
  const [smsUrl, setSmsUrl] = useState(number.config.smsUrl ?? '');
  const [error, setError] = useState<unknown>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await mgmt.configureNumber(number.phoneNumber, {
        ...(friendlyName ? { friendlyName } : {}),
        ...(voiceUrl ? { voiceUrl } : {}),
        ...(smsUrl ? { smsUrl } : {}),
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={save} noValidate aria-label={`Configure ${number.phoneNumber}`} className="row">
      <Field label="Friendly name" name="friendlyName" value={friendlyName} onChange={setFriendlyName} error={fieldError(error, 'friendlyName')} />
      <Field label="Voice URL" name="voiceUrl" type="url" value={voiceUrl} onChange={setVoiceUrl} error={fieldError(error, 'voiceUrl')} />
      <Field label="SMS URL" name="smsUrl" type="url" value={smsUrl} onChange={setSmsUrl} error={fieldError(error, 'smsUrl')} />
      <button type="submit" className="primary" disabled={mgmt.isLoading}>
        Save
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error && !(error as { fields?: unknown[] }).fields?.length ? <ErrorNote error={error} title="Could not configure" /> : null}
    </form>
  );
}
