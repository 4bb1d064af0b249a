import { useId, useState } from 'react';

const production = document.documentElement.dataset.environment === 'production';

/** The sign-in page: a pasted agent token. Outside production it says how to mint one. */
export function SignIn({ busy, notice, onToken }: { busy: boolean; notice: string | null; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const fieldId = useId();
  return (
    <main className="sign-in">
      <form
        className="sign-in-card"
        aria-labelledby={`${fieldId}-title`}
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <h1 id={`${fieldId}-title`}>Support console</h1>
        <p>Sign in with your agent token (a JWT your company's sign-in issues).</p>
        {notice && (
          <p className="notice" role="alert">
            {notice}
          </p>
        )}
        <label htmlFor={fieldId}>Agent token</label>
        <textarea id={fieldId} value={token} rows={4} spellCheck={false} autoComplete="off" onChange={(e) => setToken(e.target.value)} />
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {!production && (
          <div className="hint">
            <p>
              New here? On the server's machine, mint a development token with <code>npm run token -- --role admin</code>, paste it
              above, or open <code>{`${location.origin}/agent#token=<token>`}</code>.
            </p>
          </div>
        )}
      </form>
    </main>
  );
}
