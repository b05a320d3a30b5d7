// The sessions worker of the scratch page: every second, the fleet sorted and the rows in view formatted ("ready"),
// then either posted to the page (A: the page draws them) or drawn here on the tiles the page transferred (B: in this
// worker's animation frame; Bnow: at once, in the task that made them).
/* eslint-disable */
importScripts('shared.js');
let mode = 'A', first = 0, rowsInView = 35, n = 0, tiles = [], painter = null, timer = 0;
const now = SHARED.now;
const markEnd = SHARED.afterTask((p) => postMessage({ type: 'drawn', ...p }));
/** Bbitmap: the tiles' canvases here (not transferred); their pictures go to the page as ImageBitmaps. */
let bitmaps = null;
function drawAll(rows, rec) {
  rec.tStart = now();
  let texts = 0;
  for (let k = 0; k < tiles.length; k++) {
    const part = rows.slice(k * SHARED.TILE_ROWS, (k + 1) * SHARED.TILE_ROWS);
    // Bone: the five tiles are bands of one canvas.
    if (mode === 'Bone') tiles[k].ctx.setTransform(1, 0, 0, 1, 0, k * SHARED.TILE_ROWS * SHARED.ROW);
    if (part.length) texts += painter.draw(tiles[k], part);
  }
  rec.texts = texts;
  if (bitmaps) {
    // Bbitmap: copies of the pictures to the page (a copy: the canvases keep theirs, the next update's base), which
    // shows all five in one frame of its own.
    Promise.all(bitmaps.map((c) => createImageBitmap(c))).then((images) =>
      postMessage({ type: 'bitmaps', n: rec.n, tReady: rec.tReady, tStart: rec.tStart, texts, images }, images));
    return;
  }
  markEnd(rec);
}
function tick() {
  const rows = SHARED.tick(Date.now(), first, rowsInView);
  const tReady = now();
  const k = ++n;
  console.timeStamp(`ready ${k}`);
  if (mode === 'A') { postMessage({ type: 'rows', n: k, tReady, rows }); return; }
  const rec = { n: k, tReady };
  if (mode === 'B') requestAnimationFrame(() => drawAll(rows, rec));
  // Bbitmap draws at once, as Bnow.
  else drawAll(rows, rec);
}
onmessage = (e) => {
  const m = e.data;
  if (m.type === 'start') {
    mode = m.mode; first = m.first; rowsInView = m.rows;
    if (m.canvases && mode !== 'Bone') {
      painter = new SHARED.Painter();
      // Bdesync: the contexts ask for low latency (`desynchronized`), drawn at once as Bnow.
      const desynchronized = mode === 'Bdesync';
      tiles = m.canvases.map((c) => painter.place(c, c.getContext('2d', { alpha: false, desynchronized })));
    }
    if (mode === 'Bone') {
      // One transferred canvas for all five tiles (one surface: an update reaches the display in one frame).
      painter = new SHARED.Painter();
      const c = m.canvases[0];
      const ctx = c.getContext('2d', { alpha: false });
      painter.place(c, ctx);
      c.height = 5 * SHARED.TILE_ROWS * SHARED.ROW;
      ctx.fillStyle = 'rgb(255, 255, 255)';
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.font = SHARED.FONT;
      tiles = Array.from({ length: 5 }, () => ({ ctx, drawn: Array.from({ length: SHARED.TILE_ROWS }, () => null) }));
    }
    if (mode === 'Bbitmap') {
      painter = new SHARED.Painter();
      bitmaps = Array.from({ length: 5 }, () => new OffscreenCanvas(SHARED.WIDTH, SHARED.TILE_ROWS * SHARED.ROW));
      tiles = bitmaps.map((c) => painter.place(c, c.getContext('2d', { alpha: false })));
    }
    // The page's font resolved here too? The widths of a few texts, compared by the page with its own.
    const probe = new OffscreenCanvas(1, 1).getContext('2d');
    probe.font = SHARED.FONT;
    postMessage({ type: 'fontCheck', widths: SHARED.FONT_CHECK.map((t) => probe.measureText(t).width) });
    // Off the vsync's phase: a tick every 1000 ms from a timer, as the event stream's pushes come.
    timer = setInterval(tick, 1000);
  } else if (m.type === 'stop') clearInterval(timer);
};
// The scroll phase (page.js `scrollPhase`, mode B): a tile that came in, transferred, drawn at once and acknowledged;
// a tile that left, dropped.
const scrollTiles = new Map();
addEventListener('message', (e) => {
  const m = e.data;
  if (m.type === 'tile') {
    painter ??= new SHARED.Painter();
    const t0 = now();
    const tile = painter.place(m.canvas, m.canvas.getContext('2d', { alpha: false }));
    scrollTiles.set(m.k, tile);
    painter.draw(tile, SHARED.rowsAt(Date.now(), m.k * SHARED.TILE_ROWS, SHARED.TILE_ROWS));
    postMessage({ type: 'tileDrawn', k: m.k, id: m.id, ms: now() - t0 });
  } else if (m.type === 'dropTile') scrollTiles.delete(m.k);
});
