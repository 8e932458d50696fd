// Page side of the Chromium IndexedDbStore tests: runs contract cases and crash-test writers on the real
// IndexedDB of the page, driven by IndexedDbStore.chromium.test.ts through `globalThis.amberIndexedDb`.

import { IndexedDbStore } from '../../src/store/IndexedDbStore.ts'
import type { IndexedDbStoreOptions } from '../../src/store/IndexedDbStore.ts'
import { checkCrashSurvivor, crashBatch } from '../store/crashBatch.ts'
import { indexedDbLocation } from '../store/indexedDbLocation.ts'
import { localStoreContractCases, runContractCase } from '../store/localStoreContract.ts'

export interface IndexedDbPageApi {
  /** Runs one contract case; resolves with the failure's stack, or undefined when it passed. */
  runCase(name: string, seed: number, options: IndexedDbStoreOptions): Promise<string | undefined>
  /** Starts committing crash batches to database `name` without end; `resolved()` is the last one that resolved. */
  startCrashWriter(name: string, options: IndexedDbStoreOptions): void
  resolved(): number
  /** Reopens `name` and checks it after a crash; resolves with the last batch it holds. */
  checkCrash(name: string, resolved: number): Promise<number>
  /** Commits `count` crash batches to `name` and closes the store. */
  commitBatches(name: string, count: number): Promise<void>
}

declare global {
  var amberIndexedDb: IndexedDbPageApi
}

let resolved = 0

globalThis.amberIndexedDb = {
  async runCase(name, seed, options) {
    const contractCase = localStoreContractCases.find((c) => c.name === name)
    if (!contractCase) return `no contract case named ${JSON.stringify(name)}`
    try {
      await runContractCase(contractCase, indexedDbLocation(options), seed)
      return undefined
    } catch (error) {
      return error instanceof Error ? (error.stack ?? error.message) : String(error)
    }
  },
  startCrashWriter(name, options) {
    void (async () => {
      const store = await IndexedDbStore.open(name, { ...options, compactThreshold: 16 })
      for (let n = 1; ; n++) {
        await store.commit(crashBatch(n))
        resolved = n
      }
    })()
  },
  resolved: () => resolved,
  async checkCrash(name, atLeast) {
    const store = await IndexedDbStore.open(name)
    try {
      return await checkCrashSurvivor(store, atLeast)
    } finally {
      await store.close()
    }
  },
  async commitBatches(name, count) {
    const store = await IndexedDbStore.open(name)
    for (let n = 1; n <= count; n++) await store.commit(crashBatch(n))
    await store.close()
  },
}
