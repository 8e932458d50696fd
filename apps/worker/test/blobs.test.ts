// The binary chunk API against the real Worker, VaultDO and R2 (docs/binaries.md): pack uploads are
// verified before anything is stored, fetches never pass off corrupt bytes, commits decide heads by the
// spec's total order and reach devices through the `heads` document.

import { HEADS_DOC_ID } from '@amber/protocol'
import { MAX_FETCH_BYTES, PACK_MAX_BYTES, diffManifests, encodeManifest, encodeManifestPatch, encodePack, readPackStream } from '@amber/blobs'
import type { CommitAnswer, HeadRecord, VersionsAnswer } from '@amber/blobs'
import { env } from 'cloudflare:test'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  blobKeysIn,
  blobRows,
  commitVersion,
  createBinaryEntries,
  manifestOf,
  postJson,
  seededChunks,
  uploadPack,
  vaultFetch,
} from './support/blobHelpers.ts'
import type { TestChunk } from './support/blobHelpers.ts'
import { connectInWorkerd, createTestVault } from './support/connectInWorkerd.ts'
import type { TestVault } from './support/connectInWorkerd.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'

async function errorOf(res: Response): Promise<{ status: number; code: string; hash?: string; missing?: string[] }> {
  const body = (await res.json()) as { error: { code: string; hash?: string; missing?: string[] } }
  return { status: res.status, ...body.error, code: body.error.code }
}

async function chunksFromPack(res: Response): Promise<TestChunk[]> {
  const chunks: TestChunk[] = []
  for await (const chunk of readPackStream(res.body!)) chunks.push(chunk)
  return chunks
}

let vault: TestVault
beforeAll(async () => {
  vault = await createTestVault('binaries')
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('POST packs', () => {
  it('stores a verified pack: the chunks are no longer missing, unknown ones still are', async () => {
    const chunks = await seededChunks(1, 20_000, 70_000, 1)
    const res = await uploadPack(vault, chunks)
    expect(res.status).toBe(201)
    const answer = (await res.json()) as { packId: string; stored: number; duplicates: number }
    expect(answer).toMatchObject({ stored: 3, duplicates: 0 })
    expect(await blobKeysIn(vault, 'packs')).toContain(`vaults/${vault.vaultId}/packs/${answer.packId}`)
    const [unknown] = await seededChunks(2, 100)
    const missing = await postJson(vault, 'chunks/missing', { hashes: [...chunks.map((c) => c.hash), unknown!.hash] })
    expect(await missing.json()).toEqual({ missing: [unknown!.hash] })
  })

  it('counts chunks the vault already has, and a chunk repeated in one pack, as duplicates', async () => {
    const [a, b, c] = await seededChunks(3, 1000, 2000, 3000)
    expect(await (await uploadPack(vault, [a!, b!])).json()).toMatchObject({ stored: 2, duplicates: 0 })
    expect(await (await uploadPack(vault, [b!, c!, c!])).json()).toMatchObject({ stored: 1, duplicates: 2 })
  })

  it('refuses a pack with one flipped byte with 422 naming the chunk, and stores nothing', async () => {
    const chunks = await seededChunks(4, 5000, 6000, 7000)
    const pack = encodePack(chunks)
    // The header still claims the original hash of the second chunk.
    pack[pack.length - 7000 - 100]! ^= 0x01
    const packsBefore = await blobKeysIn(vault, 'packs')
    const rowsBefore = [await blobRows(vault, 'blob_chunks'), await blobRows(vault, 'blob_packs')]
    const res = await vaultFetch(vault, 'packs', { method: 'POST', body: pack })
    expect(await errorOf(res)).toMatchObject({ status: 422, code: 'CHUNK_HASH_MISMATCH', hash: chunks[1]!.hash })
    expect(await blobKeysIn(vault, 'packs')).toEqual(packsBefore)
    expect([await blobRows(vault, 'blob_chunks'), await blobRows(vault, 'blob_packs')]).toEqual(rowsBefore)
  })

  it('refuses a pack over PACK_MAX_BYTES with 413, whether or not it declares its length', async () => {
    const body = new Uint8Array(PACK_MAX_BYTES + 1)
    expect(await errorOf(await vaultFetch(vault, 'packs', { method: 'POST', body }))).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' })
    const streamed = new Blob([body]).stream()
    expect(await errorOf(await vaultFetch(vault, 'packs', { method: 'POST', body: streamed }))).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' })
  })

  it('refuses what is not a pack with 400 BAD_PACK', async () => {
    for (const body of [new TextEncoder().encode('not a pack at all'), encodePack([]), encodePack(await seededChunks(5, 10)).slice(0, -1)]) {
      expect(await errorOf(await vaultFetch(vault, 'packs', { method: 'POST', body }))).toMatchObject({ status: 400, code: 'BAD_PACK' })
    }
  })
})

describe('POST chunks/fetch and GET chunks/:hash', () => {
  it('answers a pack of the chunks asked for, in order, each matching its hash', async () => {
    const chunks = await seededChunks(10, 30_000, 40_000, 50_000, 60_000)
    await uploadPack(vault, chunks.slice(0, 2))
    await uploadPack(vault, chunks.slice(2))
    const wanted = [chunks[3]!, chunks[0]!, chunks[1]!, chunks[3]!]
    const res = await postJson(vault, 'chunks/fetch', { hashes: wanted.map((c) => c.hash) })
    expect(res.status).toBe(200)
    // Repeats are answered once.
    expect(await chunksFromPack(res)).toEqual([chunks[3], chunks[0], chunks[1]])
    const one = await vaultFetch(vault, `chunks/${chunks[2]!.hash}`)
    expect(one.status).toBe(200)
    expect(new Uint8Array(await one.arrayBuffer())).toEqual(chunks[2]!.bytes)
  })

  it('answers 404 CHUNK_NOT_FOUND naming an unknown hash', async () => {
    const [known, unknown] = await seededChunks(11, 100, 200)
    await uploadPack(vault, [known!])
    const res = await postJson(vault, 'chunks/fetch', { hashes: [known!.hash, unknown!.hash] })
    expect(await errorOf(res)).toMatchObject({ status: 404, code: 'CHUNK_NOT_FOUND', hash: unknown!.hash })
    expect(await errorOf(await vaultFetch(vault, `chunks/${unknown!.hash}`))).toMatchObject({ status: 404, code: 'CHUNK_NOT_FOUND' })
  })

  it(`refuses to answer more than MAX_FETCH_BYTES (${MAX_FETCH_BYTES}) of chunks in one request`, async () => {
    const big = await seededChunks(12, 12 * 1024 * 1024, 12 * 1024 * 1024, 12 * 1024 * 1024)
    for (const chunk of big) expect((await uploadPack(vault, [chunk])).status).toBe(201)
    const res = await postJson(vault, 'chunks/fetch', { hashes: big.map((c) => c.hash) })
    expect(await errorOf(res)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' })
    expect((await postJson(vault, 'chunks/fetch', { hashes: big.slice(0, 2).map((c) => c.hash) })).status).toBe(200)
  })

  it('never sends a chunk whose stored bytes were corrupted: the stream errors and the server logs why', async () => {
    const own = await createTestVault('corruption')
    const chunks = await seededChunks(13, 10_000, 20_000, 30_000)
    const { packId } = (await (await uploadPack(own, chunks)).json()) as { packId: string }
    const key = `vaults/${own.vaultId}/packs/${packId}`
    const stored = new Uint8Array(await (await env.BLOBS.get(key))!.arrayBuffer())
    stored[stored.length - 30_000 - 5]! ^= 0xff // inside the second chunk
    await env.BLOBS.put(key, stored)
    const errors: string[] = []
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')))

    // The status went out before the bad chunk was read: the client gets the first chunk, then a failed body.
    const res = await postJson(own, 'chunks/fetch', { hashes: chunks.map((c) => c.hash) })
    expect(res.status).toBe(200)
    const received: TestChunk[] = []
    await expect(
      (async () => {
        for await (const chunk of readPackStream(res.body!)) received.push(chunk)
      })(),
    ).rejects.toThrow()
    expect(received).toEqual([chunks[0]])
    expect(errors.some((line) => line.includes('stream failed') && line.includes(chunks[1]!.hash))).toBe(true)

    // One chunk is verified before its answer: a clean 500.
    expect(await errorOf(await vaultFetch(own, `chunks/${chunks[1]!.hash}`))).toMatchObject({ status: 500, code: 'INTERNAL' })
    expect((await vaultFetch(own, `chunks/${chunks[0]!.hash}`)).status).toBe(200)
  })
})

describe('POST binaries/:fileId/versions', () => {
  let fileIds: string[]
  let device: VaultTestClient
  beforeAll(async () => {
    fileIds = await createBinaryEntries(vault, 'Bilder/a.png', 'Bilder/b.png', 'Bilder/c.png', 'Bilder/d.png', 'Bilder/e.png', 'Bilder/f.png')
    device = new VaultTestClient('watcher')
    await connectInWorkerd(device, vault)
    await device.whenCaughtUp()
  })
  const headIn = (client: VaultTestClient, fileId: string) => client.doc(HEADS_DOC_ID).getMap<HeadRecord>('heads').get(fileId)

  it('answers 409 MISSING_CHUNKS naming exactly the chunks not stored', async () => {
    const chunks = await seededChunks(20, 100, 200, 300, 400)
    await uploadPack(vault, [chunks[0]!, chunks[2]!])
    const { bytes } = await manifestOf([...chunks, chunks[1]!], 1_000)
    const res = await commitVersion(vault, fileIds[0]!, bytes)
    const error = await errorOf(res)
    expect(error).toMatchObject({ status: 409, code: 'MISSING_CHUNKS' })
    expect(error.missing).toEqual([chunks[1]!.hash, chunks[3]!.hash])
  })

  it('commits: head set and synced in the heads document, version listed, manifest served; a repeat changes nothing', async () => {
    const fileId = fileIds[1]!
    const chunks = await seededChunks(21, 5000, 6000)
    await uploadPack(vault, chunks)
    const { bytes, version, manifest } = await manifestOf([...chunks, chunks[0]!], 1_700_000_000_000, 'laptop')
    const res = await commitVersion(vault, fileId, bytes)
    expect(res.status).toBe(201)
    const answer = (await res.json()) as CommitAnswer
    expect(answer).toMatchObject({ version, won: true, head: { version, sha256: manifest.sha256, size: manifest.size, mtime: manifest.mtime, device: 'laptop' } })
    await device.waitFor(() => headIn(device, fileId)?.version === version, 'the head in the heads document')
    expect(headIn(device, fileId)).toEqual(answer.head)

    const versions = (await (await vaultFetch(vault, `binaries/${fileId}/versions`)).json()) as VersionsAnswer
    expect(versions.versions).toEqual([{ version, sha256: manifest.sha256, size: manifest.size, mtime: manifest.mtime, device: 'laptop', committedAt: answer.head.committedAt }])
    const served = await vaultFetch(vault, `manifests/${version}`)
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes)
    // Each distinct chunk gained one reference (the first chunk appears twice in the file).
    const refs = async () => (await blobRows(vault, 'blob_chunks')).filter((row) => chunks.some((c) => c.hash === row.hash)).map((row) => row.refs)
    expect(await refs()).toEqual([1, 1])

    const again = await commitVersion(vault, fileId, bytes)
    expect(again.status).toBe(201)
    expect(await again.json()).toEqual(answer)
    expect(await refs()).toEqual([1, 1])
    expect(((await (await vaultFetch(vault, `binaries/${fileId}/versions`)).json()) as VersionsAnswer).versions).toHaveLength(1)
  })

  it('concurrent versions end on the same head in both arrival orders: later mtime wins, the loser is named', async () => {
    const chunks = await seededChunks(22, 700, 800, 900)
    await uploadPack(vault, chunks)
    const base = await manifestOf([chunks[0]!], 1_000, 'base')
    const early = await manifestOf([chunks[1]!], 2_000, 'phone')
    const late = await manifestOf([chunks[2]!], 3_000, 'laptop')
    const heads: HeadRecord[] = []
    for (const [fileId, order] of [
      [fileIds[2]!, [early, late]],
      [fileIds[3]!, [late, early]],
    ] as const) {
      expect((await commitVersion(vault, fileId, base.bytes)).status).toBe(201)
      const answers = []
      for (const version of order) answers.push((await (await commitVersion(vault, fileId, version.bytes, base.version)).json()) as CommitAnswer)
      // The first to arrive succeeds the base; the second is concurrent with it and loses unless it is later.
      expect(answers.map((a) => a.won)).toEqual([true, order[1] === late])
      heads.push(answers[1]!.head)
      await device.waitFor(() => headIn(device, fileId)?.conflict !== undefined, 'the conflict in the heads document')
      expect(headIn(device, fileId)).toEqual(answers[1]!.head)
    }
    for (const head of heads) {
      expect(head).toMatchObject({ version: late.version, device: 'laptop', conflict: { version: early.version, device: 'phone', mtime: 2_000 } })
    }
    // Both losers stay versions of their file.
    const listed = (await (await vaultFetch(vault, `binaries/${fileIds[2]!}/versions`)).json()) as VersionsAnswer
    expect(listed.versions.map((v) => v.version).sort()).toEqual([base.version, early.version, late.version].sort())
  })

  it('many commits at once to one file end on the head the rule picks, whatever order the server takes them in', async () => {
    const fileId = fileIds[5]!
    const chunks = await seededChunks(24, ...Array.from({ length: 12 }, (_, index) => 100 + index))
    await uploadPack(vault, chunks)
    const base = await manifestOf([chunks[0]!], 1_000, 'base')
    expect((await commitVersion(vault, fileId, base.bytes)).status).toBe(201)
    // Eleven devices write from the same base at once; two share the latest mtime (the version id breaks the tie).
    const versions = await Promise.all(chunks.slice(1).map((chunk, index) => manifestOf([chunk], index < 2 ? 9_000 : 2_000 + index, `device-${index}`)))
    const answers = await Promise.all(versions.map(async (version) => (await (await commitVersion(vault, fileId, version.bytes, base.version)).json()) as CommitAnswer))
    const expected = versions.filter((v) => v.manifest.mtime === 9_000).map((v) => v.version).sort().at(-1)!
    await device.waitFor(() => headIn(device, fileId)?.version === expected, 'the winner in the heads document')
    expect(answers.filter((answer) => answer.version === expected)[0]!.won).toBe(true)
    const listed = (await (await vaultFetch(vault, `binaries/${fileId}/versions`)).json()) as VersionsAnswer
    expect(listed.versions).toHaveLength(12)
  })

  it('a succession wins even with an older mtime (a device with a slow clock overwrites what it saw)', async () => {
    const fileId = fileIds[4]!
    const chunks = await seededChunks(23, 100, 200)
    await uploadPack(vault, chunks)
    const first = await manifestOf([chunks[0]!], 5_000)
    const older = await manifestOf([chunks[1]!], 4_000, 'slow clock')
    await commitVersion(vault, fileId, first.bytes)
    const answer = (await (await commitVersion(vault, fileId, older.bytes, first.version)).json()) as CommitAnswer
    expect(answer).toMatchObject({ won: true, head: { version: older.version, mtime: 4_000 } })
    expect(answer.head.conflict).toBeUndefined()
  })

  it('takes a manifest patch against a stored base, and refuses one with an unknown base or the wrong result', async () => {
    const fileId = fileIds[0]!
    const chunks = await seededChunks(25, 3000, 4000, 5000, 6000)
    await uploadPack(vault, chunks)
    const base = await manifestOf(chunks.slice(0, 3), 10_000)
    expect((await commitVersion(vault, fileId, base.bytes)).status).toBe(201)
    const next = await manifestOf([chunks[0]!, chunks[3]!, chunks[2]!], 11_000)
    const patch = diffManifests(base.manifest, base.version, next.manifest, next.version)
    const res = await commitVersion(vault, fileId, encodeManifestPatch(patch), base.version)
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ version: next.version, won: true })
    // Stored whole: the version is self-contained.
    expect(new Uint8Array(await (await vaultFetch(vault, `manifests/${next.version}`)).arrayBuffer())).toEqual(next.bytes)

    const orphan = encodeManifestPatch({ ...patch, base: '1'.repeat(64) })
    expect(await errorOf(await commitVersion(vault, fileId, orphan))).toMatchObject({ status: 409, code: 'VERSION_NOT_FOUND' })
    const wrong = encodeManifestPatch({ ...patch, version: '2'.repeat(64) })
    expect(await errorOf(await commitVersion(vault, fileId, wrong))).toMatchObject({ status: 400, code: 'BAD_MANIFEST' })
  })

  it('refuses unknown files, notes, malformed manifests and chunk lengths that disagree with the stored chunks', async () => {
    const [chunk] = await seededChunks(24, 100)
    await uploadPack(vault, [chunk!])
    const { bytes } = await manifestOf([chunk!], 1)
    expect(await errorOf(await commitVersion(vault, 'f'.repeat(21), bytes))).toMatchObject({ status: 404, code: 'FILE_NOT_FOUND' })
    const put = await vaultFetch(vault, 'files/Notes/text.md', { method: 'PUT', body: 'a note' })
    const { fileId: noteId } = (await put.json()) as { fileId: string }
    expect(await errorOf(await commitVersion(vault, noteId, bytes))).toMatchObject({ status: 409, code: 'NOT_A_BINARY' })
    const { manifest } = await manifestOf([chunk!], 1)
    const lying = encodeManifest({ ...manifest, size: 99, chunks: [[chunk!.hash, 99]] })
    expect(await errorOf(await commitVersion(vault, fileIds[0]!, lying))).toMatchObject({ status: 400, code: 'BAD_MANIFEST' })
    const spaced = new TextEncoder().encode(` ${new TextDecoder().decode(bytes)}`)
    expect(await errorOf(await commitVersion(vault, fileIds[0]!, spaced))).toMatchObject({ status: 400, code: 'BAD_MANIFEST' })
    expect(await errorOf(await vaultFetch(vault, `manifests/${'0'.repeat(64)}`))).toMatchObject({ status: 404, code: 'VERSION_NOT_FOUND' })
  })
})

describe('POST versions (many commits in one request)', () => {
  let fileIds: string[]
  beforeAll(async () => {
    fileIds = await createBinaryEntries(vault, 'Batch/a.png', 'Batch/b.png', 'Batch/c.png', 'Batch/d.png', 'Batch/e.png')
  })
  const commitMany = (commits: readonly { fileId: string; base?: string; manifest: Uint8Array }[]) =>
    postJson(vault, 'versions', { commits: commits.map(({ manifest, ...rest }) => ({ ...rest, manifest: new TextDecoder().decode(manifest) })) })
  const headOf = async (fileId: string) => ((await (await vaultFetch(vault, `binaries/${fileId}/versions`)).json()) as VersionsAnswer).versions

  it('decides each commit in order and answers each as the single-commit route would, one failing not failing the others', async () => {
    const chunks = await seededChunks(30, 1000, 2000, 3000, 4000)
    await uploadPack(vault, chunks.slice(0, 3))
    const a = await manifestOf([chunks[0]!], 1_000)
    const b = await manifestOf([chunks[1]!, chunks[2]!], 2_000)
    const unstored = await manifestOf([chunks[3]!], 3_000)
    const aNext = await manifestOf([chunks[2]!], 500) // older mtime, but it succeeds a: a succession wins
    const orphanPatch = encodeManifestPatch({ ...diffManifests(a.manifest, a.version, aNext.manifest, aNext.version), base: '1'.repeat(64) })
    const res = await commitMany([
      { fileId: fileIds[0]!, manifest: a.bytes },
      { fileId: fileIds[1]!, manifest: b.bytes },
      { fileId: fileIds[2]!, manifest: unstored.bytes },
      { fileId: 'f'.repeat(21), manifest: a.bytes },
      { fileId: fileIds[3]!, manifest: orphanPatch },
      { fileId: fileIds[0]!, base: a.version, manifest: encodeManifestPatch(diffManifests(a.manifest, a.version, aNext.manifest, aNext.version)) },
    ])
    expect(res.status).toBe(200)
    const { results } = (await res.json()) as { results: Array<{ committed?: CommitAnswer; error?: { code: string; missing?: string[] } }> }
    expect(results.map((result) => result.committed?.version ?? result.error?.code)).toEqual([
      a.version,
      b.version,
      'MISSING_CHUNKS',
      'FILE_NOT_FOUND',
      'VERSION_NOT_FOUND',
      aNext.version,
    ])
    expect(results[2]!.error!.missing).toEqual([chunks[3]!.hash])
    expect(results[5]!.committed).toMatchObject({ won: true, head: { version: aNext.version } })
    expect((await headOf(fileIds[0]!)).map((v) => v.version)).toEqual([aNext.version, a.version])
    expect(await headOf(fileIds[2]!)).toEqual([])
    expect((await (await vaultFetch(vault, 'files/Batch/b.png')).arrayBuffer()).byteLength).toBe(5000)
  })

  it('refuses a batch that is empty, too long or malformed, as a whole', async () => {
    const { bytes } = await manifestOf(await seededChunks(31, 10), 1)
    const manifest = new TextDecoder().decode(bytes)
    for (const body of [
      { commits: [] },
      { commits: Array.from({ length: 1001 }, () => ({ fileId: fileIds[4]!, manifest })) },
      { commits: [{ fileId: fileIds[4]!, manifest, extra: 1 }] },
      { commits: [{ fileId: fileIds[4]!, base: 'not a version', manifest }] },
      { commits: [{ fileId: fileIds[4]! }] },
    ]) {
      expect(await errorOf(await postJson(vault, 'versions', body))).toMatchObject({ status: 400, code: 'INVALID_REQUEST' })
    }
    expect(await headOf(fileIds[4]!)).toEqual([])
  })
})
