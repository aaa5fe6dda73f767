import { lazy, Suspense, type ComponentType } from 'react';
import { Tabs } from './components/Tabs';
import { Loading } from './components/ui';
import type { TabRoute } from './components/tab-route';
import { useRoute } from './route';
import { NumbersTab } from './numbers/NumbersTab';
import { SipTab } from './sip/SipTab';
import { A2PTab } from './a2p/A2PTab';
import { AutomationTab } from './automation/AutomationTab';
import { KeyBadge } from './components/Scoped';

// The four newer tabs load on first open, so signing in and the first tabs pay nothing for their code or charts.
const HealthTab = lazyTab(() => import('./health/HealthTab').then((m) => m.HealthTab));
const TrustTab = lazyTab(() => import('./trust/TrustTab').then((m) => m.TrustTab));
const CostsTab = lazyTab(() => import('./costs/CostsTab').then((m) => m.CostsTab));
const SettingsTab = lazyTab(() => import('./settings/SettingsTab').then((m) => m.SettingsTab));

function lazyTab(load: () => Promise<ComponentType<TabRoute>>) {
  const Tab = lazy(() => load().then((component) => ({ default: component })));
  return (props: TabRoute) => (
    <Suspense fallback={<Loading />}>
      <Tab {...props} />
    </Suspense>
  );
}

/**
 * The dashboard: Numbers, SIP, A2P, Health, Trust, Costs, Settings and Automation tabs; the tab (and what is open in it)
 * is in the URL hash. Automation stays last (keyboard users reach it with End).
 */
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
            { id: 'health', label: 'Health', content: () => <HealthTab path={rest} go={(p) => go(p ? `health/${p}` : 'health')} /> },
            { id: 'trust', label: 'Trust', content: () => <TrustTab path={rest} go={(p) => go(p ? `trust/${p}` : 'trust')} /> },
            { id: 'costs', label: 'Costs', content: () => <CostsTab path={rest} go={(p) => go(p ? `costs/${p}` : 'costs')} /> },
            { id: 'settings', label: 'Settings', content: () => <SettingsTab path={rest} go={(p) => go(p ? `settings/${p}` : 'settings')} /> },
            { id: 'automation', label: 'Automation', content: () => <AutomationTab /> },
          ]}
        />
      </main>
    </>
  );
}
