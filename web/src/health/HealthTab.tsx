import type { TabRoute } from '../components/tab-route';
import { ScoresList } from './ScoresList';
import { NumberHistory } from './NumberHistory';
import { ScoreDistribution } from './ScoreDistribution';
import { Lookups } from './Lookups';
import { HygienePolicy } from './HygienePolicy';
import './health.css';

/**
 * Number health: every live number's score with its factors, the score distribution, lookups, and the hygiene
 * policy with its two Schedules. `#health/<e164>` opens one number: its score, inputs and outcome history.
 */
export function HealthTab({ path, go }: TabRoute) {
  const [open] = path;
  if (open) return <NumberHistory phoneNumber={decodeURIComponent(open)} onBack={() => go()} />;
  return (
    <div className="stack">
      <h2>Health</h2>
      <ScoresList onOpen={(e164) => go(e164)} />
      <ScoreDistribution />
      <Lookups />
      <HygienePolicy />
    </div>
  );
}
