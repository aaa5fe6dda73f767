import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { createTestApi } from './stack';

/**
 * Runs the curl examples of the README and docs/ as written, against a test's API: a reader's example that
 * names a wrong path, field or status fails a test instead of rotting.
 *
 * A runnable block is a ```sh block whose fence follows a `<!-- example -->` line, or any ```sh block between
 * `<!-- tour:start -->` and `<!-- tour:end -->` (the README's tour). Each one is self-contained: it starts the way a
 * reader who ran `npm start` would, with the setup lines below, which the test swaps for its own API and key.
 */
export const SETUP_API = 'API=http://127.0.0.1:3000/v1';
export const SETUP_KEY = 'KEY=$(cat .data/dev-api-key)';
/** Optional, at most once: the sandbox's control API, for the rare example that needs one. */
export const SETUP_SANDBOX = 'SANDBOX=http://127.0.0.1:4010';

export interface DocBlock {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the block's opening fence. */
  line: number;
  /** The nearest heading above the block: what a test is named after. */
  heading: string;
  /** Which marker made it runnable. */
  marker: 'example' | 'tour';
  script: string;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Every runnable ```sh block of a markdown file (a path relative to the repository root), in order. */
export async function runnableBlocks(file: string): Promise<DocBlock[]> {
  const lines = (await readFile(path.join(repoRoot, file), 'utf8')).split('\n');
  const blocks: DocBlock[] = [];
  let heading = file;
  let inTour = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    if (line.trim() === '<!-- tour:start -->') inTour = true;
    if (line.trim() === '<!-- tour:end -->') inTour = false;
    if (!/^```/.test(line)) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    const marked = lines[i - 1]?.trim() === '<!-- example -->';
    if (line.trim() === '```sh' && (marked || inTour)) {
      blocks.push({ file, line: i + 1, heading, marker: marked ? 'example' : 'tour', script: lines.slice(i + 1, end).join('\n') });
    } else if (marked) {
      throw new Error(`${file}:${i + 1}: <!-- example --> marks a block that is not \`\`\`sh`);
    }
    i = end;
  }
  return blocks;
}

export interface ExampleTarget {
  /** The API's origin, without /v1 (e.g. http://127.0.0.1:41234). */
  apiBase: string;
  key: string;
  /** Where the script runs; a fresh temporary directory (removed after) when absent. */
  cwd?: string;
  /** What `SANDBOX=` becomes: the sandbox's control API for the test's account. */
  sandbox?: string;
}

export interface ExampleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The block with its setup lines pointed at the target; the API and key lines must each be there, once, as written. */
export function pointedAt(block: DocBlock, target: ExampleTarget): string {
  const lines = block.script.split('\n');
  const where = `${block.file}:${block.line} (${block.heading})`;
  for (const setup of [SETUP_API, SETUP_KEY]) {
    const count = lines.filter((l) => l === setup).length;
    if (count !== 1) throw new Error(`${where} must set \`${setup}\` exactly once (found ${count})`);
  }
  const sandboxLines = lines.filter((l) => l === SETUP_SANDBOX).length;
  if (sandboxLines > 1) throw new Error(`${where} sets \`${SETUP_SANDBOX}\` more than once`);
  if (sandboxLines === 1 && !target.sandbox) throw new Error(`${where} uses the sandbox's control API: pass \`sandbox\``);
  return lines
    .map((l) => {
      if (l === SETUP_API) return `API=${target.apiBase}/v1`;
      if (l === SETUP_KEY) return `KEY='${target.key}'`;
      if (l === SETUP_SANDBOX) return `SANDBOX='${target.sandbox}'`;
      return l;
    })
    .join('\n');
}

/** Runs the block as a reader's shell would, but strict: `set -euo pipefail`, so any failed call fails the run. */
export async function runExample(block: DocBlock, target: ExampleTarget): Promise<ExampleRun> {
  const script = pointedAt(block, target);
  const cwd = target.cwd ?? (await mkdtemp(path.join(tmpdir(), 'doc-example-')));
  try {
    return await runBash(script, cwd);
  } finally {
    if (!target.cwd) await rm(cwd, { recursive: true, force: true });
  }
}

function runBash(script: string, cwd: string): Promise<ExampleRun> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, timeout: 150_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The real API listening on a free port (as `npm start`'s is), against the shared test stack: what examples call. */
export async function startListeningApi(overrides: Record<string, string> = {}) {
  const api = await createTestApi(overrides);
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, base: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}` };
}
