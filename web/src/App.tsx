import { useState, type FormEvent } from 'react';
import { QueryClient } from '@tanstack/react-query';
import { createTwilioProClient, type TwilioProError } from '@twilio-pro/client';
import { TwilioProProvider } from '@twilio-pro/react';
import { currentToken, sessionEnded, useSession, type ConsoleSession } from './session';
import { TwilioProDashboard } from './TwilioProDashboard';
import { ErrorNote } from './components/ui';

// The API serves the console, so the API is this page's origin.
const baseUrl = window.location.origin;
const client = createTwilioProClient({
  baseUrl,
  apiKey: currentToken,
  // A 401 means the session is over — expired, signed out in another place, or its key revoked: sign in again.
  fetch: async (request) => {
    const response = await fetch(request);
    if (response.status === 401) {
      sessionEnded();
      queryClient.clear();
    }
    return response;
  },
});
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // An API error that retrying cannot fix (4xx) is shown at once.
      retry: (count, err) => count < 2 && !((err as TwilioProError).status >= 400 && (err as TwilioProError).status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

/** Ends the session at the API (its token is refused from then on) after leaving it here, whatever the API answers. */
function signOutEverywhere(token: string | null, leave: () => void) {
  leave();
  queryClient.clear();
  if (token) void createTwilioProClient({ baseUrl, apiKey: token }).sessions.revoke().catch(() => undefined);
}

export function App() {
  const { session, endedOnItsOwn, signIn, signOut } = useSession();
  if (!session) return <SignIn onSignedIn={signIn} ended={endedOnItsOwn} />;
  return (
    <TwilioProProvider client={client} queryClient={queryClient}>
      <TwilioProDashboard sessionExpiresAt={session.expiresAt} onSignOut={() => signOutEverywhere(session.token, signOut)} />
    </TwilioProProvider>
  );
}

function SignIn({ onSignedIn, ended }: { onSignedIn: (session: ConsoleSession) => void; ended: boolean }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecking(true);
    setError(null);
    try {
      // The key is used this once, to make a session; only the session's token is kept.
      const { token, expiresAt } = await createTwilioProClient({ baseUrl, apiKey: key.trim() }).sessions.create();
      setKey('');
      onSignedIn({ token, expiresAt });
    } catch (err) {
      setError(err);
    } finally {
      setChecking(false);
    }
  };
  return (
    <main className="signin">
      <h1>twilio-pro</h1>
      <p className="muted">Durable Twilio back-office jobs: numbers, SIP trunks, A2P 10DLC.</p>
      {ended ? (
        <p role="status" className="note note-warn">
          Your session has ended (it expired, or it or its key was revoked). Sign in again.
        </p>
      ) : null}
      <form onSubmit={submit} noValidate className="card">
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="apiKey" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        <p className="hint">
          Not kept: it is traded for a session token that lasts an hour, held in this tab’s session storage only. <code>npm start</code> writes the dev
          tenant’s key to <code>.data/dev-api-key</code>.
        </p>
        <button type="submit" className="primary" disabled={checking || !key.trim()}>
          Sign in
        </button>
        <ErrorNote error={error} title="That key was not accepted" />
      </form>
    </main>
  );
}
