// The ocrdet web page: send images and PDFs to POST /v1/detect, one at a time in the order given, and show each
// one's regions over the image. A PDF comes back as one Detection per page, each with the rendered page as a
// picture (?pictures=1): every page becomes an entry of its own, shown like an image. Coordinates in a Detection are pixels of the image as a person sees it (EXIF
// orientation applied), which is also how browsers display <img>, so the SVG's viewBox is simply the
// Detection's width × height.
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
/** Smallest label, in screen pixels: smaller text on a shrunken photo cannot be read. */
const MIN_LABEL_PX = 11;

/** Every image (or PDF page) sent, in order: { id, name, file, url, state: waiting|detecting|done|failed, detection?, error?, ms? }. */
const entries = [];
/** The entry on display. */
let shown = null;
/** Detections run one after the other (the server has its own queue; this keeps the page's order). */
let queue = Promise.resolve();

const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;

async function showEngine() {
  const engine = $('engine');
  try {
    const health = await (await fetch('healthz')).json();
    const state = health.status === 'ok' ? '' : ` · ${health.status}: ${health.reason ?? 'unknown reason'}`;
    engine.textContent = `${health.backend} · ${health.model} · v${health.version}${state}`;
    engine.classList.remove('down');
  } catch {
    engine.textContent = 'server not reachable';
    engine.classList.add('down');
  }
}

function setError(message) {
  $('error').hidden = !message;
  $('error').textContent = message || '';
}

const isPdf = (file) => file.type === 'application/pdf' || /\.pdf$/i.test(file.name || '');

function addFiles(files) {
  const added = files.map((file) => {
    const pdf = isPdf(file);
    const entry = { id: entries.length, name: file.name || 'pasted image', file, pdf, url: pdf ? null : URL.createObjectURL(file), state: 'waiting' };
    entries.push(entry);
    return entry;
  });
  if (added.length === 0) return;
  show(added[0]);
  for (const entry of added) queue = queue.then(() => detect(entry));
}

async function detect(entry) {
  entry.state = 'detecting';
  changed(entry);
  const started = performance.now();
  let response;
  try {
    // pictures=1: a document (PDF, multi-page TIFF) comes back with each page as the server drew it.
    response = await fetch(`v1/detect?name=${encodeURIComponent(entry.name)}&pictures=1`, {
      method: 'POST',
      headers: { 'content-type': entry.pdf ? 'application/pdf' : entry.file.type || 'application/octet-stream' },
      body: entry.file,
    });
  } catch {
    // The request never got an answer: the server stopped, or the network between is down.
    finish(entry, { error: `cannot reach the ocrdet server at ${location.origin} (${entry.name} not sent): is \`ocrdet serve\` still running?` });
    showEngine();
    return;
  }
  const body = await response.json().catch(() => ({ code: 'OCRDET_SERVER', message: `HTTP ${response.status} ${response.statusText}` }));
  const ms = Math.round(performance.now() - started);
  if (!response.ok) finish(entry, { error: `${body.code}: ${body.message}` });
  else if (Array.isArray(body)) splitPages(entry, body, ms);
  else finish(entry, { detection: body, ms });
  if ($('engine').classList.contains('down')) showEngine();
}

/** A PDF's answer: the entry becomes its first page, and every other page an entry right after it. */
function splitPages(entry, pages, ms) {
  const fileName = entry.name;
  const [first, ...rest] = pages.map(({ picture, ...detection }) => ({
    name: `${fileName} — page ${detection.page}`,
    url: picture,
    detection,
    ms,
    state: detection.error ? 'failed' : 'done',
    error: detection.error ? `${detection.error.code}: ${detection.error.message}` : undefined,
  }));
  if (!first) return finish(entry, { error: `${fileName}: the PDF gave no pages` });
  const extra = rest.map((page) => ({ ...page, id: 0, file: entry.file, pdf: true }));
  entries.splice(entries.indexOf(entry) + 1, 0, ...extra);
  entries.forEach((e, i) => (e.id = i));
  Object.assign(entry, first);
  changed(entry);
}

function finish(entry, outcome) {
  Object.assign(entry, outcome, { state: outcome.error ? 'failed' : 'done' });
  changed(entry);
}

/** An entry's state changed: the status line, the list, and the view when it is the one shown. */
function changed(entry) {
  const busy = entries.find((e) => e.state === 'detecting');
  const waiting = entries.filter((e) => e.state === 'waiting').length;
  $('status').textContent = busy ? `detecting text in ${busy.name}…${waiting ? ` (${waiting} more waiting)` : ''}` : '';
  renderList();
  if (entry === shown) show(entry);
}

function describe(entry) {
  if (entry.state === 'done') return count(entry.detection.regions.length, 'region');
  if (entry.state === 'failed') return 'failed';
  return entry.state === 'detecting' ? 'detecting…' : 'waiting';
}

function renderList() {
  const list = $('files');
  list.hidden = entries.length < 2;
  list.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement('li');
      item.className = `file ${entry.state}`;
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.entry = String(entry.id);
      button.textContent = entry.name;
      if (entry === shown) button.setAttribute('aria-current', 'true');
      const state = document.createElement('span');
      state.className = 'state';
      state.textContent = describe(entry);
      item.append(button, ' ', state);
      return item;
    }),
  );
}

/** Nothing of the previous image stays on screen: picture, outlines, list and summary. */
function clearResult() {
  $('result').hidden = true;
  $('image').removeAttribute('src');
  $('overlay').replaceChildren();
  $('regions').replaceChildren();
  $('summary').textContent = '';
  $('name').textContent = '';
}

async function show(entry) {
  shown = entry;
  renderList();
  clearResult();
  setError(entry.state === 'failed' ? entry.error : '');
  if (entry.state === 'done') await render(entry);
}

function polygonPoints(points) {
  return points.map(([x, y]) => `${x},${y}`).join(' ');
}

function svgText(cls, content, fontSize) {
  const text = document.createElementNS(SVG, 'text');
  text.setAttribute('class', cls);
  text.setAttribute('font-size', String(fontSize));
  text.setAttribute('stroke-width', String(Math.max(1.5, fontSize / 5)));
  text.textContent = content;
  return text;
}

async function render(entry) {
  const { detection } = entry;
  const img = $('image');
  await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = entry.url; });
  if (shown !== entry) return; // another image was chosen while this one loaded
  const svg = $('overlay');
  svg.setAttribute('viewBox', `0 0 ${detection.width} ${detection.height}`);
  const fontSize = Math.max(12, Math.round(Math.max(detection.width, detection.height) / 60));
  const groups = [];
  const rows = [];
  detection.regions.forEach((region, index) => {
    const group = document.createElementNS(SVG, 'g');
    group.dataset.index = String(index);
    for (const cls of ['halo', 'line']) {
      const polygon = document.createElementNS(SVG, 'polygon');
      polygon.setAttribute('points', polygonPoints(region.points));
      polygon.setAttribute('class', cls);
      group.append(polygon);
    }
    const [x, y] = region.points[0];
    const number = svgText('num', String(index), fontSize); // the index in `regions`, as in `ocrdet detect --overlay` pictures
    number.setAttribute('x', String(x));
    number.setAttribute('y', String(Math.max(fontSize, y - 2)));
    group.append(number);
    if (region.text) {
      const label = svgText('label', region.text, fontSize);
      group.append(label);
    }
    groups.push(group);

    const row = document.createElement('tr');
    row.className = 'region';
    row.dataset.index = String(index);
    const fixed = (value) => (value === undefined ? '' : value.toFixed(2));
    const cells = [String(index), region.text ?? '', fixed(region.score), fixed(region.textScore)];
    ['num', 'text', 'score', 'score'].forEach((cls, i) => {
      const cell = document.createElement('td');
      cell.className = cls;
      cell.textContent = cells[i];
      row.append(cell);
    });
    rows.push(row);
  });
  svg.replaceChildren(...groups);
  // The list reads in reading order, block by block (a line between blocks); numbers stay the region indices.
  const blocks = detection.blocks ?? [{ lines: rows.map((_, i) => i) }];
  const ordered = blocks.flatMap((block) => block.lines.map((index, k) => {
    rows[index].classList.toggle('block-start', k === 0);
    return rows[index];
  }));
  $('regions').replaceChildren(...ordered, ...rows.filter((row) => !ordered.includes(row)));
  $('name').textContent = entry.name;
  const timings = Object.entries(detection.timings || {}).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ');
  $('summary').textContent = `${count(detection.regions.length, 'region')} · ${detection.width}×${detection.height} · ${timings} · round trip ${entry.ms} ms`;
  if (detection.warnings?.length) setError(detection.warnings.join('\n'));
  $('result').hidden = false;
  placeLabels(detection);
}

const overlaps = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

const toRect = (b) => ({ x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height });

/**
 * "Text on image": each label goes just above its region (after the region's number), else just below, at the
 * region's own text height (never under MIN_LABEL_PX on screen); a spot that covers no other region is
 * preferred. A label that would cover one already placed, or a region number, is not drawn; it shows while
 * its region or row is pointed at.
 */
function placeLabels(detection) {
  const stage = document.querySelector('.stage');
  const groups = [...$('overlay').querySelectorAll('g')];
  const scale = $('image').clientWidth / detection.width || 1; // screen pixels per image pixel
  const numberOf = new Map(groups.map((g) => [g, g.querySelector('text.num').getBBox()]));
  // The region numbers stay readable: labels go around them too.
  const placed = [...numberOf.values()].filter((b) => b.width > 0).map(toRect);
  const regions = detection.regions.map((r) => ({ x1: r.box[0], y1: r.box[1], x2: r.box[2], y2: r.box[3] }));
  stage.classList.add('measuring');
  for (const group of groups) {
    const label = group.querySelector('text.label');
    if (!label) continue;
    const own = Number(group.dataset.index);
    const [x1, y1, x2, y2] = detection.regions[own].box;
    const size = Math.max(MIN_LABEL_PX / scale, Math.min(Number(label.getAttribute('font-size')), 0.8 * Math.min(x2 - x1, y2 - y1)));
    label.setAttribute('font-size', String(size));
    label.setAttribute('stroke-width', String(Math.max(1.5 / scale, size / 6)));
    label.setAttribute('x', '0');
    label.setAttribute('y', '0');
    const b = label.getBBox();
    const gap = size * 0.15;
    const number = numberOf.get(group);
    const spot = (x, y) => {
      const left = Math.min(Math.max(0, x), Math.max(0, detection.width - b.width));
      return { x: left, y, rect: { x1: left + b.x, y1: y + b.y, x2: left + b.x + b.width, y2: y + b.y + b.height } };
    };
    const above = y1 - gap - (b.y + b.height);
    const below = y2 + gap - b.y;
    const spots = [spot(number.width > 0 ? number.x + number.width + gap : x1, above), spot(x1, below), spot(x1, above)].filter(
      (s) => s.rect.y1 >= 0 && s.rect.y2 <= detection.height,
    );
    const clear = (s) => !placed.some((r) => overlaps(r, s.rect));
    const coversNoRegion = (s) => !regions.some((r, i) => i !== own && overlaps(r, s.rect));
    const free = spots.find((s) => clear(s) && coversNoRegion(s)) ?? spots.find(clear);
    const chosen = free ?? spots[0] ?? spot(x1, below);
    label.setAttribute('x', String(chosen.x));
    label.setAttribute('y', String(chosen.y));
    label.classList.toggle('unplaced', !free);
    if (free) placed.push(free.rect);
  }
  stage.classList.remove('measuring');
}

function highlight(index, on) {
  document.querySelectorAll(`[data-index="${index}"]`).forEach((el) => el.classList.toggle('active', on));
}

for (const id of ['regions', 'overlay']) {
  $(id).addEventListener('mouseover', (event) => {
    const target = event.target.closest('[data-index]');
    if (target) highlight(target.dataset.index, true);
  });
  $(id).addEventListener('mouseout', (event) => {
    const target = event.target.closest('[data-index]');
    if (target) highlight(target.dataset.index, false);
  });
}

$('files').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-entry]');
  if (button) show(entries[Number(button.dataset.entry)]);
});
$('show-numbers').addEventListener('change', (e) => document.querySelector('.stage').classList.toggle('hide-numbers', !e.target.checked));
$('show-text').addEventListener('change', (e) => document.querySelector('.stage').classList.toggle('show-text', e.target.checked));
$('download').addEventListener('click', () => {
  const detection = shown?.detection;
  if (!detection) return;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([JSON.stringify(detection, null, 2)], { type: 'application/json' }));
  link.download = `${(detection.image || 'detection').replace(/\.[^.]+$/, '')}.json`;
  link.click();
});

const drop = $('drop');
drop.addEventListener('click', (event) => { if (event.target === drop || event.target.tagName === 'P') $('file').click(); });
drop.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') $('file').click(); });
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  addFiles([...(event.dataTransfer?.files || [])]);
});
$('file').addEventListener('change', (event) => {
  addFiles([...(event.target.files || [])]);
  event.target.value = ''; // choosing the same files again sends them again
});
document.addEventListener('paste', (event) => {
  const item = [...(event.clipboardData?.items || [])].find((i) => i.type.startsWith('image/'));
  const file = item?.getAsFile();
  if (file) addFiles([file]);
});
showEngine();
