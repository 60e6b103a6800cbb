/**
 * The report script's pictures and legend: each image's small copy with ground truth, misses and false alarms
 * drawn as SVG polygons, the lightbox, and the legend that shows or hides each layer. A part of the one script
 * of ./client.ts (spliced into its function, whose helpers `el`, `svg`, `R` and `state` it uses).
 */
export const PICTURES_SCRIPT = String.raw`
  // ---- pictures ----
  function size(img) {
    var p = R.pictures[img.i];
    if (p) return { w: p[0], h: p[1], file: R.pictureDir + '/' + String(img.i).padStart(5, '0') + '.jpg' };
    var w = img.w, h = img.h;
    if (!w || !h) {
      img.g.concat.apply(img.g, img.r.map(function (r) { return r.d; })).forEach(function (poly) {
        for (var k = 0; k < poly.length; k += 2) { w = Math.max(w, poly[k] + 10); h = Math.max(h, poly[k + 1] + 10); }
      });
    }
    return { w: Math.max(w, 1), h: Math.max(h, 1), file: null };
  }
  function polygon(group, flat, cls, tip) {
    if (flat.length < 4) return;
    var pts = [];
    for (var k = 0; k < flat.length; k += 2) pts.push(flat[k] + ',' + flat[k + 1]);
    var g = svg('g', { 'class': cls });
    var p = pts.join(' ');
    g.appendChild(svg('polygon', { points: p, 'class': 'halo' }));
    g.appendChild(svg('polygon', { points: p, 'class': cls }));
    var hit = svg('polygon', { points: p, 'class': 'hit' });
    var title = svg('title', {});
    title.textContent = tip;
    hit.appendChild(title);
    g.appendChild(hit);
    group.appendChild(g);
  }
  function quoted(text) { return text ? ' \u201c' + text + '\u201d' : ''; }
  function picture(img, r) {
    var s = size(img), run = img.r[r];
    var box = el('div', { 'class': 'picture' + (s.file ? '' : ' missing'), 'data-run': runs[r],
      style: 'aspect-ratio: ' + s.w + ' / ' + s.h + '; width: min(100%, ' + Math.round(PICTURE_HEIGHT * s.w / s.h) + 'px)' });
    if (s.file) box.appendChild(el('img', { src: s.file, alt: img.n + ' (' + runs[r] + ')', loading: 'lazy', width: String(s.w), height: String(s.h) }));
    else box.setAttribute('data-missing', 'picture not available');
    var canvas = svg('svg', { viewBox: '0 0 ' + s.w + ' ' + s.h, preserveAspectRatio: 'none' });
    var missed = {}, falseAlarm = {};
    run.x[state.t][0].forEach(function (i) { missed[i] = true; });
    run.x[state.t][1].forEach(function (i) { falseAlarm[i] = true; });
    var layers = { ignore: svg('g', {}), found: svg('g', {}), matched: svg('g', {}), false: svg('g', {}), miss: svg('g', {}) };
    img.g.forEach(function (poly, i) {
      var kind = img.gk[i], text = img.gt ? img.gt[i] : '';
      if (kind === 'i') polygon(layers.ignore, poly, 'ignore', "don't care" + quoted(text));
      else if (kind === 'c' && missed[i]) polygon(layers.miss, poly, 'miss', 'miss' + quoted(text) + ' \u00b7 best IoU ' + f3(run.gb[i] / 1000));
      else if (kind === 'c') polygon(layers.found, poly, 'found', 'ground truth, found' + quoted(text));
    });
    run.d.forEach(function (poly, i) {
      var kind = run.dk[i], text = run.dt ? run.dt[i] : '';
      if (kind === 'i') polygon(layers.ignore, poly, 'ignore', "detection on don't care" + quoted(text));
      else if (kind === 'c' && falseAlarm[i]) polygon(layers.false, poly, 'false', 'false alarm' + quoted(text) + ' \u00b7 best IoU ' + f3(run.db[i] / 1000));
      else if (kind === 'c') polygon(layers.matched, poly, 'matched', 'detection, matched' + quoted(text));
    });
    ['ignore', 'found', 'matched', 'false', 'miss'].forEach(function (k) { canvas.appendChild(layers[k]); });
    box.appendChild(canvas);
    box.addEventListener('click', function (e) { e.stopPropagation(); openLightbox(box, img, r); });
    return box;
  }
  function caption(img, r) {
    var run = img.r[r];
    var parts = ['hmean ' + f3(hm(img, r)), plural(misses(img, r), 'miss', 'misses'), plural(falses(img, r), 'false alarm', 'false alarms')];
    if (run.p === 0) parts.push('no prediction');
    if (run.e) parts.push('detector error: ' + run.e);
    return el('figcaption', {}, [el('b', { text: runs[r] }), parts.join(' \u00b7 ')]);
  }
  function picturesRow(img, span) {
    var figures = el('div', { 'class': 'figures' }, runs.map(function (name, r) { return el('figure', {}, [picture(img, r), caption(img, r)]); }));
    return el('tr', { 'class': 'pictures', 'data-slot': String(img.i) }, [el('td', { colspan: String(span) }, [figures])]);
  }
  function openLightbox(box, img, r) {
    var lb = $('lightbox'), s = size(img);
    lb.innerHTML = '';
    var big = box.cloneNode(true);
    big.style.width = 'min(96vw, ' + (90 * s.w / s.h).toFixed(2) + 'vh)';
    lb.appendChild(big);
    lb.appendChild(el('div', { 'class': 'caption', text: img.n + ' \u00b7 ' + runs[r] + ' \u00b7 ' + iouLabel(state.t) + ' \u00b7 click or Esc to close' }));
    lb.className = 'open';
  }
  function closeLightbox() { $('lightbox').className = ''; }

  // ---- legend ----
  var LEGEND = [
    ['found', 'ground truth, found', true], ['miss', 'miss', true], ['false', 'false alarm', true],
    ['matched', 'detection, matched', false], ['ignore', "don't care", true],
  ];
  function renderLegend() {
    var box = $('legend');
    box.innerHTML = '';
    LEGEND.forEach(function (item) {
      var input = el('input', { type: 'checkbox', 'data-layer': item[0], onchange: function (e) { document.body.classList.toggle('hide-' + item[0], !e.target.checked); } });
      input.checked = !document.body.classList.contains('hide-' + item[0]);
      box.appendChild(el('label', { 'class': 'layer-' + item[0] }, [input, el('span', { 'class': 'swatch ' + item[0] }), item[1]]));
    });
    box.appendChild(el('span', { 'class': 'num-sub', text: 'hover an outline for its text and best IoU \u00b7 click a row to fold its pictures \u00b7 click a picture to enlarge' }));
  }

`;
