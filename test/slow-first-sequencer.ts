import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files known to take longest start first, so none of them starts last and ends the run alone (a fresh clone
 * has no duration cache for vitest's own ordering). Waiting files (reviews, Schedules, restarts) overlap well;
 * the CPU-bound ones are listed first.
 */
const slowestFirst = [
  // test:fast (two forks): each over 20 s.
  'test/workflows/a2p/a2p-registration-lifecycle.workflow.test.ts',
  'test/unit/kit/linear-regexes.test.ts',
  'test/workflows/a2p/a2p-registration.workflow.test.ts',
  'test/replay/replay.test.ts',
  'test/workflows/tollfree/tollfree.workflow.test.ts',
  // test:api (four forks): each over 30 s in a full run's output (fresh clone, 2026-12-04), longest first.
  'test/api/a2p/a2p-chain.test.ts',
  'test/workflows/number-health/hygiene.workflow.test.ts',
  'test/api/sip/sip-saga.test.ts',
  'test/unit/kit/activity-heartbeats.test.ts',
  'test/api/platform/doc-examples.test.ts',
  'test/api/platform/doc-examples-registrations.test.ts',
  'test/workflows/kit/activity-retries.workflow.test.ts',
  'test/api/a2p/a2p-registrations.test.ts',
  'test/api/numbers/worker-crash.test.ts',
  'test/api/platform/secrets.test.ts',
  'test/api/a2p/a2p-webhooks-e2e.test.ts',
  'test/api/kit/two-workers.test.ts',
  'test/api/sip/sip-worker-crash.test.ts',
  'test/api/kit/temporal-tls.test.ts',
  'test/api/voice-trust/voice-trust.test.ts',
  'test/api/numbers/bulk-jobs.test.ts',
  'test/api/platform/api-keys.test.ts',
  'test/api/voice-trust/voice-trust-worker-crash.test.ts',
  // 25–60 s, depending on what runs beside them.
  'test/api/sip/sip-trunks.test.ts',
  'test/api/number-health/hygiene-policy.test.ts',
  'test/api/platform/operator-transfer.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = slowestFirst.findIndex((known) => f.moduleId.endsWith(known));
      return i === -1 ? slowestFirst.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
