import { useState, type FormEvent } from 'react';
import { ErrorNote, Field, FormSubmit, Loading, Status, fieldError, when } from '../components/ui';
import { Scoped } from '../components/Scoped';
import { useAccount, useSetCredentials, type Account, type AccountCredentials } from './queries';

const kindInWords: Record<Account['binding']['kind'], string> = {
  shared: 'The deployment’s Twilio account (shared)',
  subaccount: 'A Twilio subaccount of the deployment’s, for this tenant alone',
  byo: 'Your own Twilio account',
};

/** Which Twilio account the tenant's work runs under, whether Twilio still takes its credentials, and (admin) new ones. */
export function TwilioAccount() {
  const account = useAccount();
  return (
    <section className="card stack" aria-labelledby="twilio-account-heading">
      <h3 id="twilio-account-heading">Twilio account</h3>
      {account.isLoading ? <Loading label="Loading the Twilio account…" /> : null}
      <ErrorNote error={account.error} title="Could not read the Twilio account" />
      {account.data ? <Binding account={account.data} /> : null}
      {account.data && account.data.binding.kind !== 'subaccount' ? (
        <Scoped scope="admin" what="Giving your own Twilio account’s credentials">
          <CredentialsForm current={account.data} />
        </Scoped>
      ) : null}
    </section>
  );
}

function Binding({ account }: { account: Account }) {
  const { binding } = account;
  return (
    <dl className="facts" aria-label="Twilio account">
      <dt>Runs under</dt>
      <dd>{kindInWords[binding.kind]}</dd>
      <dt>Account SID</dt>
      <dd>
        <code>{binding.accountSid}</code>
      </dd>
      <dt>Status</dt>
      <dd>
        <Status value={binding.status} />
        {binding.statusReason ? (
          <p role="alert">
            Twilio refused the credentials{binding.statusReason.code ? ` (${binding.statusReason.code})` : ''} since {when(binding.statusReason.at)}: {binding.statusReason.message}. Work waits
            for new credentials; nothing has failed.
          </p>
        ) : null}
      </dd>
    </dl>
  );
}

/** The account's SID with its auth token or an API key: checked at Twilio, never shown again. */
function CredentialsForm({ current }: { current: Account }) {
  const save = useSetCredentials();
  const [accountSid, setAccountSid] = useState(current.binding.kind === 'byo' ? current.binding.accountSid : '');
  const [kind, setKind] = useState<'auth_token' | 'api_key'>('auth_token');
  const [authToken, setAuthToken] = useState('');
  const [apiKeySid, setApiKeySid] = useState('');
  const [apiKeySecret, setApiKeySecret] = useState('');
  const [profileSid, setProfileSid] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: AccountCredentials = {
      accountSid: accountSid.trim(),
      ...(kind === 'auth_token' ? { authToken } : { apiKeySid: apiKeySid.trim(), apiKeySecret }),
      ...(profileSid.trim() ? { primaryCustomerProfileSid: profileSid.trim() } : {}),
    };
    setPending(true);
    setSaved(false);
    try {
      await save(body);
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      // The secret leaves the page either way: a refused one is typed again.
      setAuthToken('');
      setApiKeySecret('');
      setPending(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate className="stack" aria-labelledby="credentials-heading">
      <h4 id="credentials-heading">{current.binding.kind === 'byo' ? 'New credentials' : 'Use your own Twilio account'}</h4>
      <p className="hint">
        Checked at Twilio before they are kept; sealed, and never shown again. New credentials for the same account resume work paused on refused ones.
        {current.binding.kind === 'shared' ? ' Moving from the shared account needs the tenant to hold no numbers.' : ''}
      </p>
      <Field label="Account SID" name="accountSid" value={accountSid} onChange={setAccountSid} required placeholder="AC…" error={fieldError(error, 'accountSid')} />
      <Field
        label="Sign in with"
        name="credentialKind"
        value={kind}
        onChange={(v) => setKind(v === 'api_key' ? 'api_key' : 'auth_token')}
        options={[
          { value: 'auth_token', label: 'Auth token' },
          { value: 'api_key', label: 'API key' },
        ]}
      />
      {kind === 'auth_token' ? (
        <Field label="Auth token" name="authToken" type="password" autoComplete="off" value={authToken} onChange={setAuthToken} required error={fieldError(error, 'authToken')} />
      ) : (
        <>
          <Field label="API key SID" name="apiKeySid" value={apiKeySid} onChange={setApiKeySid} required placeholder="SK…" error={fieldError(error, 'apiKeySid')} />
          <Field label="API key secret" name="apiKeySecret" type="password" autoComplete="off" value={apiKeySecret} onChange={setApiKeySecret} required error={fieldError(error, 'apiKeySecret')} />
        </>
      )}
      <Field
        label="Primary customer profile SID"
        name="primaryCustomerProfileSid"
        value={profileSid}
        onChange={setProfileSid}
        placeholder="BU… (optional: for A2P registrations)"
        hint="Your account’s own approved primary profile: A2P registrations are made under it."
        error={fieldError(error, 'primaryCustomerProfileSid')}
      />
      <FormSubmit label="Save credentials" disabled={pending || !accountSid.trim()} error={error} errorTitle="Could not save the credentials" />
      {saved ? <p role="status">Credentials saved: work runs under {accountSid.trim()}.</p> : null}
    </form>
  );
}
