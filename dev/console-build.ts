import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './processes';

const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'client/src', 'react/src'].map((p) => path.join(repoRoot, p));
const built = path.join(repoRoot, 'web', 'dist', 'index.html');

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}

/** `npm start` serves the console: build it when it is missing or older than its sources (a second or two). */
export function buildConsoleIfStale(say: (msg: string) => void): void {
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (builtAt >= Math.max(...sources.map(newestMtime))) return;
  say('web console: building (npm run build:web)');
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}
