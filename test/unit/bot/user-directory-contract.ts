/** What every `UserDirectory` adapter must do (memory, the state file, Redis in a cluster). */
import { expect } from 'vitest';
import type { UserDirectory } from '../../../src/bot/ports.js';
import { chatUser } from './harness.js';

/** Runs against an empty directory and leaves it empty. */
export async function userDirectoryContract(users: UserDirectory): Promise<void> {
  expect(users.list()).toEqual([]);
  await users.upsert(chatUser(7, 'owner', 'Olga'));
  expect(users.get(7)).toMatchObject({ id: 7, role: 'owner', name: 'Olga' });
  const updated = await users.setAlertLevel(7, 'copies', 'off');
  expect(updated?.alerts.copies).toBe('off');
  expect(users.get(7)?.alerts).toMatchObject({ copies: 'off', rejections: 'on' });
  // Values are copies: changing one does not change the directory.
  const copy = users.get(7);
  if (copy) copy.role = 'admin';
  expect(users.get(7)?.role).toBe('owner');
  expect(await users.setAlertLevel(8, 'copies', 'off')).toBeUndefined();
  expect(await users.remove(7)).toBe(true);
  expect(await users.remove(7)).toBe(false);
  expect(users.list()).toEqual([]);
}
