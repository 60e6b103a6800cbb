/**
 * The report's stylesheet, inlined in index.html (no file to lose, nothing fetched). Colours of the regions
 * follow the Okabe–Ito palette (distinct for the common colour-vision deficiencies), brightened for photos,
 * each drawn over a dark halo so it reads on light and dark images alike.
 */
export const REGION_COLORS = Object.freeze({
  found: '#00c292', // bluish green: a care ground-truth region some detection matched
  miss: '#ff6a00', // vermillion: a care ground-truth region no detection matched
  false: '#56b4e9', // sky blue: a care detection that matched nothing
  matched: '#f0e442', // yellow: a detection that matched (off by default)
  ignore: '#a0a0a0', // grey, dashed: don't care (ground truth) and detections lying on it
});

export const REPORT_CSS = `
:root { --ink: #1d232b; --muted: #5d6876; --line: #e3e7ec; --bg: #f6f7f9; --card: #fff; --accent: #2457c5;
  --found: ${REGION_COLORS.found}; --miss: ${REGION_COLORS.miss}; --false: ${REGION_COLORS.false};
  --matched: ${REGION_COLORS.matched}; --ignore: ${REGION_COLORS.ignore}; --better: #1a7f4b; --worse: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;
  color: var(--ink); background: var(--bg); }
header { background: #1d232b; color: #fff; padding: 20px 32px 18px; }
header .kicker { font-size: 12px; letter-spacing: .08em; text-transform: uppercase; color: #9fb0c6; }
header h1 { margin: 4px 0 6px; font-size: 24px; font-weight: 600; }
header .meta { color: #c9d3df; font-size: 13px; }
header .meta code { color: #fff; background: rgba(255,255,255,.08); padding: 1px 5px; border-radius: 4px; }
main { max-width: 1320px; margin: 0 auto; padding: 8px 24px 64px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; margin: 18px 0; padding: 16px 20px 18px; }
h2 { font-size: 17px; margin: 0 0 4px; }
.note { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 9px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; background: #fafbfc; }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
td.name { font-weight: 600; }
td.best { font-weight: 700; color: var(--better); }
#image-table tr.top th { border-bottom: 0; padding-bottom: 0; }
#image-table th.run-head { text-align: center; color: var(--ink); border-bottom: 2px solid var(--line); }
.table-wrap { overflow-x: auto; }
tr.group td { background: #fafbfc; font-weight: 600; color: var(--muted); text-align: left; }
.num-sub { color: var(--muted); font-size: 12px; }
.verdict { font-weight: 600; }
.verdict.better { color: var(--better); } .verdict.worse { color: var(--worse); } .verdict.none { color: var(--muted); }
.tabs { display: inline-flex; gap: 4px; margin-left: 12px; vertical-align: middle; }
.tabs button { border: 1px solid #4a5564; background: transparent; color: #dfe6ee; border-radius: 14px; padding: 2px 12px; cursor: pointer; font: inherit; font-size: 13px; }
.tabs button.on { background: #fff; color: var(--ink); border-color: #fff; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; margin: 6px 0 12px; }
.controls label { display: inline-flex; align-items: center; gap: 6px; }
.controls select, .controls input[type=number], .controls input[type=search] { font: inherit; padding: 3px 6px; border: 1px solid #c5ccd5; border-radius: 6px; background: #fff; }
.controls input[type=number] { width: 64px; }
.sticky { position: sticky; top: 0; z-index: 5; background: var(--card); padding-top: 6px; border-bottom: 1px solid var(--line); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; padding: 6px 0 8px; font-size: 13px; }
.legend label { display: inline-flex; align-items: center; gap: 6px; cursor: pointer; }
.swatch { width: 26px; height: 12px; border-radius: 2px; border: 3px solid; background: rgba(0,0,0,.55); }
.swatch.found { border-color: var(--found); } .swatch.miss { border-color: var(--miss); } .swatch.false { border-color: var(--false); }
.swatch.matched { border-color: var(--matched); } .swatch.ignore { border-color: var(--ignore); border-style: dashed; }
#image-table th.sortable { cursor: pointer; user-select: none; }
#image-table th.sortable:hover { color: var(--ink); }
#image-table th.sorted::after { content: " ▲"; } #image-table th.sorted.desc::after { content: " ▼"; }
#image-table tbody tr.row { cursor: pointer; }
#image-table tbody tr.row:hover td { background: #f3f6fb; }
#image-table { font-size: 13px; }
#image-table th, #image-table td { padding: 5px 7px; }
#image-table td.image { max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
.diff-pos { color: var(--better); } .diff-neg { color: var(--worse); }
tr.pictures > td { padding: 4px 0 18px; background: #fbfcfd; text-align: left; white-space: normal; }
.figures { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); }
figure { margin: 0; background: #2b3037; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
figcaption { padding: 6px 10px; font-size: 13px; border-top: 1px solid var(--line); background: #fff; }
figcaption b { margin-right: 6px; }
.picture { position: relative; background: #2b3037; cursor: zoom-in; line-height: 0; margin: 0 auto; }
.picture img, .picture svg { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
.picture.missing::before { content: attr(data-missing); position: absolute; left: 8px; top: 8px; color: #cfd6df; font-size: 12px; line-height: 1.3; }
svg polygon { fill: none; stroke-linejoin: round; vector-effect: non-scaling-stroke; }
svg polygon.halo { stroke: #000; stroke-opacity: .55; stroke-width: 5; }
svg polygon.found { stroke: var(--found); stroke-width: 2; }
svg polygon.miss { stroke: var(--miss); stroke-width: 3; }
svg polygon.false { stroke: var(--false); stroke-width: 3; }
svg polygon.matched { stroke: var(--matched); stroke-width: 1.5; }
svg polygon.ignore { stroke: var(--ignore); stroke-width: 2; stroke-dasharray: 5 4; }
svg polygon.hit { stroke: transparent; stroke-width: 10; pointer-events: stroke; }
.hide-found g.found, .hide-miss g.miss, .hide-false g.false, .hide-matched g.matched, .hide-ignore g.ignore { display: none; }
.more { margin-top: 10px; }
button.link { font: inherit; color: var(--accent); background: none; border: 1px solid #c5d3ef; border-radius: 6px; padding: 4px 12px; cursor: pointer; }
.forest { vertical-align: middle; }
.empty { color: var(--muted); padding: 12px 0; }
#lightbox { position: fixed; inset: 0; background: rgba(12,14,18,.88); display: none; align-items: center; justify-content: center; z-index: 20; cursor: zoom-out; padding: 24px; }
#lightbox.open { display: flex; }
#lightbox .picture { cursor: zoom-out; }
#lightbox .caption { position: fixed; left: 24px; bottom: 12px; color: #e6ebf1; font-size: 13px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 8px 0 24px; }
`;
