import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Config } from '../config.js';

export interface VerifiedToken {
  sub: string;
  role: 'user' | 'admin';
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Seconds since the epoch: a socket is disconnected when it passes. */
  exp: number;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

export class InvalidTokenError extends Error {}

const Claims = z.object({
  sub: z.uuid(),
  exp: z.number(),
  role: z.string().optional(),
  roles: z.array(z.string()).optional(),
  email: z.string().optional(),
  firstName: z.string().optional(),
  given_name: z.string().optional(),
  lastName: z.string().optional(),
  family_name: z.string().optional(),
});

/**
 * Builds the one function that turns a bearer token into a verified identity. The
 * accepted algorithms follow the configured key, so `alg: none` and HS/RS confusion
 * cannot pass; `exp` is required, with 30 s of clock tolerance.
 */
export function createTokenVerifier(jwt: Config['jwt']): TokenVerifier {
  const { key, algorithms } = resolveKey(jwt.key);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as KeyObject, {
        algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
        issuer: jwt.issuer,
        audience: jwt.audience,
      }));
    } catch {
      throw new InvalidTokenError('Invalid or expired token');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw new InvalidTokenError('Invalid token claims');
    const c = claims.data;
    const admin = c.role === 'admin' || (c.roles?.includes('admin') ?? false);
    return {
      sub: c.sub,
      role: admin ? 'admin' : 'user',
      email: c.email ?? null,
      firstName: c.firstName ?? c.given_name ?? null,
      lastName: c.lastName ?? c.family_name ?? null,
      exp: c.exp,
    };
  };
}

function resolveKey(key: Config['jwt']['key']): { key: KeyObject | JWTVerifyGetKey; algorithms: string[] } {
  switch (key.kind) {
    case 'secret':
      return { key: createSecretKey(Buffer.from(key.secret)), algorithms: ['HS256'] };
    case 'jwks':
      return { key: createRemoteJWKSet(new URL(key.url)), algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] };
    case 'publicKey': {
      const publicKey = createPublicKey(key.pem);
      return { key: publicKey, algorithms: algorithmsFor(publicKey) };
    }
  }
}

function algorithmsFor(publicKey: KeyObject): string[] {
  switch (publicKey.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = publicKey.asymmetricKeyDetails?.namedCurve;
      return [curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'];
    }
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new Error(`JWT_PUBLIC_KEY: unsupported key type ${publicKey.asymmetricKeyType}`);
  }
}
