import { useState, type FormEvent } from 'react';
import { QueryClient } from '@tanstack/react-query';
import { createTwilioProClient, type TwilioProError } from '@twilio-pro/client';
import { TwilioProProvider } from '@twilio-pro/react';
import { currentApiKey, useSession } from './session';
import { TwilioProDashboard } from './TwilioProDashboard';
import { ErrorNote } from './components/ui';

// The API serves the console, so the API is this page's origin.
const client = createTwilioProClient({ baseUrl: window.location.origin, apiKey: currentApiKey });
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // An API error that retrying cannot fix (4xx) is shown at once.
      retry: (count, err) => count < 2 && !((err as TwilioProError).status >= 400 && (err as TwilioProError).status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

export function App() {
  const session = useSession();
  if (!session.apiKey) return <SignIn onSignedIn={session.signIn} />;
  return (
    <TwilioProProvider client={client} queryClient={queryClient}>
      <TwilioProDashboard
        onSignOut={() => {
          session.signOut();
          queryClient.clear();
        }}
      />
    </TwilioProProvider>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecking(true);
    setError(null);
    try {
      // One cheap authenticated read proves the key before it is kept.
      await createTwilioProClient({ baseUrl: window.location.origin, apiKey: key.trim() }).jobs.list({ limit: 1 });
      onSignedIn(key.trim());
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
      <form onSubmit={submit} noValidate className="card">
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="apiKey" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} required />
        <p className="hint">Kept in this tab’s session storage only. <code>npm start</code> writes the dev tenant’s key to <code>.data/dev-api-key</code>.</p>
        <button type="submit" className="primary" disabled={checking || !key.trim()}>
          Sign in
        </button>
        <ErrorNote error={error} title="That key was not accepted" />
      </form>
    </main>
  );
}
