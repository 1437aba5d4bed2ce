import { MemoryStore } from '@tokenkit/core';
import { runStoreConformance } from './suite.js';

runStoreConformance('MemoryStore', async () => {
  const store = new MemoryStore();
  return {
    store,
    dump: async () => JSON.stringify(store.dump()),
    close: () => store.close(),
  };
});
