// IndexedDbStore on fake-indexeddb in Node: a quick first pass of the contract. The real check is the
// same contract inside headless Chromium (test/browser/IndexedDbStore.chromium.test.ts).

import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { IndexedDbStore } from '../../src/store/IndexedDbStore.ts'
import { indexedDbLocation } from './indexedDbLocation.ts'
import { runLocalStoreContract } from './runLocalStoreContract.ts'

runLocalStoreContract('IndexedDbStore (fake-indexeddb)', indexedDbLocation())

describe('IndexedDbStore upgrade', () => {
  it('opens a version-1 database (before the binary cache) keeping its record, documents and outbox', async () => {
    const name = `amber-upgrade-${Date.now()}`
    const v1 = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 1)
      request.onupgradeneeded = () => {
        const db = request.result
        db.createObjectStore('record').put({ deviceId: 'd1', cursor: { epoch: 'e', seq: 3 }, nextSeq: 5, lineage: 'L' }, 'vault')
        db.createObjectStore('docs').put(new Uint8Array([1, 2]), ['tree', 0])
        db.createObjectStore('outbox', { keyPath: 'seq' }).put({ seq: 4, docId: 'tree', update: new Uint8Array([3]), supersedes: false })
      }
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    v1.close()
    const store = await IndexedDbStore.open(name)
    expect(await store.readRecord()).toEqual({ deviceId: 'd1', cursor: { epoch: 'e', seq: 3 }, nextSeq: 5, lineage: 'L' })
    expect(await store.readDoc('tree')).toEqual([new Uint8Array([1, 2])])
    expect((await store.readOutbox()).map((entry) => entry.seq)).toEqual([4])
    await store.putBinary('f', 'v', new Uint8Array([9]))
    expect(await store.getBinary('f')).toEqual({ version: 'v', bytes: new Uint8Array([9]) })
    await store.close()
    await IndexedDbStore.delete(name)
  })
})
