// The ocrdet web page: send an image to POST /v1/detect, draw the regions it returns over the image.
// Coordinates in a Detection are pixels of the image as a person sees it (EXIF orientation applied), which
// is also how browsers display <img>, so the SVG's viewBox is simply the Detection's width × height.
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
let current = null;

async function showEngine() {
  try {
    const health = await (await fetch('healthz')).json();
    const state = health.status === 'ok' ? '' : ` · ${health.status}: ${health.reason ?? 'unknown reason'}`;
    $('engine').textContent = `${health.backend} · ${health.model} · v${health.version}${state}`;
  } catch {
    $('engine').textContent = 'server not reachable';
  }
}

function setError(message) {
  $('error').hidden = !message;
  $('error').textContent = message || '';
}

async function detect(file) {
  setError('');
  $('status').textContent = `detecting text in ${file.name || 'the pasted image'}…`;
  const started = performance.now();
  const response = await fetch(`v1/detect?name=${encodeURIComponent(file.name || 'pasted image')}`, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  const body = await response.json().catch(() => ({ code: 'OCRDET_SERVER', message: `HTTP ${response.status}` }));
  if (!response.ok) {
    $('status').textContent = '';
    setError(`${body.code}: ${body.message}`);
    return;
  }
  current = body;
  const ms = Math.round(performance.now() - started);
  $('status').textContent = '';
  await render(file, body, ms);
}

function polygonPoints(points) {
  return points.map(([x, y]) => `${x},${y}`).join(' ');
}

async function render(file, detection, ms) {
  const img = $('image');
  const url = URL.createObjectURL(file);
  await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = url; });
  const svg = $('overlay');
  svg.setAttribute('viewBox', `0 0 ${detection.width} ${detection.height}`);
  svg.replaceChildren();
  const fontSize = Math.max(12, Math.round(Math.max(detection.width, detection.height) / 60));
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
    const number = document.createElementNS(SVG, 'text');
    number.setAttribute('class', 'num');
    number.setAttribute('x', String(x));
    number.setAttribute('y', String(Math.max(fontSize, y - 2)));
    number.setAttribute('font-size', String(fontSize));
    number.setAttribute('stroke-width', String(Math.max(2, fontSize / 5)));
    number.textContent = String(index); // the index in `regions`, as in `ocrdet detect --overlay` pictures
    group.append(number);
    if (region.text) {
      const label = document.createElementNS(SVG, 'text');
      label.setAttribute('class', 'label');
      label.setAttribute('x', String(x));
      label.setAttribute('y', String(region.box[3] + fontSize));
      label.setAttribute('font-size', String(fontSize));
      label.setAttribute('stroke-width', String(Math.max(2, fontSize / 5)));
      label.textContent = region.text;
      group.append(label);
    }
    svg.append(group);

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
  $('regions').replaceChildren(...rows);
  const timings = Object.entries(detection.timings || {}).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ');
  $('summary').textContent = `${detection.regions.length} regions · ${detection.width}×${detection.height} · ${timings} · round trip ${ms} ms`;
  if (detection.warnings?.length) setError(detection.warnings.join('\n'));
  $('result').hidden = false;
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

$('show-numbers').addEventListener('change', (e) => document.querySelector('.stage').classList.toggle('hide-numbers', !e.target.checked));
$('show-text').addEventListener('change', (e) => document.querySelector('.stage').classList.toggle('show-text', e.target.checked));
$('download').addEventListener('click', () => {
  if (!current) return;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([JSON.stringify(current, null, 2)], { type: 'application/json' }));
  link.download = `${(current.image || 'detection').replace(/\.[^.]+$/, '')}.json`;
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
  const file = event.dataTransfer?.files?.[0];
  if (file) detect(file).catch((e) => setError(String(e)));
});
$('file').addEventListener('change', (event) => {
  const file = event.target.files?.[0];
  if (file) detect(file).catch((e) => setError(String(e)));
});
document.addEventListener('paste', (event) => {
  const item = [...(event.clipboardData?.items || [])].find((i) => i.type.startsWith('image/'));
  const file = item?.getAsFile();
  if (file) detect(file).catch((e) => setError(String(e)));
});
showEngine();
