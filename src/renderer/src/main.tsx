import { createRoot } from 'react-dom/client';
import type { RendererApi } from '../../shared/ipc.ts';
import { createBrowserDownloader } from './api/download.ts';
import { createHttpApi, type HttpApi } from './api/http-api.ts';
import { App } from './App.tsx';
import { connect, type ConnectOptions } from './store/connect.ts';
import { startSessionsWorker } from './store/sessions-client.ts';
import type { PushRef } from './store/sessions-engine.ts';
import { StoreContext } from './store/hooks.ts';
import { createAppStore } from './store/store.ts';
import './styles.css';

declare global {
  interface Window {
    /** Set by the preload in Electron; absent in a browser (headless mode), where the HTTP api stands in. */
    api?: RendererApi;
  }
}

/** Start-up: pick the api (preload or HTTP), build the store, connect them, render. Nothing happens on import elsewhere. */
function start(): void {
  const httpApi: HttpApi | null = window.api ? null : createHttpApi();
  const api: RendererApi = window.api ?? httpApi!;
  const store = createAppStore({ lazyVisible: true });
  const options: ConnectOptions = httpApi ? { downloader: createBrowserDownloader(httpApi), rawSnapshot: () => httpApi.invokeBytes('sessions:snapshot') } : {};
  // The sessions' decoding, filter and sort run in a worker; where none starts (or it fails to load), the page does
  // them, as before. In headless mode the worker reads the event stream too (worker-events.ts): the page gets the
  // small channels' events and, for each `sessions:update`, a reference it hands back to the worker in its order.
  let fellBack = false;
  let takeStreamBack = (): void => undefined;
  const engine = startSessionsWorker((error) => {
    console.warn('sessions worker:', error);
    if (fellBack) return;
    fellBack = true;
    takeStreamBack();
    connection.disconnect();
    connection = connect(api, store, options);
  });
  let engineOptions: ConnectOptions = engine ? { ...options, engine } : options;
  if (engine && httpApi) {
    const pushed = new Set<(ref: PushRef) => void>();
    takeStreamBack = httpApi.readEventsWith((io) => engine.readEvents(io, (ref) => pushed.forEach((cb) => cb(ref))));
    engineOptions = {
      ...engineOptions,
      workerPushes: (cb) => {
        pushed.add(cb);
        return () => pushed.delete(cb);
      },
    };
  }
  let connection = connect(api, store, engineOptions);
  httpApi?.auth.onChange((state) => store.getState().setAuthRequired(state === 'required'));
  if (document.visibilityState !== undefined) {
    // A hidden page stops getting frames; on return, main's metrics history fills the gap at once.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void store.getState().api?.invoke('metrics:history').then((h) => store.getState().loadMetrics(h), () => undefined);
    });
  }
  createRoot(document.getElementById('root')!).render(
    <StoreContext.Provider value={store}>
      <App auth={httpApi?.auth} onLoggedIn={() => void connection.reload()} />
    </StoreContext.Provider>,
  );
}

start();
