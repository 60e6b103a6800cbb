/**
 * `engines` agrees with every package the lockfile installs: npm warns EBADENGINE when a dependency asks for a
 * Node that our `engines` allows but that dependency does not (cookie@2, through fastify's light-my-request,
 * wants Node >= 22; vega-lite's yargs@18 and vite want 20.19). The lockfile records each package's `engines`;
 * ranges disagree at their edges, so each Node major our range allows is tried at its lowest and highest release.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  engines?: { node?: string };
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockEntry> };

/** The lowest and highest x.y.0 of each Node major from 18 to 40 that `range` allows. */
function edgesOf(range: string): string[] {
  const edges: string[] = [];
  for (let major = 18; major <= 40; major++) {
    const allowed = Array.from({ length: 100 }, (_, minor) => `${major}.${minor}.0`).filter((v) => semver.satisfies(v, range));
    if (allowed.length > 0) edges.push(allowed[0]!, allowed[allowed.length - 1]!);
  }
  return [...new Set(edges)];
}

describe('engines', () => {
  const ours = pkg.engines.node;

  it('allows the Node that runs the tests', () => {
    expect(semver.satisfies(process.version, ours)).toBe(true);
  });

  it('is allowed by every installed package, at the edges of each Node major it allows', () => {
    const versions = edgesOf(ours);
    expect(versions.length).toBeGreaterThan(0);
    const conflicts: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const wanted = entry.engines?.node;
      if (path === '' || !wanted) continue;
      const refused = versions.filter((v) => !semver.satisfies(v, wanted));
      if (refused.length > 0) conflicts.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version} wants ${wanted}; refuses ${refused.join(', ')}`);
    }
    expect(conflicts).toEqual([]);
  });
});
