import { MemoryStore } from '../../src/store/MemoryStore.ts'
import type { MemoryStoreData } from '../../src/store/MemoryStore.ts'
import { runLocalStoreContract } from './runLocalStoreContract.ts'

runLocalStoreContract('MemoryStore', async () => {
  let data: MemoryStoreData | undefined
  return {
    open: async (options) => {
      const store = new MemoryStore({ ...options, data })
      data = store.data
      return store
    },
    destroy: async () => undefined,
  }
})
