import { Tabs } from './components/Tabs';
import { useRoute } from './route';
import { NumbersTab } from './numbers/NumbersTab';
import { SipTab } from './sip/SipTab';
import { A2PTab } from './a2p/A2PTab';
import { AutomationTab } from './automation/AutomationTab';
import { KeyBadge } from './components/Scoped';

/** The seed's dashboard: Numbers, SIP, A2P and Automation tabs; the tab (and what is open in it) is in the URL hash. */
export function TwilioProDashboard({ sessionExpiresAt, onSignOut }: { sessionExpiresAt: string; onSignOut: () => void }) {
  const [route, go] = useRoute();
  const [tab = 'numbers', ...rest] = route;
  return (
    <>
      <header className="topbar">
        <h1>twilio-pro</h1>
        <div className="topbar-session">
          <KeyBadge />
          <p className="session-expiry">
            Session ends at <time dateTime={sessionExpiresAt}>{new Date(sessionExpiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}</time>
          </p>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="dashboard">
        <Tabs
          label="Console sections"
          selected={tab}
          onSelect={(id) => go(id)}
          tabs={[
            { id: 'numbers', label: 'Numbers', content: () => <NumbersTab /> },
            { id: 'sip', label: 'SIP', content: () => <SipTab open={rest[0] ?? null} go={(p) => go(p ? `sip/${p}` : 'sip')} /> },
            { id: 'a2p', label: 'A2P', content: () => <A2PTab open={rest[0] ?? null} go={(p) => go(p ? `a2p/${p}` : 'a2p')} /> },
            { id: 'automation', label: 'Automation', content: () => <AutomationTab /> },
          ]}
        />
      </main>
    </>
  );
}
