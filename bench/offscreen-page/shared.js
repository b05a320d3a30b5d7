// Shared by the page (A) and the worker (B): the fleet (10 000 sessions, sorted by a random rx every second, as the
// renderer bench's update phase) and a painter that draws rows into 1406 x 240 px tiles the way table-canvas.ts does
// (only the cells whose text changed; each run of changed cells filled with the row's background at once; one
// fillText per changed cell, fitted with an ellipsis by its characters' advances). Plain JS: no build, the same code in
// both threads, so the two designs differ only by the thread that draws.
/* eslint-disable */
const SHARED = (() => {
  const N = 10000;
  const CORES = ['core-1', 'core-2', 'core-3', 'core-4'];
  const SPACE = '\u202f';
  const start = Date.now();
  // As the renderer bench's remote Cores (bench/renderer.bench.ts, wireFleet): 4 Cores of 500 streams, each an RTMP
  // publisher (rx), an RTMP player and 3 HLS viewers (tx); sorted by rx, the rows in view are publishers.
  const base = Array.from({ length: N }, (_, i) => {
    const core = i % 4, k = Math.floor(i / 4) % 500, kind = Math.floor(i / 2000);
    const name = `c${core}-stream-${k}`;
    const publisher = kind === 0, player = kind === 1;
    return {
      collector: publisher || player ? 'rtmp' : 'hls',
      core: CORES[core],
      id: publisher ? `/live/${name}` : player ? `/live/${name}-play` : `h${core}x${k}x${kind - 2}`,
      reference: publisher || player ? `/live/${name}` : name,
      location: publisher ? `publish:/live/${name}` : player ? `play:/live/${name}` : `/memfs/${name}.m3u8`,
      peer: publisher ? `198.51.100.${k % 250}:${40000 + k}` : player ? `203.0.113.${k % 250}:${50000 + k}` : `viewer-${(k * 7 + kind) % 997}.example`,
      extra: publisher || player ? '' : `[192.0.2.0] Mozilla/5.0 (X11; Linux x86_64) player-${kind - 2}`,
      createdAtMs: start - 600_000 + (k % 600) * 1000,
      publisher, rx: 0, tx: 0, rxBytes: 0, txBytes: 0,
    };
  });
  let seed = 1;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
  const scaled = (v, units) => {
    let i = 0;
    while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
    return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}${SPACE}${units[i]}`;
  };
  const BIT = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  const BYTE = ['B', 'kB', 'MB', 'GB', 'TB'];
  const pad = (n) => String(n).padStart(2, '0');
  const duration = (ms) => {
    const t = Math.max(0, Math.floor(ms / 1000));
    const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
    if (h > 0) return `${h}${SPACE}h ${pad(m)}${SPACE}min`;
    if (m > 0) return `${m}${SPACE}min ${pad(s)}${SPACE}s`;
    return `${s}${SPACE}s`;
  };
  const order = new Uint32Array(N).map((_, i) => i);
  /** One second of the fleet: every rate new, sorted by rx; the texts of rows first..first+count-1. */
  function tick(atMs, first, count) {
    for (const r of base) {
      const bits = Math.round(rand() * 6_000_000);
      if (r.publisher) r.rx = bits;
      else r.tx = bits;
      r.rxBytes += r.rx / 8;
      r.txBytes += r.tx / 8;
    }
    const o = Array.from(order).sort((a, b) => base[b].rx - base[a].rx || a - b);
    const rows = [];
    for (let i = first; i < Math.min(N, first + count); i++) {
      const r = base[o[i]];
      rows.push([r.collector, r.core, r.id, r.reference, r.location, r.peer, r.extra, scaled(r.rx, BIT), scaled(r.tx, BIT),
        scaled(r.rxBytes, BYTE), scaled(r.txBytes, BYTE), duration(atMs - r.createdAtMs)]);
    }
    return rows;
  }

  // The Sessions grid at 1406 px: 12 columns, 8 px padding either side, numbers right-aligned.
  const WIDTHS = [70, 110, 120, 120, 170, 150, 176, 90, 90, 100, 100, 110];
  const RIGHT = [false, false, false, false, false, false, false, true, true, true, true, true];
  const COLS = [];
  { let x = 0; for (let c = 0; c < 12; c++) { COLS.push({ cellLeft: x, cellWidth: WIDTHS[c], left: x + 8, width: WIDTHS[c] - 16, right: RIGHT[c] }); x += WIDTHS[c]; } }
  const WIDTH = 1406, ROW = 30, TILE_ROWS = 8, FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
  const BASELINE = 19.5, BACK = 'rgb(255, 255, 255)', LINE = 'rgb(229, 231, 235)', TEXT = 'rgb(17, 24, 39)';
  const ELLIPSIS = '\u2026';

  /** A painter of tiles on 2D contexts (a page canvas's or a transferred OffscreenCanvas's). */
  class Painter {
    constructor() { this.widths = new Map(); this.chars = new Map(); this.fitted = new Map(); }
    width(ctx, text) {
      let px = this.widths.get(text);
      if (px === undefined) { px = ctx.measureText(text).width; if (this.widths.size > 20000) this.widths.clear(); this.widths.set(text, px); }
      return px;
    }
    char(ctx, ch) {
      let px = this.chars.get(ch);
      if (px === undefined) { px = ctx.measureText(ch).width; this.chars.set(ch, px); }
      return px;
    }
    fit(ctx, text, widthPx) {
      let px = 0;
      for (let i = 0; i < text.length; i++) px += this.char(ctx, text[i]);
      if (px + text.length * 1.3 <= widthPx) return text;
      const key = `${widthPx}|${text}`;
      let f = this.fitted.get(key);
      if (f !== undefined) return f;
      if (ctx.measureText(text).width <= widthPx) f = text;
      else {
        let n = text.length - 1;
        while (n > 0 && this.width(ctx, text.slice(0, n) + ELLIPSIS) > widthPx) n--;
        f = n > 0 ? text.slice(0, n) + ELLIPSIS : '';
      }
      if (this.fitted.size > 20000) this.fitted.clear();
      this.fitted.set(key, f);
      return f;
    }
    /** Sizes `canvas` for a tile and fills it. */
    place(canvas, ctx) {
      canvas.width = WIDTH; canvas.height = TILE_ROWS * ROW;
      ctx.fillStyle = BACK; ctx.fillRect(0, 0, WIDTH, TILE_ROWS * ROW);
      ctx.font = FONT;
      return { ctx, drawn: Array.from({ length: TILE_ROWS }, () => null) };
    }
    /** Draws `rows` (tile places 0..rows.length-1) where they changed: the count of fillText. */
    draw(tile, rows) {
      const ctx = tile.ctx;
      let texts = 0;
      const todo = [];
      for (let slot = 0; slot < rows.length; slot++) {
        const row = rows[slot], was = tile.drawn[slot];
        const top = slot * ROW;
        const cols = row.map((t, c) => !was || was[c] !== t);
        for (let c = 0; c < 12; c++) {
          if (!cols[c]) continue;
          const from = COLS[c];
          while (c + 1 < 12 && cols[c + 1]) c++;
          const to = COLS[c];
          ctx.fillStyle = BACK;
          ctx.fillRect(from.cellLeft, top, to.cellLeft + to.cellWidth - from.cellLeft, ROW - 1);
        }
        if (!was) { ctx.fillStyle = LINE; ctx.fillRect(0, top + ROW - 1, WIDTH, 1); }
        todo.push([slot, cols]);
        tile.drawn[slot] = row;
      }
      ctx.fillStyle = TEXT;
      for (let c = 0; c < 12; c++) {
        const col = COLS[c];
        for (const [slot, cols] of todo) {
          if (!cols[c]) continue;
          const text = rows[slot][c];
          if (!text) continue;
          const y = slot * ROW + BASELINE;
          if (col.right) {
            const px = this.width(ctx, text);
            const f = px > col.width ? this.fit(ctx, text, col.width) : text;
            ctx.fillText(f, col.left + col.width - this.width(ctx, f), y);
          } else ctx.fillText(this.fit(ctx, text, col.width), col.left, y);
          texts++;
        }
      }
      return texts;
    }
  }
  /** Rows first..first+count-1 in the fleet's own order (the scroll phase: what a row shows does not matter there). */
  function rowsAt(atMs, first, count) {
    const rows = [];
    for (let i = first; i < Math.min(N, first + count); i++) {
      const r = base[i];
      rows.push([r.collector, r.core, r.id, r.reference, r.location, r.peer, r.extra, scaled(r.rx, BIT), scaled(r.tx, BIT),
        scaled(r.rxBytes, BYTE), scaled(r.txBytes, BYTE), duration(atMs - r.createdAtMs)]);
    }
    return rows;
  }
  const FONT_CHECK = ['/live/c0-stream-473', 'publish:/live/c1-stream-64', '198.51.100.223:40473', '5.89\u202fMbit/s', 'WAVE Ąž …'];
  const now = () => performance.timeOrigin + performance.now();
  /**
   * The end of a drawing's task: `mark(rec)` posts a message that arrives after the task (a page's animation frame with
   * its paint and commit; a worker's task with its OffscreenCanvas frames pushed), which stamps the trace ("drawn n"),
   * sets `rec.tEnd` and hands `rec` to `done`.
   */
  function afterTask(done) {
    const ch = new MessageChannel();
    let pending = null;
    ch.port1.onmessage = () => {
      const p = pending;
      pending = null;
      console.timeStamp(`drawn ${p.n}`);
      p.tEnd = now();
      done(p);
    };
    return (rec) => { pending = rec; ch.port2.postMessage(0); };
  }
  return { N, tick, rowsAt, Painter, WIDTH, ROW, TILE_ROWS, FONT, FONT_CHECK, now, afterTask };
})();
