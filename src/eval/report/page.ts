/**
 * index.html in three parts, so it can be written while the images are scored: the head and the page's
 * empty frame; the image records (one script, streamed); the summary and the script that builds the page.
 * Everything is inline: the page opens from file:// with no network.
 */
import { REPORT_SCRIPT } from './client.js';
import type { ImageRecord, PageSummary } from './data.js';
import { REPORT_CSS } from './style.js';

/** JSON that is safe inside a <script> element (no `</script>`, no line separators JavaScript rejects). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The head, the frame of every section, and the opening of the image records. */
export function pageStart(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ocrdet eval --report">
<title>${escapeHtml(title)} · ocrdet evaluation</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
  <div class="kicker">ocrdet · evaluation report</div>
  <h1><span id="title">${escapeHtml(title)}</span><span class="tabs" id="iou-tabs"></span></h1>
  <div class="meta" id="meta"></div>
</header>
<main>
<noscript><section>This report draws its tables and pictures with JavaScript; allow it for this file.</section></noscript>
<section id="summary"><h2>Scores</h2><p class="note" id="summary-note"></p><div id="summary-body"></div></section>
<section id="pairs"><h2>Differences between runs</h2><p class="note" id="pairs-note"></p><div id="pairs-body"></div></section>
<section id="sources"><h2>By source</h2><p class="note">Each subset scored from its own summed counts.</p><div id="sources-body"></div></section>
<section id="images"><h2>Images</h2>
  <div class="sticky"><div class="controls" id="image-controls"></div><div class="legend" id="legend"></div></div>
  <div id="image-list"></div>
</section>
<footer>Written by <code>ocrdet eval --report</code>. Every miss and false alarm is also in <code>errors.jsonl</code> beside this page.</footer>
</main>
<div id="lightbox"></div>
<script>var IMAGES = [
`;
}

/** One image's record, as an element of the IMAGES array. */
export function pageRecord(record: ImageRecord): string {
  return `${scriptJson(record)},\n`;
}

/** Closes the records, then the summary and the script. */
export function pageEnd(summary: PageSummary): string {
  return `];</script>
<script>var REPORT = ${scriptJson(summary)};</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
