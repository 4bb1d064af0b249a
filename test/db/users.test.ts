import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertProfile } from '../../src/db/users.js';
import { startTestServices } from '../support/services.js';

let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

describe('profiles from token claims', () => {
  const stored = (id: string) => t.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('writes a new or changed profile, and nothing when the claims are the same (every reconnect)', async () => {
    const id = randomUUID();
    const claims = { id, role: 'user' as const, email: 'ann@example.com', firstName: 'Ann', lastName: null };
    await upsertProfile(t.db, claims);
    const first = await stored(id);
    expect(first).toMatchObject({ email: 'ann@example.com', first_name: 'Ann', last_name: null, role: 'user' });

    await new Promise((resolve) => setTimeout(resolve, 20));
    await upsertProfile(t.db, claims);
    // Untouched: not even updated_at moved.
    expect(await stored(id)).toEqual(first);

    await upsertProfile(t.db, { ...claims, lastName: 'Lee', email: null });
    const changed = await stored(id);
    expect(changed).toMatchObject({ email: null, first_name: 'Ann', last_name: 'Lee' });
    expect(changed.updated_at.getTime()).toBeGreaterThan(first.updated_at.getTime());
  });
});
