import { MemoryStore } from '@tokenkit/core';
import { runStoreConformance, storeConformanceCases } from '@tokenkit/core/testing';
import { describe, expect, it } from 'vitest';
import { describeStoreConformance } from './describe-conformance.js';

describeStoreConformance('MemoryStore', async () => {
  const store = new MemoryStore();
  return {
    store,
    dump: async () => JSON.stringify(store.dump()),
    close: () => store.close(),
  };
});

describe('runStoreConformance as a store author calls it (no test runner inside)', () => {
  it('runs every case in one call and reports passed/failed/skipped', async () => {
    const all = await runStoreConformance(() => new MemoryStore(), {
      dump: async (store) => JSON.stringify((store as MemoryStore).dump()),
    });
    expect(all.failed).toEqual([]);
    expect(all.skipped).toEqual([]);
    expect(all.passed).toEqual([...storeConformanceCases]);
  });

  it('reports a broken store as failures instead of throwing, and skips the at-rest case without dump', async () => {
    class ForgetfulStore extends MemoryStore {
      override async get(): Promise<null> {
        return null;
      }
    }
    const only = storeConformanceCases.filter((name) => name.startsWith('records >') || name.includes('at rest'));
    const result = await runStoreConformance(() => new ForgetfulStore(), { only });
    expect(result.failed.map((f) => f.name)).toContain('records > put then get returns the same fields; a missing id is null');
    expect(result.failed[0]?.error).toMatch(/AssertionError/);
    expect(result.skipped.map((s) => s.name)).toEqual(only.filter((name) => name.includes('at rest')));
  });
});
