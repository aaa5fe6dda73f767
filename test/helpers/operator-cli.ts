import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../dev/processes';

/** `npm run operator -- …` as an operator runs it against the API at `baseUrl`: its JSON answer (a refusal rejects). */
export const operatorCli =
  (baseUrl: string, operatorKey: string) =>
  (...args: string[]): Promise<any> =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'cli', 'operator.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, TWILIO_PRO_URL: baseUrl, TWILIO_PRO_OPERATOR_KEY: operatorKey },
    }).then((r) => JSON.parse(r.stdout));
