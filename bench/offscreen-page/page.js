// The page: 5 tiles of 1406 x 240 px in a scroll container (rows 0-34 of 10 000: 29 in view, 6 overscan). A: drawn
// here in an animation frame from the worker's rows (as the Sessions table is); B / Bnow: transferred to the worker.
/* eslint-disable */
const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'A';
const now = SHARED.now;
const content = document.getElementById('content');
content.style.height = `${SHARED.N * SHARED.ROW}px`;
const canvases = Array.from({ length: 5 }, (_, k) => {
  const c = document.createElement('canvas');
  c.style.top = `${k * SHARED.TILE_ROWS * SHARED.ROW}px`;
  content.appendChild(c);
  return c;
});
const worker = new Worker('worker.js');
const updates = [];
window.__result = { mode, updates };
let painter = null, tiles = null;
if (mode.endsWith('scroll')) {
  // The scroll phase only (`__scroll`).
} else if (mode === 'A') {
  painter = new SHARED.Painter();
  tiles = canvases.map((c) => painter.place(c, c.getContext('2d', { alpha: false })));
  worker.postMessage({ type: 'start', mode, first: 0, rows: 35 });
} else if (mode === 'Bbitmap') {
  // The worker draws on canvases of its own; the page shows their ImageBitmaps, all five in one frame.
  tiles = canvases.map((c) => c.getContext('bitmaprenderer'));
  worker.postMessage({ type: 'start', mode, first: 0, rows: 35 });
} else if (mode === 'Bone') {
  // One canvas over the five tiles' rows, transferred.
  for (const c of canvases.slice(1)) c.remove();
  canvases[0].style.height = `${5 * SHARED.TILE_ROWS * SHARED.ROW}px`;
  const off = [canvases[0].transferControlToOffscreen()];
  worker.postMessage({ type: 'start', mode, first: 0, rows: 35, canvases: off }, off);
} else {
  const off = canvases.map((c) => c.transferControlToOffscreen());
  worker.postMessage({ type: 'start', mode, first: 0, rows: 35, canvases: off }, off);
}
// The end of a frame: a message posted at the start of the animation frame's callback (as the renderer bench's probe).
const markEnd = SHARED.afterTask((p) => updates.push(p));
worker.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'drawn') { updates.push(m); return; }
  if (m.type === 'fontCheck') {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = SHARED.FONT;
    window.__result.fontCheck = { page: SHARED.FONT_CHECK.map((t) => ctx.measureText(t).width), worker: m.widths };
    return;
  }
  if (m.type === 'bitmaps') {
    // Bbitmap: shown in the next animation frame (the drawing's start is the worker's, its end this frame's).
    requestAnimationFrame(() => {
      const rec = { n: m.n, tReady: m.tReady, tStart: m.tStart, texts: m.texts };
      markEnd(rec);
      m.images.forEach((image, k) => tiles[k].transferFromImageBitmap(image));
    });
    return;
  }
  if (m.type !== 'rows') return;
  // A: the rows, drawn in the next animation frame.
  const rec = { n: m.n, tReady: m.tReady, tArrive: now() };
  requestAnimationFrame(() => {
    rec.tStart = now();
    markEnd(rec);
    let texts = 0;
    for (let k = 0; k < tiles.length; k++) {
      const part = m.rows.slice(k * SHARED.TILE_ROWS, (k + 1) * SHARED.TILE_ROWS);
      if (part.length) texts += painter.draw(tiles[k], part);
    }
    rec.texts = texts;
  });
};
window.__stop = () => worker.postMessage({ type: 'stop' });

/**
 * The scroll phase (modes Ascroll, Bscroll: no updates): the page's own rAF loop scrolls the container by `stepPx` a
 * frame (a flick, bouncing at the ends) for `frames` frames; the tiles follow the rendered rows (the rows in view and 6
 * more either side), tile k at rows 8k onwards. A: a tile that comes in is drawn in the frame's task, on a spare canvas
 * (as table-canvas.ts does). B: a new canvas, transferred to the worker, which draws it at once and says so; until then
 * it shows nothing (a transferred canvas is transparent), and the page counts the frames (its own rAF ticks) and ms
 * until the worker's word arrives. Also the page's frame work (the loop's callback start to a message posted there).
 */
window.__scroll = (stepPx, frames) => new Promise((resolve) => {
  for (const c of canvases) c.remove();
  const scroller = document.getElementById('scroll');
  const viewPx = scroller.clientHeight;
  const tilesIn = new Map();
  const spare = [];
  const p = new SHARED.Painter();
  let frame = 0, nextId = 1, step = stepPx;
  const late = [], lateMs = [], work = [];
  const placed = new Map();
  let t0 = 0;
  const done = new MessageChannel();
  done.port1.onmessage = () => work.push(now() - t0);
  if (mode === 'Bscroll') {
    worker.addEventListener('message', (e) => {
      const m = e.data;
      if (m.type !== 'tileDrawn') return;
      const at = placed.get(m.id);
      if (!at) return;
      placed.delete(m.id);
      late.push(frame - at.frame);
      lateMs.push(now() - at.t);
    });
  }
  const place = (k) => {
    const top = `${k * SHARED.TILE_ROWS * SHARED.ROW}px`;
    if (mode === 'Ascroll') {
      let t = spare.pop();
      if (!t) {
        const c = document.createElement('canvas');
        t = { c, tile: p.place(c, c.getContext('2d', { alpha: false })) };
      } else t.tile.drawn.fill(null);
      t.c.style.top = top;
      content.appendChild(t.c);
      p.draw(t.tile, SHARED.rowsAt(Date.now(), k * SHARED.TILE_ROWS, SHARED.TILE_ROWS));
      tilesIn.set(k, t);
      late.push(0);
    } else {
      const c = document.createElement('canvas');
      c.style.top = top;
      content.appendChild(c);
      const off = c.transferControlToOffscreen();
      const id = nextId++;
      placed.set(id, { frame, t: now() });
      worker.postMessage({ type: 'tile', k, id, canvas: off }, [off]);
      tilesIn.set(k, { c });
    }
  };
  const layout = () => {
    const first = Math.max(0, Math.floor(scroller.scrollTop / SHARED.ROW) - 6);
    const last = Math.min(SHARED.N - 1, Math.ceil((scroller.scrollTop + viewPx) / SHARED.ROW) + 6);
    const lo = Math.floor(first / SHARED.TILE_ROWS), hi = Math.floor(last / SHARED.TILE_ROWS);
    for (const [k, t] of tilesIn) {
      if (k >= lo && k <= hi) continue;
      tilesIn.delete(k);
      t.c.remove();
      if (mode === 'Ascroll') spare.push(t);
      else worker.postMessage({ type: 'dropTile', k });
    }
    for (let k = lo; k <= hi; k++) if (!tilesIn.has(k)) place(k);
  };
  layout();
  const loop = () => {
    frame++;
    t0 = now();
    done.port2.postMessage(0);
    if (frame > frames) {
      setTimeout(() => resolve({ late, lateMs, work, tiles: late.length, unacked: placed.size }), 500);
      return;
    }
    const max = scroller.scrollHeight - scroller.clientHeight;
    if ((step > 0 && scroller.scrollTop >= max - 1) || (step < 0 && scroller.scrollTop <= 0)) step = -step;
    scroller.scrollTop += step;
    layout();
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
});
