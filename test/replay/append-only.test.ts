import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../../dev/processes';

/**
 * Recorded histories are append-only (issue #21 §3, docs/operations/upgrading-workflows.md): a recording is
 * what a released worker really wrote, so changing one to make the replay test pass hides the very
 * non-determinism the test exists to find. Checked against git, from the commit the policy started at:
 * - no commit changes a recording under histories/ or retired/, and none is deleted outright;
 * - a recording may leave histories/ only by moving, byte for byte, to retired/ (when its patch marker's
 *   old path is deleted); the working tree may not change a committed recording either.
 */
const POLICY_SINCE = 'a1ea5df'; // the last commit before the policy; the re-recordings it forbids came earlier
const HISTORIES = 'test/replay/histories';
const RETIRED = 'test/replay/retired';

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });

/** `git log --name-status` lines as {commit, status, path}, renames split into a delete and an add. */
function changesSince(since: string, dir: string) {
  const out = git('log', '--no-renames', '--format=@%h', '--name-status', `${since}..HEAD`, '--', dir);
  const changes: { commit: string; status: string; file: string }[] = [];
  let commit = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('@')) commit = line.slice(1);
    else if (line.trim()) {
      const [status, file] = line.split('\t');
      changes.push({ commit, status: status!, file: file! });
    }
  }
  return changes;
}

function isGitCheckout(): boolean {
  try {
    git('cat-file', '-e', `${POLICY_SINCE}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

it('the checkout has the git history the policy is checked against', () => {
  // CI runs from a full clone; a tarball or a shallow clone can't show what changed.
  expect(isGitCheckout(), `git history from ${POLICY_SINCE} is needed: run the tests from a full git clone`).toBe(true);
});

/** What breaks the policy in the commits after `since`. */
function policyBreaches(since: string): string[] {
  const problems: string[] = [];
  for (const c of changesSince(since, HISTORIES)) {
    if (c.status === 'M') problems.push(`${c.commit} changed ${c.file}`);
    if (c.status === 'D') {
      const retired = path.join(RETIRED, path.basename(c.file));
      const before = git('show', `${c.commit}^:${c.file}`);
      const moved = existsSync(path.join(repoRoot, retired)) && readFileSync(path.join(repoRoot, retired), 'utf8') === before;
      if (!moved) problems.push(`${c.commit} deleted ${c.file} without moving it unchanged to ${retired}`);
    }
  }
  for (const c of changesSince(POLICY_SINCE, RETIRED)) {
    if (c.status !== 'A') problems.push(`${c.commit} ${c.status === 'M' ? 'changed' : 'deleted'} the retired ${c.file}`);
  }
  return problems;
}

it('no committed recording is changed, and one leaves histories/ only by moving unchanged to retired/', () => {
  expect(policyBreaches(POLICY_SINCE)).toEqual([]);
});

it('finds the re-recordings made before the policy (the SIP saga in 0eeb842, grouped bulk buys in a6d2ff1)', () => {
  const breaches = policyBreaches('4acaeca'); // the commit that started recording histories
  expect(breaches).toContain('0eeb842 changed test/replay/histories/sip-create.json');
  expect(breaches).toContain('a6d2ff1 changed test/replay/histories/bulk-buy-grouped-555-100.json');
  expect(breaches).toHaveLength(8);
});

it('the working tree changes no committed recording', () => {
  const changed = git('diff', '--name-status', 'HEAD', '--', HISTORIES, RETIRED)
    .split('\n')
    .filter((l) => /^[MD]\t/.test(l) && !isMovedToRetired(l));
  expect(changed).toEqual([]);
});

/** A recording deleted from histories/ in the working tree whose bytes are at retired/ already (a move not yet committed). */
function isMovedToRetired(line: string): boolean {
  const [status, file] = line.split('\t');
  if (status !== 'D' || !file!.startsWith(HISTORIES)) return false;
  const retired = path.join(repoRoot, RETIRED, path.basename(file!));
  return existsSync(retired) && readFileSync(retired, 'utf8') === git('show', `HEAD:${file}`);
}
