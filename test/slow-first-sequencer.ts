import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files known to take longest start first, so none of them starts last and ends the run alone (a fresh clone
 * has no duration cache for vitest's own ordering). Waiting files (reviews, Schedules, restarts) overlap well;
 * the CPU-bound ones are listed first.
 */
const slowestFirst = [
  'test/workflows/number-health/hygiene.workflow.test.ts',
  'test/unit/kit/linear-regexes.test.ts',
  'test/workflows/a2p/a2p-registration.workflow.test.ts',
  'test/workflows/a2p/a2p-registration-lifecycle.workflow.test.ts',
  'test/api/a2p/a2p-chain.test.ts',
  'test/api/number-health/hygiene-policy.test.ts',
  'test/api/sip/sip-saga.test.ts',
  'test/unit/kit/activity-heartbeats.test.ts',
  'test/api/voice-trust/voice-trust.test.ts',
  'test/api/a2p/a2p-registrations.test.ts',
  'test/api/voice-trust/voice-trust-worker-crash.test.ts',
  'test/api/a2p/a2p-customer-verification.test.ts',
  'test/api/a2p/a2p-worker-crash.test.ts',
  'test/api/sip/sip-worker-crash.test.ts',
  'test/api/tollfree/tollfree.test.ts',
  'test/api/a2p/a2p-political.test.ts',
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
