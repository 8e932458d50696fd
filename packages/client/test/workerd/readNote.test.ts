// The SDK inside workerd (@cloudflare/vitest-pool-workers): a Worker connects to the real local server —
// the socket upgraded through `fetch` with the Authorization header, as Workers do — and reads a note.

import { describe, expect, inject, it } from 'vitest'
import { connectVault } from '../../src/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'

describe('the SDK inside workerd', () => {
  it('connects from a Worker and reads a note', async () => {
    const { origin, adminToken } = inject('amberServer')
    const res = await fetch(`${origin}/api/v1/vaults`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'workerd' }),
    })
    expect(res.status).toBe(201)
    const { vaultId, token } = (await res.json()) as { vaultId: string; token: string }
    expect(typeof (globalThis as { WebSocketPair?: unknown }).WebSocketPair).toBe('function')

    const writer = await connectVault({ url: origin, vaultId, credential: token, store: new MemoryStore() })
    writer.tree.createFile('From a Worker.md', { text: 'written inside workerd' })
    await writer.whenSynced()
    await writer.close()

    const reader = await connectVault({ url: origin, vaultId, credential: token, store: new MemoryStore() })
    await reader.whenLoaded()
    const note = await reader.open('From a Worker.md')
    expect(note.text.toString()).toBe('written inside workerd')
    expect(reader.status).toBe('synced')
    await reader.close()
  })
})
