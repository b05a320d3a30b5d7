import { useEffect, useState } from 'react';
import { useApp } from '../store/hooks.ts';

/**
 * "Start at login (in the tray)" in Settings: the desktop app's login item (`autostart:get`/`autostart:set`, answered
 * by the Electron shell). Hidden where the channel is not answered (the dashboard in a browser: `unsupported`). It
 * applies at once (not with the form's Save); it sits in the Settings view's Desktop panel.
 */
export function AutostartSetting(): React.JSX.Element | null {
  const api = useApp((s) => s.api);
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!api) return;
    let live = true;
    api.invoke('autostart:get').then(
      (on) => live && setEnabled(on),
      () => live && setEnabled(null),
    );
    return () => {
      live = false;
    };
  }, [api]);

  if (!api || enabled === null) return null;
  const change = (on: boolean): void => {
    setError(null);
    api.invoke('autostart:set', on).then(setEnabled, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  };
  return (
    <div className="field" data-testid="settings-desktop">
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => change(e.target.checked)} data-testid="settings-autostart" />
        Start at login (in the tray)
      </label>
      <small className="muted help">Applies at once.</small>
      {error && <p className="error-text">{error}</p>}
    </div>
  );
}
