import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { TrunkRequest } from '@twilio-pro/client';
import { queryKeys, useTrunk, useTrunks, useTwilioProClient } from '@twilio-pro/react';
import { Checkbox, Empty, ErrorNote, Field, Loading, Status, when, THead, ListStates } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { ListCard, OpenCell } from '../components/ListCard';
import { ConfirmButton } from '../components/ConfirmButton';

export function SipTab({ open, go }: { open: string | null; go: (path: string | null) => void }) {
  if (open === 'new') return <NewTrunkForm onCreated={(id) => go(id)} onCancel={() => go(null)} />;
  if (open) return <TrunkDetails id={open} onBack={() => go(null)} />;
  return <TrunkList onOpen={go} />;
}

function TrunkList({ onOpen }: { onOpen: (path: string) => void }) {
  const trunks = useTrunks({ limit: 50 }, { intervalMs: 5000 });
  const rows = trunks.data?.data ?? [];
  return (
    <ListCard headingId="trunks-heading" level="h2" heading="SIP trunks" add={{ label: 'New trunk', scope: 'write', what: 'Provisioning a trunk', onClick: () => onOpen('new') }}>
      <ListStates
        loading={trunks.isLoading}
        loadingLabel="Loading trunks…"
        error={trunks.error}
        errorTitle="Could not list trunks"
        empty={rows.length === 0}
        emptyText="No trunks yet. “New trunk” provisions one for your voice agents or PBX."
      >
        <table>
          <caption className="visually-hidden">Your trunks</caption>
          <THead cols={['Name', 'Termination URI', 'Status', 'Health', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((t) => (
              <tr key={t.id}>
                <td>{t.friendlyName ?? '—'}</td>
                <td className="wrap">{t.terminationUri}</td>
                <td>
                  <Status value={t.status} />
                </td>
                <td>{t.health.length ? `${t.health.length} finding${t.health.length > 1 ? 's' : ''}` : 'healthy'}</td>
                <OpenCell what={`${t.friendlyName ?? t.domainName}`} onOpen={() => onOpen(t.id)} />
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </ListCard>
  );
}

const E164 = /^\+[1-9]\d{7,14}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const splitList = (s: string) => s.split(/[\s,]+/).filter(Boolean);

/** What the form can tell before the API does; the API's own field errors are shown the same way. */
function checkTrunkForm(v: Record<string, string>): Record<string, string> {
  const e: Record<string, string> = {};
  if (!v.friendlyName?.trim()) e.friendlyName = 'Give the trunk a name.';
  if (v.domainName && !/^[a-z0-9-]+\.pstn\.twilio\.com$/.test(v.domainName)) e.domainName = 'Must end in .pstn.twilio.com (letters, digits and - before it).';
  for (const k of ['uri1', 'uri2']) if (v[k] && !/^sip:\S+$/i.test(v[k]!)) e[k] = 'Must be a sip: URI, such as sip:agents.example.com.';
  for (const k of ['priority1', 'weight1']) if (v[k] && !(Number(v[k]) >= 0 && Number(v[k]) <= 65535)) e[k] = 'A whole number from 0 to 65535.';
  if (v.drUrl && !/^https?:\/\/\S+$/.test(v.drUrl)) e.drUrl = 'Must be an http(s) URL.';
  const badIp = splitList(v.ips ?? '').find((ip) => !IPV4.test(ip));
  if (badIp) e.ips = `${badIp} is not an IPv4 address.`;
  if (v.username && !v.password) e.password = 'A username needs a password.';
  if (v.password && !(v.password.length >= 12 && /[a-z]/.test(v.password) && /[A-Z]/.test(v.password) && /\d/.test(v.password)))
    e.password = 'At least 12 characters, with an upper-case letter, a lower-case letter and a digit (Twilio’s rule).';
  const badNumber = splitList(v.numbers ?? '').find((n) => !E164.test(n) && !/^PN[0-9a-f]{32}$/.test(n));
  if (badNumber) e.numbers = `${badNumber} is not an E.164 number (+14155550100) or a PN SID.`;
  return e;
}

/** Not an error (Twilio takes it), but a secure trunk's calls to a URI without TLS fail: say so while typing. */
const tlsHint = (secure: boolean, uri: string | undefined) =>
  secure && uri && /^sip:\S+$/i.test(uri) && !/;transport=tls/i.test(uri)
    ? 'Secure trunking is on: add ;transport=tls (TLS on port 5061), or calls to this URI fail with Twilio 32208/32209.'
    : undefined;

/** The API's field paths → this form's inputs. */
const apiFieldToInput: [RegExp, string][] = [
  [/^friendlyName$/, 'friendlyName'],
  [/^domainName$/, 'domainName'],
  [/^originationUris\.0/, 'uri1'],
  [/^originationUris\.1/, 'uri2'],
  [/^originationUris/, 'uri1'],
  [/^disasterRecovery/, 'drUrl'],
  [/^termination\.ipAccessControlLists/, 'ips'],
  [/^termination\.credentialLists.*password/, 'password'],
  [/^termination\.credentialLists/, 'username'],
  [/^phoneNumbers/, 'numbers'],
];

function NewTrunkForm({ onCreated, onCancel }: { onCreated: (id: string) => void; onCancel: () => void }) {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const [v, setV] = useState<Record<string, string>>({ priority1: '10', weight1: '10' });
  const [secure, setSecure] = useState(true);
  const [cnam, setCnam] = useState(false);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [apiError, setApiError] = useState<unknown>(null);
  const [submitting, setSubmitting] = useState(false);
  const local = checkTrunkForm(v);
  const apiErrors: Record<string, string> = {};
  for (const f of (apiError as { fields?: { field: string; message: string }[] } | null)?.fields ?? []) {
    const input = apiFieldToInput.find(([re]) => re.test(f.field))?.[1];
    if (input && !apiErrors[input]) apiErrors[input] = f.message;
  }
  const errorOf = (k: string) => (touched.has(k) ? local[k] : undefined) ?? apiErrors[k];
  const bind = (k: string) => ({
    name: k,
    value: v[k] ?? '',
    onChange: (x: string) => {
      setV((o) => ({ ...o, [k]: x }));
      setTouched((t) => new Set(t).add(k));
    },
    onBlur: () => setTouched((t) => new Set(t).add(k)),
    error: errorOf(k),
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(new Set(Object.keys({ ...v, friendlyName: '' })));
    if (Object.keys(local).length) return;
    const name = v.friendlyName!.trim();
    const uris = [v.uri1 ? { sipUrl: v.uri1, priority: Number(v.priority1 || 10), weight: Number(v.weight1 || 10) } : null, v.uri2 ? { sipUrl: v.uri2, priority: 20, weight: 10 } : null].filter(
      (u): u is NonNullable<typeof u> => u !== null,
    );
    const body: TrunkRequest = {
      friendlyName: name,
      ...(v.domainName ? { domainName: v.domainName } : {}),
      secure,
      cnamLookupEnabled: cnam,
      originationUris: uris,
      ...(v.drUrl ? { disasterRecovery: { url: v.drUrl, method: 'POST' as const } } : {}),
      termination: {
        credentialLists: v.username ? [{ friendlyName: `${name.replace(/[^\w-]/g, '-')}-credentials`.slice(0, 64), credentials: [{ username: v.username, password: v.password! }] }] : [],
        ipAccessControlLists: v.ips ? [{ friendlyName: `${name.replace(/[^\w-]/g, '-')}-ips`.slice(0, 64), ipAddresses: splitList(v.ips).map((ip) => ({ ip, cidrPrefixLength: 32 })) }] : [],
      },
      phoneNumbers: splitList(v.numbers ?? ''),
    } as TrunkRequest;
    setSubmitting(true);
    setApiError(null);
    try {
      const created = await client.trunks.create(body);
      await qc.invalidateQueries({ queryKey: queryKeys.trunks().slice(0, 2) });
      onCreated(created.id);
    } catch (err) {
      setApiError(err);
    } finally {
      setSubmitting(false);
    }
  };
  const unshownApiError = apiError && !Object.keys(apiErrors).length;

  return (
    <section className="card" aria-labelledby="new-trunk-heading">
      <h2 id="new-trunk-heading">New trunk</h2>
      <form onSubmit={submit} noValidate className="stack">
        <fieldset>
          <legend>Trunk</legend>
          <Field label="Trunk name" required {...bind('friendlyName')} />
          <Field label="Domain name" hint="Optional: e.g. acme-agents.pstn.twilio.com; derived from the name when empty." {...bind('domainName')} />
          <Checkbox label="Secure trunking (TLS and SRTP)" checked={secure} onChange={setSecure} />
          <Checkbox label="CNAM lookup" checked={cnam} onChange={setCnam} />
        </fieldset>
        <fieldset>
          <legend>Origination (calls to you)</legend>
          <Field label="Origination URI" placeholder="sip:agents.example.com" hint={tlsHint(secure, v.uri1)} {...bind('uri1')} />
          <div className="row">
            <Field label="Priority" type="number" {...bind('priority1')} />
            <Field label="Weight" type="number" {...bind('weight1')} />
          </div>
          <Field label="Failover origination URI" placeholder="sip:backup.example.com" hint={tlsHint(secure, v.uri2) ?? 'Optional: tried when the first does not answer.'} {...bind('uri2')} />
          <Field label="Disaster recovery URL" type="url" placeholder="https://example.com/fallback" {...bind('drUrl')} />
        </fieldset>
        <fieldset>
          <legend>Termination (calls from you)</legend>
          <Field label="Allowed IP addresses" hint="IPv4 addresses, separated by commas." {...bind('ips')} />
          <Field label="SIP username" autoComplete="off" {...bind('username')} />
          <Field label="SIP password" type="password" autoComplete="new-password" hint="Write-only: stored encrypted, never shown again." {...bind('password')} />
        </fieldset>
        <fieldset>
          <legend>Numbers</legend>
          <Field label="Phone numbers" hint="Your numbers (E.164 or PN SID), separated by commas." {...bind('numbers')} />
        </fieldset>
        <div className="actions">
          <button type="submit" className="primary" disabled={submitting}>
            Create trunk
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
        {unshownApiError ? <ErrorNote error={apiError} title="Could not create the trunk" /> : null}
      </form>
    </section>
  );
}

function TrunkDetails({ id, onBack }: { id: string; onBack: () => void }) {
  const client = useTwilioProClient();
  const qc = useQueryClient();
  const { trunk, health, operation, isLoading, error } = useTrunk(id, { intervalMs: 700 });
  const [actionError, setActionError] = useState<unknown>(null);
  if (isLoading) return <Loading label="Loading the trunk…" />;
  if (error || !trunk) return <ErrorNote error={error} title="Could not read the trunk" />;
  const remove = async () => {
    setActionError(null);
    try {
      await client.trunks.delete(trunk.trunkSid ?? trunk.id);
      await qc.invalidateQueries({ queryKey: queryKeys.trunk(id) });
    } catch (err) {
      setActionError(err);
    }
  };
  return (
    <div className="stack">
      <button type="button" onClick={onBack} className="link">
        ← All trunks
      </button>
      <section className="card" aria-labelledby="trunk-heading">
        <h2 id="trunk-heading">
          {trunk.friendlyName ?? trunk.domainName} <Status value={trunk.status} />
        </h2>
        <dl className="facts">
          <dt>Trunk SID</dt>
          <dd>{trunk.trunkSid ?? 'not created yet'}</dd>
          <dt>Termination URI</dt>
          <dd>{trunk.terminationUri}</dd>
          <dt>Secure</dt>
          <dd>{trunk.secure ? 'yes' : 'no'}</dd>
          <dt>CNAM lookup</dt>
          <dd>{trunk.cnamLookupEnabled ? 'on' : 'off'}</dd>
          <dt>Disaster recovery</dt>
          <dd>{trunk.disasterRecovery?.url ?? 'none'}</dd>
          <dt>Checked at Twilio</dt>
          <dd>{when(trunk.observedAt)}</dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="health-heading">
        <h3 id="health-heading">Health</h3>
        {health.length === 0 ? (
          <p className="note note-good">No findings: the trunk is set up as recommended.</p>
        ) : (
          <ul className="findings">
            {health.map((h) => (
              <li key={h.code} className={`finding finding-${h.severity}`}>
                <strong>
                  {h.severity}: {h.message}
                </strong>
                <p>Fix: {h.fix}</p>
              </li>
            ))}
          </ul>
        )}
      </section>

      {operation ? (
        <section className="card" aria-labelledby="op-heading">
          <h3 id="op-heading">
            Last change: {operation.kind} <Status value={operation.status} />
          </h3>
          <ol className="steps-done">
            {operation.steps.map((s, i) => (
              <li key={`${s.name}-${i}`}>
                {s.name} — <Status value={s.status} /> {s.detail ? <span className="muted">{s.detail}</span> : null}
              </li>
            ))}
          </ol>
          {operation.error ? (
            <div role="alert" className="note note-error">
              Failed at {operation.error.step}: {operation.error.message}
              {operation.error.twilio?.code ? <> (Twilio error {operation.error.twilio.code})</> : null}
            </div>
          ) : null}
          {operation.rollback.length ? (
            <table>
              <caption>Rollback report</caption>
              <THead cols={['Undone', 'Result', 'Error']} />
              <tbody>
                {operation.rollback.map((r, i) => (
                  <tr key={i}>
                    <td>{r.action}</td>
                    <td>
                      <Status value={r.status} />
                    </td>
                    <td>{r.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}

      <section className="card" aria-labelledby="uris-heading">
        <h3 id="uris-heading">Origination URIs</h3>
        {trunk.originationUris.length === 0 ? (
          <Empty>None: inbound calls have nowhere to go.</Empty>
        ) : (
          <table>
            <caption className="visually-hidden">Origination URIs</caption>
            <THead cols={['SIP URI', 'Priority', 'Weight', 'Enabled']} />
            <tbody>
              {trunk.originationUris.map((u) => (
                <tr key={u.sipUrl}>
                  <td>{u.sipUrl}</td>
                  <td>{u.priority}</td>
                  <td>{u.weight}</td>
                  <td>{u.enabled ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>Numbers</h3>
        {trunk.phoneNumbers.length === 0 ? <Empty>No numbers on this trunk.</Empty> : <ul>{trunk.phoneNumbers.map((p) => <li key={p.phoneNumber}>{p.phoneNumber}</li>)}</ul>}
        <h3>Termination authentication</h3>
        {trunk.termination.credentialLists.length + trunk.termination.ipAccessControlLists.length === 0 ? (
          <Empty>None: nobody can send calls through this trunk yet.</Empty>
        ) : (
          <ul>
            {trunk.termination.credentialLists.map((l) => (
              <li key={l.friendlyName}>
                Credentials “{l.friendlyName}”: {l.usernames.join(', ')}
              </li>
            ))}
            {trunk.termination.ipAccessControlLists.map((l) => (
              <li key={l.friendlyName}>
                IP addresses “{l.friendlyName}”: {l.ipAddresses.map((a) => `${a.ip}/${a.cidrPrefixLength}`).join(', ')}
              </li>
            ))}
          </ul>
        )}
      </section>

      {trunk.status !== 'deleted' ? (
        <Scoped scope="admin" what="Deleting a trunk">
          <div className="actions">
            <ConfirmButton label="Delete trunk" confirmLabel="Confirm delete" onConfirm={() => void remove()} />
          </div>
        </Scoped>
      ) : null}
      <ErrorNote error={actionError} />
    </div>
  );
}
