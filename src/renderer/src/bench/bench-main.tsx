import { useLayoutEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '../App.tsx';
import { connect } from '../store/connect.ts';
import { StoreContext, useApp } from '../store/hooks.ts';
import { createAppStore, type ViewName } from '../store/store.ts';
import '../styles.css';
import { createFakeFleet } from './fake-fleet.ts';

/**
 * The renderer bench page (not part of the product build): the real App fed by a fake api with N sessions updating
 * once a second. Per update it measures, from the start of the batched store update (in the animation frame):
 * `commit` (React has committed: a layout effect of the last component) and `frame` (the frame is painted: a
 * message posted in the same animation frame runs as the next task, after the frame's task has done style, layout,
 * paint and the commit to the compositor). Results land in `window.benchResult`.
 */

declare global {
  interface Window {
    benchResult?: { view: string; rows: number; updates: number; storeMs: number[]; commitMs: number[]; frameMs: number[]; longTasks: number };
  }
}

const params = new URLSearchParams(location.search);
const rows = Number(params.get('rows') ?? 10_000);
const seconds = Number(params.get('seconds') ?? 30);
const view = (params.get('view') ?? 'sessions') as ViewName;

let t0 = 0;
let commitAt = 0;
const commitMs: number[] = [];
const frameMs: number[] = [];
const storeMs: number[] = [];
let storeAt = 0;
let measuring = false;

/** The last child of the root: its layout effect runs after every other component's commit work. */
function CommitProbe(): null {
  const atMs = useApp((s) => s.atMs);
  useLayoutEffect(() => {
    if (measuring) commitAt = performance.now();
  }, [atMs]);
  return null;
}

const fleet = createFakeFleet(rows);
const store = createAppStore({ lazyVisible: true });
const channel = new MessageChannel();
channel.port1.onmessage = () => {
  if (!measuring) return;
  frameMs.push(performance.now() - t0);
  commitMs.push(commitAt - t0);
  storeMs.push(storeAt - t0);
  measuring = false;
};

connect(fleet.api, store, {
  schedule: (flush) =>
    requestAnimationFrame(() => {
      t0 = performance.now();
      commitAt = t0;
      measuring = true;
      flush();
      storeAt = performance.now();
      channel.port2.postMessage(0);
    }),
});
store.getState().setView(view);
if (view === 'sessions') store.getState().sortBy('rxBitsPerSec'); // the order changes with every update: the worst case

let longTasks = 0;
try {
  new PerformanceObserver((list) => (longTasks += list.getEntries().length)).observe({ type: 'longtask', buffered: false });
} catch {
  // not supported: reported as 0
}

createRoot(document.getElementById('root')!).render(
  <StoreContext.Provider value={store}>
    <App />
    <CommitProbe />
  </StoreContext.Provider>,
);

// Warm up for 3 updates, then measure `seconds` updates, one a second.
let n = 0;
const warmup = 3;
fleet.tick(Date.now());
const timer = setInterval(() => {
  n++;
  if (n === warmup + 1) {
    commitMs.length = 0;
    frameMs.length = 0;
    storeMs.length = 0;
    longTasks = 0;
  }
  fleet.tick(Date.now());
  if (n >= warmup + seconds) {
    clearInterval(timer);
    setTimeout(() => {
      window.benchResult = { view, rows, updates: frameMs.length, storeMs, commitMs, frameMs, longTasks };
    }, 1500);
  }
}, 1000);
