// Runs the shared storage contract against the in-memory adapter, plus its crash hook used by recovery tests.

import { describe, expect, it } from 'vitest'
import { MemoryStorageAdapter } from '../src/storage/MemoryStorageAdapter.ts'
import type { StorageBatch } from '../src/storage/StorageAdapter.ts'
import { describeStorageContract } from '../test-support/storageContract.ts'

describeStorageContract('MemoryStorageAdapter', async () => ({ adapter: new MemoryStorageAdapter() }))

describe('MemoryStorageAdapter', () => {
  const seeded = async (adapter: MemoryStorageAdapter): Promise<void> => {
    await adapter.commit({
      save: [
        { key: 'a', data: Uint8Array.of(1) },
        { key: 'b', data: Uint8Array.of(2) },
      ],
    })
  }

  it('a throwing beforeCommit rejects the commit and leaves storage unchanged', async () => {
    let crash = false
    const seen: StorageBatch[] = []
    const adapter = new MemoryStorageAdapter({
      beforeCommit: (batch) => {
        seen.push(batch)
        if (crash) throw new Error('simulated crash')
      },
    })
    await seeded(adapter)
    crash = true
    const batch: StorageBatch = {
      save: [
        { key: 'a', data: Uint8Array.of(9) },
        { key: 'c', data: Uint8Array.of(3) },
      ],
      remove: ['b'],
    }
    await expect(adapter.commit(batch)).rejects.toThrow('simulated crash')
    expect(seen).toEqual([expect.anything(), batch])
    expect(await adapter.listKeys('')).toEqual(['a', 'b'])
    expect(await adapter.load('a')).toEqual(Uint8Array.of(1))
    expect(await adapter.load('b')).toEqual(Uint8Array.of(2))
    expect(await adapter.load('c')).toBeUndefined()
    crash = false
    await adapter.commit(batch)
    expect(await adapter.listKeys('')).toEqual(['a', 'c'])
  })

  it('an invalid entry anywhere in a batch rejects it before anything is written', async () => {
    const adapter = new MemoryStorageAdapter()
    await seeded(adapter)
    const notBytes = [1, 2, 3] as unknown as Uint8Array
    await expect(
      adapter.commit({
        save: [
          { key: 'c', data: Uint8Array.of(3) },
          { key: 'd', data: notBytes },
        ],
        remove: ['a'],
      }),
    ).rejects.toThrow(TypeError)
    await expect(
      adapter.commit({ save: [{ key: 'c', data: Uint8Array.of(3) }], remove: [7 as unknown as string] }),
    ).rejects.toThrow(TypeError)
    expect(await adapter.listKeys('')).toEqual(['a', 'b'])
  })
})
