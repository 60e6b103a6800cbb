/**
 * A headless Chromium for the browser tests, from the npm registry only: `@sparticuz/chromium` ships a Chromium
 * build inside its package (unpacked to the system's temp folder on first use) and playwright-core drives it.
 * No apt, no browser download, so `npm install && npm test` suffice on a fresh machine.
 */
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/** Flags that keep a closed network quiet (no update, sync or metrics connections at start). */
const QUIET = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The package's flags are made for one page per process (AWS Lambda): `--single-process` ends the browser when
 *  a test closes its page, so it is left out. */
const ARGS = sparticuz.args.filter((arg) => arg !== '--single-process');

export async function launchBrowser(): Promise<Browser> {
  const executablePath = await sparticuz.executablePath();
  return chromium.launch({ executablePath, args: [...ARGS, ...QUIET], headless: true });
}
