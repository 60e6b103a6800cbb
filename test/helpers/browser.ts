/**
 * A headless Chromium for the browser tests, from the npm registry only: `@sparticuz/chromium` ships a Chromium
 * build inside its package (unpacked to the system's temp folder on first use) and playwright-core drives it.
 * No apt, no browser download, so `npm install && npm test` suffice on a fresh machine.
 *
 * That Chromium brings no CJK font, so Chinese text (seed-test's photos, their recognised texts) would show as
 * empty boxes in the screenshots people look at. The browser gets Noto Sans Hans (Simplified Chinese, SIL OFL
 * 1.1) from the npm package @embedpdf/fonts-sc through its own fontconfig file, beside the system's fonts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/** Flags that keep a closed network quiet (no update, sync or metrics connections at start). */
const QUIET = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The package's flags are made for one page per process (AWS Lambda): `--single-process` ends the browser when
 *  a test closes its page, so it is left out. */
const ARGS = sparticuz.args.filter((arg) => arg !== '--single-process');

const CJK_FONTS = fileURLToPath(new URL('../../node_modules/@embedpdf/fonts-sc/fonts', import.meta.url));

/** A fontconfig file: the system's configuration (when there is one) plus the CJK fonts folder. */
function fontConfig(dir: string): string {
  const file = join(dir, 'fonts.conf');
  writeFileSync(
    file,
    [
      '<?xml version="1.0"?>',
      '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
      '<fontconfig>',
      '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
      `  <dir>${CJK_FONTS}</dir>`,
      `  <cachedir>${join(dir, 'cache')}</cachedir>`,
      '</fontconfig>',
      '',
    ].join('\n'),
  );
  return file;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = await sparticuz.executablePath();
  const dir = mkdtempSync(join(tmpdir(), 'ocrdet-browser-fonts-'));
  const env = { ...process.env, FONTCONFIG_FILE: fontConfig(dir) } as Record<string, string>;
  const browser = await chromium.launch({ executablePath, args: [...ARGS, ...QUIET], headless: true, env });
  browser.on('disconnected', () => rmSync(dir, { recursive: true, force: true }));
  return browser;
}
