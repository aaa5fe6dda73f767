import { useState, type FormEvent, type ReactNode } from 'react';
import { Checkbox, ErrorNote, Field, ListStates, Status, THead, fieldError, when, FormSubmit } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { RowConfirmButton } from '../components/ConfirmButton';
import { SecretOnce } from '../components/SecretOnce';
import { useKeyScopes, type Scope } from '../session';
import { useApiKeys, useCreateKey, useRevokeKey, type ApiKey, type CreatedApiKey, type NewApiKey } from './queries';

const SCOPES: Scope[] = ['read', 'write', 'spend', 'admin'];

/** Expiry choices, in days from now; the API takes any instant within 5 years. */
const EXPIRY = [
  { value: 'never', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
];
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** The request the form stands for: scopes in order, no name or expiry when none is given. */
function keyRequest(name: string, scopes: Scope[], expiry: string): NewApiKey {
  const days = Number(expiry);
  return {
    ...(name.trim() ? { name: name.trim() } : {}),
    scopes: SCOPES.filter((s) => scopes.includes(s)),
    ...(days > 0 ? { expiresAt: inDays(days) } : {}),
  };
}

export function ApiKeys() {
  return (
    <section className="card stack" aria-labelledby="api-keys-heading">
      <h3 id="api-keys-heading">API keys</h3>
      <ThisKey />
      <Scoped scope="admin" what="Listing, creating and revoking keys">
        <KeyList />
        <CreateKeyForm />
      </Scoped>
    </section>
  );
}

/** The key the console acts as: anyone signed in may see it. */
function ThisKey() {
  const { key } = useKeyScopes();
  if (!key) return null;
  return (
    <div>
      <h4>This key</h4>
      <dl className="facts">
        <Fact term="Name">{key.name ?? '—'}</Fact>
        <Fact term="Prefix">
          <code>{key.prefix}…</code>
        </Fact>
        <Fact term="Scopes">{key.scopes.join(', ')}</Fact>
        <Fact term="Expires">{key.expiresAt ? when(key.expiresAt) : 'never'}</Fact>
      </dl>
    </div>
  );
}

const Fact = ({ term, children }: { term: string; children: ReactNode }) => (
  <div className="fact">
    <dt>{term}</dt>
    <dd>{children}</dd>
  </div>
);

const keyState = (k: ApiKey) => (k.revokedAt ? 'revoked' : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active');

function KeyList() {
  const keys = useApiKeys(true);
  const current = useKeyScopes().key;
  const revoke = useRevokeKey();
  const rows = keys.data?.data ?? [];
  return (
    <div>
      <h4>All keys</h4>
      <ErrorNote error={revoke.error} title="Could not revoke the key" />
      <ListStates loading={keys.isLoading} loadingLabel="Loading keys…" error={keys.error} errorTitle="Could not list the keys" empty={rows.length === 0} emptyText="No keys.">
        <table aria-label="API keys">
          <THead cols={['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Expires', 'Status', { hidden: 'Actions' }]} />
          <tbody>
            {rows.map((k) => (
              <tr key={k.id}>
                <td>
                  {k.name ?? '—'}
                  {k.id === current?.id ? <span className="hint"> (this key)</span> : null}
                </td>
                <td>
                  <code className="nowrap">{k.prefix}…</code>
                </td>
                <td>{k.scopes.join(', ')}</td>
                <td>{when(k.createdAt)}</td>
                <td>{k.lastUsedAt ? when(k.lastUsedAt) : 'never'}</td>
                <td>{k.expiresAt ? when(k.expiresAt) : 'never'}</td>
                <td>
                  <Status value={keyState(k)} />
                  {k.revokedAt ? <span className="hint"> {when(k.revokedAt)}</span> : null}
                </td>
                <td>
                  {keyState(k) === 'revoked' ? null : <RowConfirmButton verb="Revoke" name={k.name ?? k.prefix} busy={revoke.isPending} onConfirm={() => revoke.mutate(k.id)} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
    </div>
  );
}

function CreateKeyForm() {
  const create = useCreateKey();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['read']);
  const [expiry, setExpiry] = useState('never');
  const [adminKey, setAdminKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const toggle = (scope: Scope, on: boolean) => setScopes((s) => (on ? [...s, scope] : s.filter((x) => x !== scope)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setCreated(null);
    try {
      setCreated(await create(keyRequest(name, scopes, expiry), adminKey));
      setName('');
    } catch (err) {
      setError(err);
    } finally {
      // The admin key served this one request: forget it whatever the answer.
      setAdminKey('');
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="stack" aria-labelledby="create-key-heading">
      <h4 id="create-key-heading">Create a key</h4>
      <div className="grid">
        <Field label="Name" name="name" value={name} onChange={setName} hint="What the key is for, shown in the list." error={fieldError(error, 'name')} />
        <Field label="Expires" name="expires" value={expiry} onChange={setExpiry} options={EXPIRY} error={fieldError(error, 'expiresAt')} />
      </div>
      <fieldset aria-describedby={fieldError(error, 'scopes') ? 'key-scopes-error' : undefined}>
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <Checkbox key={scope} label={scope} name={`scope-${scope}`} checked={scopes.includes(scope)} onChange={(on) => toggle(scope, on)} />
        ))}
        <p className="hint">read: every GET; write: changes that cost nothing; spend: anything Twilio bills; admin: keys, webhooks, budget, policies. Each includes the ones before it.</p>
        {fieldError(error, 'scopes') ? (
          <p id="key-scopes-error" className="error-text">
            {fieldError(error, 'scopes')}
          </p>
        ) : null}
      </fieldset>
      <Field
        label="Admin API key (to confirm)"
        name="adminKey"
        type="password"
        autoComplete="off"
        value={adminKey}
        onChange={setAdminKey}
        hint="A console session can’t create keys, so a stolen session can’t either: paste an admin API key. It is used for this one request and not kept."
      />
      <FormSubmit label="Create key" disabled={busy} error={error} errorTitle="Could not create the key" />
      {created ? <SecretOnce label={`New key ${created.name ?? created.prefix}`} value={created.key} onDone={() => setCreated(null)} /> : null}
    </form>
  );
}
