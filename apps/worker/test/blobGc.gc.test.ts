// Binary GC and repacking, driven by the vault's alarm (vitest.config.ts, project workerd-blob-gc, grace
// 60 s). Tests move the index's clocks into the past (ageBlobs) instead of sleeping, so exactly what the
// test aged is due — and a chunk referenced by a version is never collected, however old.

import { env, runInDurableObject } from 'cloudflare:test'
import { readPackStream } from '@amber/blobs'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  ageBlobs,
  ageHotManifests,
  blobKeysIn,
  blobRows,
  commitVersion,
  createBinaryEntries,
  manifestOf,
  postJson,
  runAlarm,
  seededChunks,
  uploadPack,
  vaultFetch,
  vaultObject,
} from './support/blobHelpers.ts'
import type { TestChunk } from './support/blobHelpers.ts'
import { createTestVault } from './support/connectInWorkerd.ts'
import { eventually } from './support/eventually.ts'
import type { TestVault } from './support/connectInWorkerd.ts'

const GRACE_MS = 60_000
/** Older than the grace. */
const PAST = 2 * GRACE_MS

const hashesOf = (chunks: readonly TestChunk[]) => chunks.map((chunk) => chunk.hash)
/** Indexed file chunks; manifests, flushed into packs as chunks of their own, are left out. */
async function indexed(vault: TestVault): Promise<string[]> {
  const manifests = new Set((await blobRows(vault, 'blob_versions')).map((row) => row.version as string))
  return (await blobRows(vault, 'blob_chunks')).map((row) => row.hash as string).filter((hash) => !manifests.has(hash)).sort()
}

async function missing(vault: TestVault, chunks: readonly TestChunk[]): Promise<string[]> {
  return ((await (await postJson(vault, 'chunks/missing', { hashes: hashesOf(chunks) })).json()) as { missing: string[] }).missing
}

async function packIdOf(res: Response): Promise<string> {
  expect(res.status).toBe(201)
  return ((await res.json()) as { packId: string }).packId
}

let vault: TestVault
let fileId: string
beforeEach(async () => {
  vault = await createTestVault('gc')
  fileId = (await createBinaryEntries(vault, 'file.bin'))[0]!
})

describe('binary GC', () => {
  it('asks for an alarm when an unreferenced chunk will pass the grace', async () => {
    await uploadPack(vault, await seededChunks(1, 100))
    const [row] = await blobRows(vault, 'blob_chunks')
    const alarm = await runInDurableObject(vaultObject(vault), (_instance, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    expect(alarm!).toBeLessThanOrEqual((row!.touched_at as number) + GRACE_MS)
  })

  it('keeps its wake when the shared alarm fires early for the room', async () => {
    await uploadPack(vault, await seededChunks(5, 100))
    // Due 5 s from now: sooner than the room's own next wake (its flush delay), so only GC can ask for it.
    await ageBlobs(vault, GRACE_MS - 5_000)
    const [row] = await blobRows(vault, 'blob_chunks')
    expect(await runAlarm(vault)).toBe(true)
    expect(await blobRows(vault, 'blob_chunks'), 'not due yet').toHaveLength(1)
    const alarm = await runInDurableObject(vaultObject(vault), (_instance, state) => state.storage.getAlarm())
    expect(alarm, 'GC asked again for its wake').not.toBeNull()
    expect(alarm!).toBeLessThanOrEqual((row!.touched_at as number) + GRACE_MS)
  })

  it('removes exactly the chunks no version references once untouched for the grace', async () => {
    const kept = await seededChunks(2, 40_000, 50_000)
    const abandoned = await seededChunks(3, 10_000, 20_000)
    const abandonedPack = await packIdOf(await uploadPack(vault, abandoned))
    await uploadPack(vault, [...kept, ...(await seededChunks(4, 30_000))])
    const { bytes } = await manifestOf(kept, 1)
    expect((await commitVersion(vault, fileId, bytes)).status).toBe(201)
    const [unused] = await seededChunks(4, 30_000)

    // Within the grace nothing goes, referenced or not.
    await runAlarm(vault)
    expect(await indexed(vault)).toEqual(hashesOf([...kept, ...abandoned, unused!]).sort())

    await ageBlobs(vault, PAST)
    expect(await runAlarm(vault)).toBe(true)
    expect(await indexed(vault)).toEqual(hashesOf(kept).sort())
    expect(await missing(vault, [...kept, ...abandoned, unused!])).toEqual(hashesOf([...abandoned, unused!]))
    // The pack that held only abandoned chunks is gone, object and row.
    expect(await blobKeysIn(vault, 'packs')).not.toContain(`vaults/${vault.vaultId}/packs/${abandonedPack}`)
    expect((await blobRows(vault, 'blob_packs')).map((row) => row.id)).not.toContain(abandonedPack)

    // Referenced chunks stay however old they get.
    await ageBlobs(vault, 100 * PAST)
    await runAlarm(vault)
    expect(await indexed(vault)).toEqual(hashesOf(kept).sort())
  })

  it('spares an unreferenced chunk that chunks/missing touched within the grace', async () => {
    const [inFlight, forgotten] = await seededChunks(5, 1000, 2000)
    await uploadPack(vault, [inFlight!, forgotten!])
    await ageBlobs(vault, PAST)
    // An upload asking about it again (before committing) touches it.
    expect(await missing(vault, [inFlight!])).toEqual([])
    await runAlarm(vault)
    expect(await indexed(vault)).toEqual([inFlight!.hash])
    // Left alone for the grace, it goes too.
    await ageBlobs(vault, PAST)
    await runAlarm(vault)
    expect(await indexed(vault)).toEqual([])
  })

  it('repacks a mostly dead pack: live chunks move to a new pack and stay readable, the old object is deleted', async () => {
    const live = await seededChunks(6, 10_000, 12_000)
    const dead = await seededChunks(7, 100_000, 200_000)
    const oldPack = await packIdOf(await uploadPack(vault, [dead[0]!, live[0]!, dead[1]!, live[1]!]))
    const { bytes } = await manifestOf(live, 1)
    expect((await commitVersion(vault, fileId, bytes)).status).toBe(201)
    await ageBlobs(vault, PAST)
    await runAlarm(vault)

    const packs = await blobKeysIn(vault, 'packs')
    expect(packs).not.toContain(`vaults/${vault.vaultId}/packs/${oldPack}`)
    expect(packs).toHaveLength(1)
    const rows = await blobRows(vault, 'blob_packs')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ state: 'live', live_bytes: 22_000 })
    expect(await indexed(vault)).toEqual(hashesOf(live).sort())
    const res = await postJson(vault, 'chunks/fetch', { hashes: hashesOf(live) })
    const fetched: TestChunk[] = []
    for await (const chunk of readPackStream(res.body!)) fetched.push(chunk)
    expect(fetched).toEqual(live)
    const file = await vaultFetch(vault, 'files/file.bin')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([...live[0]!.bytes, ...live[1]!.bytes]))
  })

  it('leaves a pack whose live share is at least AMBER_REPACK_BELOW alone', async () => {
    const live = await seededChunks(8, 60_000)
    const dead = await seededChunks(9, 40_000)
    const pack = await packIdOf(await uploadPack(vault, [...live, ...dead]))
    await commitVersion(vault, fileId, (await manifestOf(live, 1)).bytes)
    await ageBlobs(vault, PAST)
    await runAlarm(vault)
    expect(await blobKeysIn(vault, 'packs')).toEqual([`vaults/${vault.vaultId}/packs/${pack}`])
    expect(await indexed(vault)).toEqual(hashesOf(live))
  })

  it('does not rewrite a pack that a repack would not shrink (a tiny file is mostly pack header)', async () => {
    const tiny = await seededChunks(11, 20)
    const pack = await packIdOf(await uploadPack(vault, tiny))
    await commitVersion(vault, fileId, (await manifestOf(tiny, 1)).bytes)
    await ageBlobs(vault, PAST)
    await runAlarm(vault)
    expect(await blobKeysIn(vault, 'packs')).toEqual([`vaults/${vault.vaultId}/packs/${pack}`])
  })

  it('deletes a pack whose every chunk the vault already had', async () => {
    const chunks = await seededChunks(10, 1000, 2000)
    await uploadPack(vault, chunks)
    await commitVersion(vault, fileId, (await manifestOf(chunks, 1)).bytes)
    const duplicate = await packIdOf(await uploadPack(vault, chunks))
    // Due at once, so the alarm may already have fired by itself; run it in case it has not.
    await runAlarm(vault)
    await eventually(async () => (await blobRows(vault, 'blob_packs')).length === 1, 'the duplicate pack to go')
    expect(await blobKeysIn(vault, 'packs')).not.toContain(`vaults/${vault.vaultId}/packs/${duplicate}`)
    expect(await blobRows(vault, 'blob_packs')).toHaveLength(1)
  })

  it('deletes a reservation (and its object) that was never registered, once older than the grace', async () => {
    const stub = vaultObject(vault)
    // A Worker that reserved a pack, wrote it, and died before registering it.
    const packId = await stub.reservePack(vault.vaultId, 3)
    await env.BLOBS.put(`vaults/${vault.vaultId}/packs/${packId}`, new Uint8Array([1, 2, 3]))
    await runAlarm(vault)
    expect(await blobKeysIn(vault, 'packs')).toEqual([`vaults/${vault.vaultId}/packs/${packId}`])
    await ageBlobs(vault, PAST)
    expect(await runAlarm(vault)).toBe(true)
    expect(await blobKeysIn(vault, 'packs')).toEqual([])
    expect(await blobRows(vault, 'blob_packs')).toEqual([])
    // Registering it afterwards fails, so the late Worker deletes its object instead of leaving it unindexed.
    expect(await stub.registerPack(vault.vaultId, packId, [])).toBeUndefined()
  })

  it('keeps small manifests hot, then writes them to R2 in one pack that GC never collects', async () => {
    const [second] = await createBinaryEntries(vault, 'second.bin')
    const chunks = await seededChunks(12, 3000, 4000)
    await uploadPack(vault, chunks)
    const versions = []
    for (const [index, id] of [fileId, second!].entries()) {
      const { bytes, version } = await manifestOf(chunks, index + 1)
      expect((await commitVersion(vault, id, bytes)).status).toBe(201)
      versions.push({ bytes, version })
    }
    const packsBefore = await blobKeysIn(vault, 'packs')
    expect((await blobRows(vault, 'blob_manifests_hot')).map((row) => row.version).sort()).toEqual(versions.map(({ version }) => version).sort())
    // Hot, they are served from the DO.
    for (const { bytes, version } of versions) expect(new Uint8Array(await (await vaultFetch(vault, `manifests/${version}`)).arrayBuffer())).toEqual(bytes)

    await ageHotManifests(vault, PAST)
    await runAlarm(vault)
    expect(await blobRows(vault, 'blob_manifests_hot')).toEqual([])
    const packsAfter = await blobKeysIn(vault, 'packs')
    expect(packsAfter).toHaveLength(packsBefore.length + 1)
    const manifestPack = await env.BLOBS.get(packsAfter.find((key) => !packsBefore.includes(key))!)
    const packed: string[] = []
    for await (const { hash } of readPackStream(manifestPack!.body)) packed.push(hash)
    expect(packed.sort()).toEqual(versions.map(({ version }) => version).sort())

    // Cold, they are read from that pack; and they stay through any number of GC runs.
    await ageBlobs(vault, PAST)
    await runAlarm(vault)
    for (const { bytes, version } of versions) expect(new Uint8Array(await (await vaultFetch(vault, `manifests/${version}`)).arrayBuffer())).toEqual(bytes)
    expect(new Uint8Array(await (await vaultFetch(vault, 'files/second.bin')).arrayBuffer())).toEqual(new Uint8Array([...chunks[0]!.bytes, ...chunks[1]!.bytes]))
  })

  it('counts binary bytes as the pack objects in R2 plus hot manifests, through commits, flushes, GC and repacks', async () => {
    const expectUsageTrue = async (when: string) => {
      const { binaryBytes, hotManifestBytes } = (await (await vaultFetch(vault, 'usage')).json()) as { binaryBytes: number; hotManifestBytes: number }
      const { objects } = await env.BLOBS.list({ prefix: `vaults/${vault.vaultId}/packs/` })
      expect(binaryBytes, when).toBe(objects.reduce((sum, object) => sum + object.size, 0) + hotManifestBytes)
    }
    const live = await seededChunks(14, 10_000, 12_000)
    const dead = await seededChunks(15, 100_000, 200_000)
    await uploadPack(vault, [dead[0]!, live[0]!, dead[1]!, live[1]!])
    await uploadPack(vault, await seededChunks(16, 5000))
    await expectUsageTrue('after uploads')
    expect((await commitVersion(vault, fileId, (await manifestOf(live, 1)).bytes)).status).toBe(201)
    await expectUsageTrue('with a hot manifest')
    await ageHotManifests(vault, PAST)
    await ageBlobs(vault, PAST)
    await runAlarm(vault)
    expect(await blobRows(vault, 'blob_manifests_hot')).toEqual([])
    // The abandoned pack is gone, the mixed one repacked, the manifest flushed into a pack of its own.
    expect(await blobKeysIn(vault, 'packs')).toHaveLength(2)
    await expectUsageTrue('after flush, GC and repack')
  })

  it('writes a manifest too big to keep hot at once, as a pack of its own', async () => {
    // ~2,000 chunk entries make a manifest of ~150 KB, over the 128 KiB kept hot.
    const chunks = await seededChunks(13, ...Array.from({ length: 2000 }, () => 1))
    await uploadPack(vault, chunks)
    const { bytes, version } = await manifestOf(chunks, 1)
    expect(bytes.length).toBeGreaterThan(128 * 1024)
    const packsBefore = (await blobKeysIn(vault, 'packs')).length
    expect((await commitVersion(vault, fileId, bytes)).status).toBe(201)
    expect(await blobRows(vault, 'blob_manifests_hot')).toEqual([])
    expect(await blobKeysIn(vault, 'packs')).toHaveLength(packsBefore + 1)
    await ageBlobs(vault, PAST)
    await runAlarm(vault)
    expect(new Uint8Array(await (await vaultFetch(vault, `manifests/${version}`)).arrayBuffer())).toEqual(bytes)
  })
})
