// Transfers cut at random byte points against the real server, 20 seeds per run (SEED=n replays one):
// an upload cut mid-body resumes without re-sending a chunk the server has; a Node download cut
// mid-answer resumes in the same call; a Node download killed mid-way resumes from its temp file in the
// next call; an in-memory read cut mid-answer resumes. Every result is hash-identical, and a watcher
// sees the destination hold only the old or the new full content.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as prng from 'lib0/prng'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { Vault } from '../../src/index.ts'
import { downloadFile } from '../../src/node/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { expectSameBytes } from '../support/bytes.ts'
import { DestinationWatcher } from '../support/DestinationWatcher.ts'
import { TransferFaults } from '../support/TransferFaults.ts'
import { closeAll, createVault, openVault, testSeed, untilHeads } from './support/e2e.ts'

afterEach(closeAll)

const base = testSeed()
const seeds = process.env.SEED === undefined ? Array.from({ length: 20 }, (_, index) => base + index) : [base]
const totals = { cuts: 0, kills: 0, seeds: 0 }

/** A new version: a random range replaced by new bytes and a random insert; returns it and how much changed. */
function mutate(gen: prng.PRNG, old: Uint8Array): { next: Uint8Array; changed: number } {
  const changed = prng.uint32(gen, Math.floor(old.length / 10), Math.floor(old.length / 2))
  const at = prng.uint32(gen, 0, old.length - changed)
  const replaced = old.slice()
  replaced.set(prng.uint8Array(gen, changed), at)
  const insertAt = prng.uint32(gen, 0, replaced.length)
  const inserted = prng.uint8Array(gen, prng.uint32(gen, 1, 4096))
  const next = new Uint8Array(replaced.length + inserted.length)
  next.set(replaced.subarray(0, insertAt))
  next.set(inserted, insertAt)
  next.set(replaced.subarray(insertAt), insertAt + inserted.length)
  return { next, changed }
}

/** Arms a cut at a random point within the next `within` body bytes. */
function armCut(gen: prng.PRNG, faults: TransferFaults, within: number): void {
  faults.cutAt = faults.bytes + prng.uint32(gen, 0, within - 1)
}

async function device(
  created: Awaited<ReturnType<typeof createVault>>,
  faults: TransferFaults,
): Promise<Vault> {
  const vault = await openVault(created, new MemoryStore(), {
    fetch: faults.fetch,
    transferRetry: { attempts: 6, minDelayMs: 20, maxDelayMs: 200 },
  })
  await vault.whenLoaded()
  return vault
}

async function untilVersion(vault: Vault, path: string, version: string): Promise<void> {
  await untilHeads(vault, () => vault.head(path)?.version === version)
}

describe('cut transfers resume and end hash-identical', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
    // The run exercised what it claims: every seed cut its transfers and killed one download.
    expect(totals).toEqual({ cuts: 4 * seeds.length, kills: seeds.length, seeds: seeds.length })
  })

  for (const seed of seeds) {
    it(`seed ${seed}`, async () => {
      const gen = prng.create(seed)
      const created = await createVault(`resume-${seed}`)
      const writerFaults = new TransferFaults(globalThis.fetch)
      const readerFaults = new TransferFaults(globalThis.fetch)
      const writer = await device(created, writerFaults)
      const reader = await device(created, readerFaults)
      const dir = await mkdtemp(join(tmpdir(), 'amber-resume-'))
      dirs.push(dir)
      const dest = join(dir, 'file.bin')
      const path = 'Resume/file.bin'

      // v0 everywhere, untouched by faults.
      const v0 = prng.uint8Array(gen, prng.uint32(gen, 1024 * 1024, 4 * 1024 * 1024))
      await untilVersion(reader, path, (await writer.writeFile(path, v0)).version)
      await downloadFile(reader, path, dest)

      // v1: the upload is cut inside its packs; it resumes and sends no chunk twice.
      const { next: v1, changed: changed1 } = mutate(gen, v0)
      armCut(gen, writerFaults, changed1)
      const written1 = await writer.writeFile(path, v1)
      expect(writerFaults.cuts).toBe(1)
      const packed = writerFaults.packs.flat()
      expect(new Set(packed).size).toBe(packed.length)
      await untilVersion(reader, path, written1.version)

      // The Node download is cut mid-answer and resumes within the call; dest is never partial.
      let watcher = new DestinationWatcher(dest, [v0, v1])
      armCut(gen, readerFaults, changed1)
      await downloadFile(reader, path, dest)
      watcher.stop()
      expect(readerFaults.cuts).toBe(1)
      expectSameBytes(await readFile(dest), v1)
      expect(watcher.violations).toEqual([])

      // v2: the download is killed mid-way (its signal aborts at the cut), then run again.
      const { next: v2, changed: changed2 } = mutate(gen, v1)
      await untilVersion(reader, path, (await writer.writeFile(path, v2)).version)
      watcher = new DestinationWatcher(dest, [v1, v2])
      const kill = new AbortController()
      readerFaults.onCut = () => kill.abort(new Error('killed'))
      armCut(gen, readerFaults, changed2)
      await expect(downloadFile(reader, path, dest, { signal: kill.signal })).rejects.toThrow('killed')
      readerFaults.onCut = undefined
      expectSameBytes(await readFile(dest), v1)
      await downloadFile(reader, path, dest)
      watcher.stop()
      expectSameBytes(await readFile(dest), v2)
      expect(watcher.violations).toEqual([])

      // An in-memory read of v2, cut mid-answer, resumes too.
      armCut(gen, readerFaults, v2.length)
      expectSameBytes(await reader.readFile(path), v2)
      expect(readerFaults.cuts).toBe(3)

      // A stale temp file of another version does not confuse a later download.
      await writeFile(join(dir, '.file.bin.amber-00000000.partial'), new Uint8Array(10))
      await downloadFile(reader, path, dest)
      expectSameBytes(await readFile(dest), v2)

      totals.cuts += writerFaults.cuts + readerFaults.cuts
      totals.kills++
      totals.seeds++
    })
  }
})
