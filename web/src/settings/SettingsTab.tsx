import type { TabRoute } from '../components/tab-route';
import { ApiKeys } from './ApiKeys';
import { AuditTrail } from './AuditTrail';
import { Deliveries } from './Deliveries';
import { TwilioAccount } from './TwilioAccount';
import { WebhookEndpoints } from './WebhookEndpoints';
import './settings.css';

/** Settings: API keys, webhook endpoints (#settings/webhooks/<id>: one endpoint's deliveries) and the audit trail. */
export function SettingsTab({ path, go }: TabRoute) {
  const [section, id] = path;
  if (section === 'webhooks' && id) {
    return (
      <div className="stack settings-tab">
        <h2>Settings</h2>
        <Deliveries endpointId={id} onBack={() => go()} />
      </div>
    );
  }
  return (
    <div className="stack settings-tab">
      <h2>Settings</h2>
      <TwilioAccount />
      <ApiKeys />
      <WebhookEndpoints onOpen={(endpointId) => go(`webhooks/${endpointId}`)} />
      <AuditTrail />
    </div>
  );
}
