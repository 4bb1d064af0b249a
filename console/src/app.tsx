import { useEffect, useState } from 'react';
import { checkToken } from './auth/check-token.js';
import { SignIn } from './auth/sign-in.js';
import { forgetToken, keepToken, storedToken, takeTokenFromAddress, type Agent } from './auth/token.js';
import { SignedIn } from './signed-in.js';

export interface Session {
  token: string;
  agent: Agent;
}

/**
 * Signed out or signed in. A token comes from the address (`#token=`), from this tab's
 * sessionStorage, or from the form; the server checks it before anything else is fetched.
 */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [checking, setChecking] = useState(true);

  async function signIn(token: string) {
    setChecking(true);
    const check = await checkToken(token);
    setChecking(false);
    if (!check.ok) {
      forgetToken();
      setNotice(check.message);
      return;
    }
    keepToken(token);
    setNotice(null);
    setSession({ token, agent: check.agent });
  }

  useEffect(() => {
    const token = takeTokenFromAddress() ?? storedToken();
    if (token) void signIn(token);
    else setChecking(false);
  }, []);

  if (!session) return <SignIn busy={checking} notice={notice} onToken={(token) => void signIn(token)} />;
  return (
    <SignedIn
      key={session.token}
      session={session}
      onSignedOut={(why) => {
        // Drafts stay in sessionStorage: signing in again brings them back.
        forgetToken();
        setSession(null);
        setNotice(why);
      }}
    />
  );
}
