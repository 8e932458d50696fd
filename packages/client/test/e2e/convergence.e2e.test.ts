// Three devices on the real server: each goes offline, edits the same and different notes (and the tree)
// while partitioned, then reconnects; all converge to equal state vectors and equal text, and a fresh
// fourth device sees exactly the same. Seeded: prints its seed, SEED= replays it.

import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Vault } from '../../src/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { seeded } from '../support/sdk.ts'
import { closeAll, createVault, openVault, testSeed, untilDoc } from './support/e2e.ts'

afterEach(closeAll)

const seed = testSeed()
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'ünïcödé', '🙂']

async function edit(vault: Vault, path: string, random: () => number, count: number): Promise<void> {
  const note = await vault.open(path, { create: vault.tree.get(path) === undefined })
  for (let i = 0; i < count; i++) {
    const text = note.text
    const at = Math.floor(random() * (text.length + 1))
    if (random() < 0.25 && text.length > 0)
      text.delete(Math.min(at, text.length - 1), 1 + Math.floor(random() * Math.min(5, text.length - at)))
    else text.insert(at, `${WORDS[Math.floor(random() * WORDS.length)]} `)
  }
}

/** Every document of the vault as this device holds it: the tree and each text note. */
async function documents(vault: Vault): Promise<Map<string, Y.Doc>> {
  const docs = new Map<string, Y.Doc>([['tree', vault.tree.doc]])
  for (const entry of vault.tree.list())
    if (entry.kind === 'text') docs.set(entry.id, (await vault.open(entry.path)).doc)
  return docs
}

const sameVector = (a: Y.Doc, b: Y.Doc): boolean =>
  Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)))

describe(`three devices partitioned, then reconnected (seed ${seed})`, () => {
  it('converge: equal state vectors and equal text everywhere', async () => {
    const random = seeded(seed)
    const created = await createVault('convergence')
    const devices = [
      await openVault(created, new MemoryStore()),
      await openVault(created, new MemoryStore()),
      await openVault(created, new MemoryStore()),
    ]
    // A shared starting point every device has.
    await edit(devices[0]!, 'Shared.md', random, 20)
    await edit(devices[0]!, 'Folder/Also shared.md', random, 10)
    await devices[0]!.whenSynced()
    for (const device of devices) await device.whenLoaded()
    for (const device of devices) await device.whenSynced()

    for (const device of devices) device.disconnect()
    for (const [i, device] of devices.entries()) {
      await edit(device, 'Shared.md', random, 30)
      await edit(device, 'Folder/Also shared.md', random, 10)
      await edit(device, `Own ${i}.md`, random, 15)
      // Two devices create the same new path offline: the server's tree repair keeps both, renaming one.
      if (i < 2) await edit(device, 'Both created.md', random, 5)
      expect(device.hasLocalChanges).toBe(true)
    }
    devices[2]!.tree.rename('Folder/Also shared.md', 'Moved/Also shared.md')

    for (const device of devices) device.connect()
    for (const device of devices) await device.whenSynced()

    // Every edit is durably on the server now; a fresh device reads it all from there.
    const fresh = await openVault(created, new MemoryStore())
    await fresh.whenSynced()
    const expected = await documents(fresh)
    // tree, Shared, Also shared, Own 0-2, and Both created twice (the server renamed one).
    expect(expected.size).toBe(8)
    for (const device of devices) {
      // The tree first: the last relays may still be on their way.
      await untilDoc(device.tree.doc, () => sameVector(device.tree.doc, fresh.tree.doc))
      const docs = await documents(device)
      expect([...docs.keys()].sort()).toEqual([...expected.keys()].sort())
      for (const [id, want] of expected) {
        const doc = docs.get(id)!
        await untilDoc(doc, () => sameVector(doc, want))
        expect(Y.encodeStateVector(doc), `${id} state vector`).toEqual(Y.encodeStateVector(want))
        expect(Y.encodeStateAsUpdate(doc), `${id} state`).toEqual(Y.encodeStateAsUpdate(want))
        expect(doc.getText('content').toString(), `${id} text`).toBe(want.getText('content').toString())
      }
    }
    const paths = fresh.tree
      .list()
      .filter((entry) => entry.kind === 'text')
      .map((entry) => entry.path)
    expect(paths).toContain('Moved/Also shared.md')
    expect(paths.filter((p) => p.startsWith('Both created'))).toHaveLength(2)
  })
})
