/**
 * The report page's script, inlined in index.html after the data (`IMAGES`, one record per image, and
 * `REPORT`, the summary: see data.ts). Plain ES2017 for any current browser, no library, nothing fetched:
 * it builds the tables, the per-image list with its filters and sorting, and the pictures (SVG polygons over
 * each image's small copy, ./client-pictures.ts) from the embedded data. Kept free of template literals so it can
 * live in one.
 */
import { PICTURES_SCRIPT } from './client-pictures.js';

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var R = REPORT, D = IMAGES;
  var runs = R.runs.map(function (r) { return r.name; });
  var state = { t: 0, a: 0, b: runs.length > 1 ? 1 : 0, show: 'all', worst: 20, worstRun: 0, query: '',
    sort: { key: 'h0', desc: false }, pageSize: 20, shown: 20, open: {} };
  D.sort(function (x, y) { return x.i - y.i; });
  var $ = function (id) { return document.getElementById(id); };
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'html') node.innerHTML = attrs[k];
      else if (k.slice(0, 2) === 'on') node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  var SVG = 'http://www.w3.org/2000/svg';
  var PICTURE_HEIGHT = 360;
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }
  function f4(x) { return x.toFixed(4); }
  function f3(x) { return x.toFixed(3); }
  function signed(x, digits) { return (x > 0 ? '+' : x < 0 ? '\u2212' : '') + Math.abs(x).toFixed(digits); }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }
  function iouLabel(t) { return 'IoU > ' + R.iou[t]; }
  /** The highest hmean of a row of runs, when they are not all equal. */
  function isBest(value, row) {
    var values = row.map(function (x) { return x.hmean; });
    var best = Math.max.apply(null, values);
    return value === best && values.some(function (v) { return v < best; });
  }

  // ---- header ----
  function renderHeader() {
    $('title').textContent = runs.length > 1 ? runs.join(' vs ') : runs[0];
    var meta = $('meta');
    meta.innerHTML = '';
    meta.appendChild(el('div', {}, ['Ground truth ', el('code', { text: R.gt }), ' \u00b7 ' + plural(R.images, 'image', 'images') + ' \u00b7 ' +
      plural(R.gtCare, 'care region', 'care regions') + ' (' + R.gtIgnored + " don't care" + (R.gtInvalid ? ', ' + R.gtInvalid + ' invalid' : '') + ')']));
    meta.appendChild(el('div', {}, ['ICDAR 2015 hmean-IoU as PaddleOCR computes it: a match needs IoU above the threshold, ' +
      (R.match === 'greedy' ? 'greedy matching (PaddleOCR)' : 'optimal matching (maximum bipartite)') +
      "; a detection more than " + R.areaPrecision + " inside a don't-care region is ignored \u00b7 created " + R.created]));
    var tabs = $('iou-tabs');
    tabs.innerHTML = '';
    if (R.iou.length > 1) {
      R.iou.forEach(function (iou, t) {
        tabs.appendChild(el('button', { 'class': t === state.t ? 'on' : '', type: 'button', onclick: function () { state.t = t; renderAll(); } }, [iouLabel(t)]));
      });
    }
  }

  // ---- summary ----
  function renderSummary() {
    var scores = R.scores[state.t];
    var body = runs.map(function (name, r) {
      var s = scores[r];
      var notes = [];
      if (s.imagesWithoutPrediction) notes.push(plural(s.imagesWithoutPrediction, 'image', 'images') + ' without prediction');
      if (s.predictionErrors) notes.push(plural(s.predictionErrors, 'detector error', 'detector errors'));
      if (s.unknownImages) notes.push(plural(s.unknownImages, 'prediction', 'predictions') + ' for images not in the ground truth');
      if (s.problems) notes.push(plural(s.problems, 'problem', 'problems'));
      return el('tr', {}, [
        el('td', { 'class': 'name', title: R.runs[r].pred, text: name }),
        el('td', { text: f4(s.precision) }), el('td', { text: f4(s.recall) }),
        el('td', { 'class': isBest(s.hmean, scores) ? 'best' : '', text: f4(s.hmean) }),
        el('td', { text: String(s.matched) }), el('td', { text: String(s.gtCare) }), el('td', { text: String(s.detCare) }),
        el('td', { text: String(s.gtCare - s.matched) }), el('td', { text: String(s.detCare - s.matched) }),
        el('td', { 'class': 'text num-sub', text: notes.join(' \u00b7 ') }),
      ]);
    });
    var table = el('table', { id: 'summary-table' }, [
      el('thead', {}, [el('tr', {}, ['run', 'precision', 'recall', 'hmean', 'matched', 'gt care', 'det care', 'misses', 'false alarms', 'notes'].map(function (h, i) {
        return el('th', { 'class': i === 9 ? 'text' : '', text: h });
      }))]),
      el('tbody', {}, body),
    ]);
    var box = $('summary-body');
    box.innerHTML = '';
    box.appendChild(el('div', { 'class': 'table-wrap' }, [table]));
    $('summary-note').textContent = iouLabel(state.t) + '. Counts are summed over all images, then scored (images are never averaged). ' +
      'Misses = gt care \u2212 matched; false alarms = det care \u2212 matched (every one is in errors.jsonl).';
  }

  // ---- pairs ----
  function verdict(p) {
    if (p.lo > 0) return { cls: 'better', text: runs[p.a] + ' better' };
    if (p.hi < 0) return { cls: 'worse', text: runs[p.b] + ' better' };
    return { cls: 'none', text: 'no clear difference' };
  }
  function forest(p, span) {
    var w = 180, h = 22, mid = w / 2, scale = (w / 2 - 8) / span;
    var x = function (v) { return mid + v * scale; };
    var g = svg('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, 'class': 'forest' });
    var colour = p.lo > 0 ? 'var(--better)' : p.hi < 0 ? 'var(--worse)' : '#7a8594';
    g.appendChild(svg('line', { x1: mid, x2: mid, y1: 2, y2: h - 2, stroke: '#c5ccd5', 'stroke-width': 1 }));
    g.appendChild(svg('line', { x1: x(p.lo), x2: Math.max(x(p.hi), x(p.lo) + 1), y1: h / 2, y2: h / 2, stroke: colour, 'stroke-width': 3, 'stroke-linecap': 'round' }));
    g.appendChild(svg('circle', { cx: x(p.diff), cy: h / 2, r: 4, fill: colour }));
    return g;
  }
  function renderPairs() {
    var section = $('pairs');
    var pairs = R.pairs.filter(function (p) { return p.t === state.t; });
    section.style.display = pairs.length ? '' : 'none';
    if (!pairs.length) return;
    var span = Math.max(0.01, Math.max.apply(null, pairs.map(function (p) { return Math.max(Math.abs(p.lo), Math.abs(p.hi), Math.abs(p.diff)); })));
    var rows = pairs.map(function (p) {
      var v = verdict(p);
      var hA = R.scores[state.t][p.a].hmean, hB = R.scores[state.t][p.b].hmean;
      return el('tr', {}, [
        el('td', { 'class': 'name', text: runs[p.a] }), el('td', { 'class': 'name text', text: runs[p.b] }),
        el('td', { text: f4(hA) }), el('td', { text: f4(hB) }),
        el('td', { 'class': p.diff > 0 ? 'diff-pos' : p.diff < 0 ? 'diff-neg' : '', text: signed(p.diff, 4) }),
        el('td', { text: '[' + signed(p.lo, 4) + ', ' + signed(p.hi, 4) + ']' }),
        el('td', {}, [forest(p, span)]),
        el('td', { 'class': 'text' }, [el('span', { 'class': 'verdict ' + v.cls, text: v.text }),
          el('span', { 'class': 'num-sub', text: p.lo === 0 && p.hi === 0 ? ' \u00b7 the same hmean in every resample' : ' \u00b7 ' + runs[p.a] + ' ahead in ' + Math.round(p.share * 100) + ' % of resamples' })]),
      ]);
    });
    var box = $('pairs-body');
    box.innerHTML = '';
    box.appendChild(el('table', { id: 'pairs-table' }, [
      el('thead', {}, [el('tr', {}, ['A', 'B', 'hmean A', 'hmean B', 'A \u2212 B', '95 % interval', '', 'verdict'].map(function (h, i) {
        return el('th', { 'class': i === 1 || i === 7 ? 'text' : '', text: h });
      }))]),
      el('tbody', {}, rows),
    ]));
    var b = R.bootstrap;
    $('pairs-note').textContent = 'hmean(A) \u2212 hmean(B) on the whole set, ' + iouLabel(state.t) + ', with a 95 % paired bootstrap interval: the ' +
      R.images + ' images drawn with replacement ' + b.resamples.toLocaleString('en') + ' times (seed ' + b.seed + '), every run scored on the same draw. ' +
      'An interval that does not contain 0 is a difference beyond the luck of which images were tested.';
  }

  // ---- sources ----
  function renderSources() {
    var section = $('sources');
    section.style.display = R.sources.length > 1 ? '' : 'none';
    if (R.sources.length <= 1) return;
    var head = ['source', 'images'].concat(runs.map(function (n) { return n + ' hmean'; }), runs.map(function (n) { return n + ' P / R'; }));
    var rows = R.sources.map(function (src) {
      var s = src.scores[state.t];
      return el('tr', {}, [el('td', { 'class': 'name', text: src.name }), el('td', { text: String(src.images) })]
        .concat(s.map(function (x) { return el('td', { 'class': isBest(x.hmean, s) ? 'best' : '', text: f4(x.hmean) }); }))
        .concat(s.map(function (x) { return el('td', { 'class': 'num-sub', text: f3(x.precision) + ' / ' + f3(x.recall) }); })));
    });
    var box = $('sources-body');
    box.innerHTML = '';
    box.appendChild(el('table', { id: 'sources-table' }, [el('thead', {}, [el('tr', {}, head.map(function (h) { return el('th', { text: h }); }))]), el('tbody', {}, rows)]));
  }

  // ---- images: filter, sort, list ----
  function hm(img, r) { return img.r[r].h[state.t]; }
  function misses(img, r) { return img.r[r].x[state.t][0].length; }
  function falses(img, r) { return img.r[r].x[state.t][1].length; }
  function errorsOf(img, r) { return misses(img, r) + falses(img, r); }
  function diff(img) { return hm(img, state.a) - hm(img, state.b); }
  function sortValue(img, key) {
    if (key === 'i') return img.i;
    if (key === 'name') return img.n;
    if (key === 'source') return img.s || '';
    if (key === 'gc') return img.gc;
    if (key === 'diff') return diff(img);
    var r = Number(key.slice(1));
    if (key[0] === 'h') return hm(img, r);
    if (key[0] === 'm') return misses(img, r);
    return falses(img, r);
  }
  function byName(x, y) { return x.n < y.n ? -1 : x.n > y.n ? 1 : x.i - y.i; }
  function selected() {
    var list = D;
    if (state.query) {
      var q = state.query.toLowerCase();
      list = list.filter(function (img) { return img.n.toLowerCase().indexOf(q) >= 0 || (img.s || '').toLowerCase().indexOf(q) >= 0; });
    }
    if (state.show === 'worst') {
      var r = state.worstRun;
      list = list.slice().sort(function (x, y) { return hm(x, r) - hm(y, r) || errorsOf(y, r) - errorsOf(x, r) || byName(x, y); }).slice(0, Math.max(0, state.worst));
    } else if (state.show === 'a-beats-b') {
      list = list.filter(function (img) { return diff(img) > 0; });
    } else if (state.show === 'b-beats-a') {
      list = list.filter(function (img) { return diff(img) < 0; });
    }
    var key = state.sort.key, sign = state.sort.desc ? -1 : 1;
    return list.slice().sort(function (x, y) {
      var u = sortValue(x, key), v = sortValue(y, key);
      var c = typeof u === 'string' ? (u < v ? -1 : u > v ? 1 : 0) : u - v;
      return sign * c || byName(x, y);
    });
  }
  function runOptions(value) {
    return runs.map(function (name, r) {
      var o = el('option', { value: String(r), text: name });
      if (r === value) o.selected = true;
      return o;
    });
  }
  function renderControls() {
    var box = $('image-controls');
    box.innerHTML = '';
    var onChange = function () { state.shown = state.pageSize; renderImages(); };
    if (runs.length > 1) {
      box.appendChild(el('label', {}, ['Compare', el('select', { id: 'pick-a', onchange: function (e) { state.a = Number(e.target.value); onChange(); } }, runOptions(state.a)),
        'with', el('select', { id: 'pick-b', onchange: function (e) { state.b = Number(e.target.value); onChange(); } }, runOptions(state.b))]));
    }
    var show = el('select', { id: 'show', onchange: function (e) { state.show = e.target.value; onChange(); } }, [
      el('option', { value: 'all', text: 'all images' }),
      el('option', { value: 'worst', text: 'the worst N' }),
    ].concat(runs.length > 1 ? [el('option', { value: 'a-beats-b', text: 'where A beats B' }), el('option', { value: 'b-beats-a', text: 'where B beats A' })] : []));
    show.value = state.show;
    box.appendChild(el('label', {}, ['Show', show]));
    var worst = el('span', { id: 'worst-options' }, [
      el('label', {}, ['N', el('input', { id: 'worst-n', type: 'number', min: '1', value: String(state.worst), oninput: function (e) { state.worst = Number(e.target.value) || 0; onChange(); } })]),
      ' ',
      el('label', {}, ['by', el('select', { id: 'worst-run', onchange: function (e) { state.worstRun = Number(e.target.value); onChange(); } }, runOptions(state.worstRun))]),
    ]);
    worst.style.display = state.show === 'worst' ? '' : 'none';
    box.appendChild(worst);
    box.appendChild(el('label', {}, ['Find', el('input', { id: 'query', type: 'search', placeholder: 'image or source', value: state.query, oninput: function (e) { state.query = e.target.value; onChange(); } })]));
    box.appendChild(el('span', { id: 'count', 'class': 'num-sub' }));
  }
  function headerCell(label, key, title) {
    var cls = 'sortable' + (state.sort.key === key ? ' sorted' + (state.sort.desc ? ' desc' : '') : '') + (key === 'name' || key === 'source' ? ' text' : '');
    return el('th', { 'class': cls, 'data-key': key, title: title || ('sort by ' + label), onclick: function () {
      if (state.sort.key === key) state.sort.desc = !state.sort.desc;
      else state.sort = { key: key, desc: key === 'diff' };
      renderImages();
    } }, [label]);
  }
  function renderImages() {
    $('worst-options').style.display = state.show === 'worst' ? '' : 'none';
    var list = selected();
    var a = runs[state.a], b = runs[state.b];
    var counts = '';
    if (runs.length > 1) {
      var wins = 0, losses = 0;
      D.forEach(function (img) { var d = diff(img); if (d > 0) wins++; else if (d < 0) losses++; });
      counts = ' \u00b7 per image, ' + a + ' beats ' + b + ' on ' + wins + ', ' + b + ' beats ' + a + ' on ' + losses + ', tie on ' + (D.length - wins - losses);
    }
    $('count').textContent = 'showing ' + Math.min(list.length, state.shown) + ' of ' + list.length + (list.length !== D.length ? ' (' + D.length + ' in all)' : '') + counts;
    var top = [el('th', { colspan: '4', 'class': 'text' })];
    var head = [headerCell('#', 'i'), headerCell('image', 'name'), headerCell('source', 'source'), headerCell('gt care', 'gc')];
    runs.forEach(function (name, r) {
      top.push(el('th', { colspan: '3', 'class': 'run-head', text: name }));
      head.push(headerCell('hmean', 'h' + r, 'sort by ' + name + "'s hmean on the image"));
      head.push(headerCell('miss', 'm' + r, 'sort by ' + name + "'s misses"));
      head.push(headerCell('false', 'f' + r, 'sort by ' + name + "'s false alarms"));
    });
    if (runs.length > 1) {
      top.push(el('th', { 'class': 'run-head', text: a + ' \u2212 ' + b }));
      head.push(headerCell('hmean', 'diff', 'sort by the difference of hmean on the image'));
    }
    var body = el('tbody');
    list.slice(0, state.shown).forEach(function (img) {
      var cells = [el('td', { text: String(img.i + 1) }), el('td', { 'class': 'image text', title: img.n, text: img.n }), el('td', { 'class': 'text', text: img.s || '' }), el('td', { text: String(img.gc) })];
      runs.forEach(function (name, r) {
        var run = img.r[r];
        cells.push(el('td', { title: run.e ? 'detector error: ' + run.e : run.p === 0 ? 'no prediction' : '', text: (run.e || run.p === 0 ? '\u26a0 ' : '') + f3(hm(img, r)) }));
        cells.push(el('td', { text: String(misses(img, r)) }));
        cells.push(el('td', { text: String(falses(img, r)) }));
      });
      if (runs.length > 1) {
        var d = diff(img);
        cells.push(el('td', { 'class': d > 0 ? 'diff-pos' : d < 0 ? 'diff-neg' : '', text: signed(d, 3) }));
      }
      var row = el('tr', { 'class': 'row', 'data-slot': String(img.i) }, cells);
      body.appendChild(row);
      if (state.open[img.i] !== false) body.appendChild(picturesRow(img, cells.length));
      row.addEventListener('click', function () { state.open[img.i] = state.open[img.i] === false; renderImages(); });
    });
    var table = el('table', { id: 'image-table' }, [el('thead', {}, [el('tr', { 'class': 'top' }, top), el('tr', {}, head)]), body]);
    var box = $('image-list');
    box.innerHTML = '';
    if (!list.length) box.appendChild(el('div', { 'class': 'empty', text: 'No image matches.' }));
    else box.appendChild(el('div', { 'class': 'table-wrap' }, [table]));
    if (list.length > state.shown) {
      box.appendChild(el('div', { 'class': 'more' }, [el('button', { 'class': 'link', type: 'button', id: 'show-more', onclick: function () { state.shown += state.pageSize; renderImages(); } },
        ['show ' + Math.min(state.pageSize, list.length - state.shown) + ' more'])]));
    }
  }

${PICTURES_SCRIPT}
  function renderAll() {
    renderHeader();
    renderSummary();
    renderPairs();
    renderSources();
    renderControls();
    renderImages();
  }
  LEGEND.forEach(function (item) { if (!item[2]) document.body.classList.add('hide-' + item[0]); });
  renderLegend();
  renderAll();
  $('lightbox').addEventListener('click', closeLightbox);
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeLightbox(); });
  document.body.setAttribute('data-ready', '1');
})();
`;
