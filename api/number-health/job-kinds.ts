import type { JobKindDef } from '../kit/jobs/kinds';

/**
 * The passes are jobs too (read and cancelled at /v1/jobs), but the API never submits them: their Schedule's
 * runs (and the policy's `run` action) start them, and their workflow writes the job row itself.
 */
export const numberHealthJobKinds: JobKindDef[] = [
  { kind: 'health_pass', label: 'Health pass' },
  { kind: 'rotation_pass', label: 'Rotation pass' },
];
