import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { loadConfig } from '../config.js';

/** Mints a token with the configured HS256 secret, for trying the API by hand. */
const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'user' },
    sub: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '24h' },
  },
});
if (values.role !== 'user' && values.role !== 'admin') {
  console.error('--role must be user or admin');
  process.exit(2);
}
const config = loadConfig();
if (!config.jwtSecret) {
  console.error('npm run token needs JWT_SECRET (tokens for JWKS or public keys come from your identity provider)');
  process.exit(2);
}
const sub = values.sub ?? randomUUID();
const token = await new SignJWT({
  role: values.role,
  email: values.email ?? `${values.role}-${sub.slice(0, 8)}@example.com`,
  firstName: values.name ?? (values.role === 'admin' ? 'Agent' : 'Customer'),
})
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(sub)
  .setIssuedAt()
  .setExpirationTime(values.ttl)
  .setIssuer(config.jwt.issuer ?? 'support-chat-dev')
  .setAudience(config.jwt.audience ?? 'support-chat')
  .sign(new TextEncoder().encode(config.jwtSecret));
console.log(token);
