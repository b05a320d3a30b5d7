import { useState } from 'react';
import type { AuthClient } from '../api/http-api.ts';

/** Shown in the browser when the server's API auth is on; uses the API's own login (POST /api/login). */
export function Login({ auth, onLoggedIn }: { auth: AuthClient; onLoggedIn: () => void }): React.JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <main className="login">
      <form
        className="panel form"
        data-testid="login-form"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          auth.login(username, password).then(
            () => {
              setBusy(false);
              setPassword('');
              onLoggedIn();
            },
            (err: unknown) => {
              setBusy(false);
              setError(err instanceof Error ? err.message : String(err));
            },
          );
        }}
      >
        <h1>Core Sessions</h1>
        <label className="field">
          <span>Username</span>
          <input value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" autoFocus data-testid="login-username" />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" data-testid="login-password" />
        </label>
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
          {busy ? 'Logging in… (a wrong password takes 5 s)' : 'Log in'}
        </button>
        {error && <p className="error-text">{error}</p>}
      </form>
    </main>
  );
}
