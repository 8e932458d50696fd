// Binary files through the SDK against the in-process fakes (socket and HTTP API): writes that send only
// missing chunks, batch writes whose files share packs, verified reads, retries that resume, corrupted
// chunks refetched and never returned or cached, concurrent writes and the binaryConflict event, the
// heads document kept read-only.

import { PACK_TARGET_BYTES, encodeManifest, sha256Hex } from '@amber/blobs'
import { HEADS_DOC_ID, MessageType, SyncStep } from '@amber/protocol'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BinaryConflictEvent, TransferProgress } from '../src/index.ts'
import { isVaultError } from '../src/index.ts'
import { BlobHttp } from '../src/binary/BlobHttp.ts'
import { MemoryStore } from '../src/store/MemoryStore.ts'
import { closeDevices, createFakes, device, untilHead } from './support/binaryFakes.ts'
import { FAKE_TOKEN } from './support/FakeBlobServer.ts'
import type { Fakes } from './support/binaryFakes.ts'
import { nextEvent } from './support/sdk.ts'
import { expectSameBytes, randomBytes, smallFiles, totalBytes } from './support/bytes.ts'
import { TransferFaults } from './support/TransferFaults.ts'

let fakes: Fakes
beforeEach(() => {
  fakes = createFakes()
})
afterEach(() => closeDevices(fakes))

function isCommitRequest(request: string): boolean {
  return request === 'POST versions' || (request.startsWith('POST binaries/') && request.endsWith('/versions'))
}

describe('writeFile and readFile', () => {
  it('round-trips bytes through chunks, packs and a manifest; a second device reads them', async () => {
    const writer = await device(fakes)
    const data = randomBytes(700 * 1024, 1)
    const result = await writer.writeFile('Media/clip.bin', data, { mtime: 5_000 })
    expect(result.won).toBe(true)
    expect(result.head).toMatchObject({
      version: result.version,
      size: data.length,
      mtime: 5_000,
      device: writer.deviceId,
    })
    expect(writer.tree.get('Media/clip.bin')?.kind).toBe('binary')

    const reader = await device(fakes)
    await untilHead(fakes, reader, 'Media/clip.bin')
    expect(reader.head('Media/clip.bin')).toEqual(result.head)
    expectSameBytes(await reader.readFile('Media/clip.bin'), data)
  })

  it('sends only the chunks the server lacks: a 1-byte edit re-sends at most 2, an identical file none', async () => {
    const vault = await device(fakes)
    const data = randomBytes(2 * 1024 * 1024, 2)
    await vault.writeFile('a.bin', data)
    const first = fakes.blobs.packedChunks.length
    const edited = data.slice()
    edited[1_000_000]! ^= 1
    const asked = fakes.blobs.askedMissing.length
    const edit = await vault.writeFile('a.bin', edited)
    // Only chunks the base version lacks were asked about; the commit went as a patch of the base's
    // chunk list, and the server rebuilt the exact version.
    expect(fakes.blobs.askedMissing.slice(asked).reduce((sum, n) => sum + n, 0)).toBeLessThanOrEqual(2)
    expect(fakes.blobs.patchCommits).toBe(1)
    expect(edit.version).toBe(await sha256Hex(fakes.blobs.manifests.get(edit.version)!))
    expect(fakes.blobs.packedChunks.length - first).toBeGreaterThan(0)
    expect(fakes.blobs.packedChunks.length - first).toBeLessThanOrEqual(2)
    const beforeCopy = fakes.blobs.packedChunks.length
    await vault.writeFile('copy.bin', data)
    expect(fakes.blobs.packedChunks.length).toBe(beforeCopy)
  })

  it('falls back to the whole manifest when the server does not know the patch base', async () => {
    const vault = await device(fakes)
    const data = randomBytes(300_000, 9)
    const first = await vault.writeFile('b.bin', data)
    fakes.blobs.manifests.delete(first.version)
    data[1] = data[1]! ^ 1
    const second = await vault.writeFile('b.bin', data)
    expect(second.won).toBe(true)
    expect(fakes.blobs.patchCommits).toBe(0)
    expect(await vault.readFile('b.bin')).toEqual(data)
  })

  it('a second write right after the first succeeds it (base = the version just committed), even with an older mtime', async () => {
    const vault = await device(fakes)
    const first = await vault.writeFile('x.bin', randomBytes(1000, 3), { mtime: 2_000 })
    const second = await vault.writeFile('x.bin', randomBytes(1000, 4), { mtime: 1_000 })
    expect(second.won).toBe(true)
    expect(fakes.blobs.versions.get(vault.tree.get('x.bin')!.id)?.[0]?.base).toBe(first.version)
  })

  it('reports monotonic progress for every phase, ending at the totals', async () => {
    const vault = await device(fakes)
    const data = randomBytes(3 * 1024 * 1024, 5)
    const written: TransferProgress[] = []
    await vault.writeFile('p.bin', data, { onProgress: (event) => written.push(event) })
    const read: TransferProgress[] = []
    const other = await device(fakes)
    await untilHead(fakes, other, 'p.bin')
    await other.readFile('p.bin', { onProgress: (event) => read.push(event) })
    expectMonotonic(written, ['chunking', 'uploading', 'committing'])
    expectMonotonic(read, ['downloading', 'verifying'])
    expect(written.find((event) => event.phase === 'chunking')?.bytesTotal).toBe(data.length)
  })

  it('refuses text paths and files without a version with typed errors', async () => {
    const vault = await device(fakes)
    await expect(vault.writeFile('Note.md', new Uint8Array(1))).rejects.toMatchObject({
      code: 'NOT_A_BINARY',
    })
    vault.tree.createFile('empty.bin')
    await expect(vault.readFile('empty.bin')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' })
    await expect(vault.readFile('nothing.bin')).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' })
  })

  it('writes a Blob, taking its mtime from a File', async () => {
    const vault = await device(fakes)
    const data = randomBytes(300 * 1024, 6)
    const result = await vault.writeFile(
      'f.bin',
      new File([data as Uint8Array<ArrayBuffer>], 'f.bin', { lastModified: 1_234 }),
    )
    expect(result.head.mtime).toBe(1_234)
    expectSameBytes(await vault.readFile('f.bin'), data)
  })
})

describe('writeFiles: a batch in shared packs', () => {
  const count = (request: string) => fakes.blobs.requests.filter((sent) => sent === request).length
  /** Commit requests: `POST versions` (many at once) or `POST binaries/:fileId/versions` (one). */
  const commits = () => fakes.blobs.requests.filter(isCommitRequest).length

  it('50 small files go up in ⌈total / PACK_TARGET_BYTES⌉ packs after one missing request, and read back byte for byte', async () => {
    const vault = await device(fakes)
    const files = smallFiles(50, 21)
    const progress: TransferProgress[] = []
    const results = await vault.writeFiles(files, { onProgress: (event) => progress.push(event) })
    expect(count('POST packs')).toBe(Math.ceil(totalBytes(files) / PACK_TARGET_BYTES))
    expect(count('POST packs')).toBeLessThan(5)
    expect(count('POST chunks/missing')).toBe(1)
    // All 50 commits in one request.
    expect(commits()).toBe(1)
    // One result per item, in order, each the file's head.
    expect(results.map((result) => [result.won, result.head.size])).toEqual(
      files.map(({ data }) => [true, data.length]),
    )
    expectMonotonic(progress, ['chunking', 'uploading', 'committing'])
    expect(progress.find((event) => event.phase === 'chunking')?.bytesTotal).toBe(totalBytes(files))
    expect(progress.filter((event) => event.phase === 'uploading').at(-1)?.bytesTotal).toBe(totalBytes(files))

    const reader = await device(fakes)
    await untilHead(fakes, reader, files.at(-1)!.path, results.at(-1)!.version)
    for (const [index, { path, data }] of files.entries()) {
      expect(reader.head(path)?.version).toBe(results[index]!.version)
      expectSameBytes(await reader.readFile(path), data)
    }
  })

  it('a second identical batch uploads no chunk', async () => {
    const vault = await device(fakes)
    const files = smallFiles(50, 22)
    await vault.writeFiles(files)
    const packs = count('POST packs')
    const chunks = fakes.blobs.packedChunks.length
    const copies = await vault.writeFiles(files.map(({ path, data }) => ({ path: `Copy/${path}`, data })))
    expect(count('POST packs')).toBe(packs)
    expect(fakes.blobs.packedChunks.length).toBe(chunks)
    expect(count('POST chunks/missing')).toBe(2)
    expect(copies.every((result) => result.won)).toBe(true)
    expectSameBytes(await vault.readFile('Copy/Photos/007.jpg'), files[7]!.data)
  })

  it('a batch cut mid-way resumes: missing is asked again, no stored chunk is sent again', async () => {
    const faults = new TransferFaults(fakes.blobs.fetch)
    const vault = await device(fakes, { faults })
    const files = smallFiles(250, 23) // about 10 MiB: two packs
    faults.cutAt = PACK_TARGET_BYTES + 512 * 1024 // inside the second pack
    const results = await vault.writeFiles(files)
    expect(faults.cuts).toBe(1)
    expect(faults.packs.length).toBe(Math.ceil(totalBytes(files) / PACK_TARGET_BYTES))
    expect(faults.packs.length).toBe(2)
    expect(count('POST chunks/missing')).toBe(2)
    expect(new Set(fakes.blobs.packedChunks).size).toBe(fakes.blobs.packedChunks.length)
    expect(results.every((result) => result.won)).toBe(true)
    for (const index of [0, 124, 249])
      expectSameBytes(await vault.readFile(files[index]!.path), files[index]!.data)
  })

  it('a new file and an edit of an existing one: the edit is committed against its base and wins, no conflict', async () => {
    const vault = await device(fakes)
    const old = randomBytes(600 * 1024, 24)
    const first = await vault.writeFile('Docs/scan.pdf', old, { mtime: 5_000 })
    const conflicts: BinaryConflictEvent[] = []
    vault.on('binaryConflict', (event) => conflicts.push(event))
    const edited = old.slice()
    edited[300_000]! ^= 1
    const fresh = randomBytes(40 * 1024, 25)
    const before = fakes.blobs.packedChunks.length
    const [added, edit] = await vault.writeFiles([
      { path: 'Docs/new.png', data: fresh, mtime: 1_000 },
      { path: 'Docs/scan.pdf', data: edited, mtime: 1_000 }, // an older clock: succession, not a race
    ])
    expect(added!.won && edit!.won).toBe(true)
    const fileId = vault.tree.get('Docs/scan.pdf')!.id
    expect(fakes.blobs.versions.get(fileId)?.[0]).toMatchObject({
      version: edit!.version,
      base: first.version,
    })
    expect(fakes.blobs.patchCommits).toBe(1)
    expect(edit!.head.conflict).toBeUndefined()
    // The new file's chunk and the chunks around the edit, in one pack.
    expect(count('POST packs')).toBe(2)
    expect(fakes.blobs.packedChunks.length - before).toBeLessThanOrEqual(3)
    expectSameBytes(await vault.readFile('Docs/scan.pdf'), edited)
    expectSameBytes(await vault.readFile('Docs/new.png'), fresh)
    await vault.flush()
    expect(conflicts).toEqual([])
  })

  it('a path given twice: the later version succeeds the earlier', async () => {
    const vault = await device(fakes)
    const [first, second] = await vault.writeFiles([
      { path: 'twice.bin', data: randomBytes(30_000, 26), mtime: 2_000 },
      { path: 'twice.bin', data: randomBytes(30_000, 27), mtime: 1_000 },
    ])
    expect([first!.won, second!.won]).toEqual([true, true])
    expect(second!.head.version).toBe(second!.version)
    expect(fakes.blobs.versions.get(vault.tree.get('twice.bin')!.id)?.[0]?.base).toBe(first!.version)
    expect(count('POST packs')).toBe(1)
  })

  it('a commit answered MISSING_CHUNKS mid-batch uploads what it names; the batch is committed', async () => {
    const vault = await device(fakes)
    const files = [1, 2, 3].map((seed) => ({ path: `gc/${seed}.bin`, data: randomBytes(10_000, 30 + seed) }))
    const lastChunk = await sha256Hex(files[2]!.data) // under FastCDC's minimum: one chunk
    fakes.blobs.beforeCommit = () => {
      fakes.blobs.chunks.delete(lastChunk) // GC ran between the upload and the last commits
      fakes.blobs.beforeCommit = undefined
    }
    const results = await vault.writeFiles(files)
    expect(results.every((result) => result.won)).toBe(true)
    // The first two commit in the first request; the third, refused, goes again after its chunk.
    expect(commits()).toBe(2)
    expect(count('POST packs')).toBe(2)
    expect(fakes.blobs.packedChunks.at(-1)).toBe(lastChunk)
    expectSameBytes(await vault.readFile('gc/3.bin'), files[2]!.data)
  })

  it('a text path anywhere in the batch refuses it before any entry is created or byte sent', async () => {
    const vault = await device(fakes)
    await expect(
      vault.writeFiles([
        { path: 'a.png', data: randomBytes(10, 40) },
        { path: 'Note.md', data: randomBytes(10, 41) },
      ]),
    ).rejects.toMatchObject({ code: 'NOT_A_BINARY' })
    expect(vault.tree.list()).toEqual([])
    expect(fakes.blobs.requests).toEqual([])
  })
})

describe('resumable, verified transfers', () => {
  it('an upload cut mid-pack resumes: missing is asked again and no chunk reaches the server twice', async () => {
    const faults = new TransferFaults(fakes.blobs.fetch)
    const vault = await device(fakes, { faults })
    const data = randomBytes(12 * 1024 * 1024, 7) // two packs
    faults.cutAt = 9 * 1024 * 1024 // inside the second pack
    await vault.writeFile('big.bin', data)
    expect(faults.cuts).toBe(1)
    expect(fakes.blobs.requests.filter((request) => request === 'POST chunks/missing').length).toBe(2)
    expect(new Set(fakes.blobs.packedChunks).size).toBe(fakes.blobs.packedChunks.length)
    expectSameBytes(await vault.readFile('big.bin'), data)
  })

  it('5xx answers and a commit answered MISSING_CHUNKS (GC raced the upload) are retried until committed', async () => {
    let failures = 2
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/packs') && failures-- > 0) return new Response('busy', { status: 503 })
      return fakes.blobs.fetch(input, init)
    }
    const vault = await device(fakes, { faults: new TransferFaults(flaky) })
    let collected = false
    fakes.blobs.beforeCommit = () => {
      if (collected) return
      collected = true
      fakes.blobs.chunks.delete([...fakes.blobs.chunks.keys()][0]!)
    }
    const data = randomBytes(500 * 1024, 8)
    const result = await vault.writeFile('gc.bin', data)
    expect(result.won).toBe(true)
    expect(fakes.blobs.requests.filter(isCommitRequest).length).toBe(2)
    expectSameBytes(await vault.readFile('gc.bin'), data)
  })

  it('a download cut mid-answer resumes from the chunks already verified', async () => {
    const data = randomBytes(4 * 1024 * 1024, 9)
    await (await device(fakes)).writeFile('d.bin', data)
    const faults = new TransferFaults(fakes.blobs.fetch)
    const reader = await device(fakes, { faults })
    await untilHead(fakes, reader, 'd.bin')
    faults.cutAt = 2 * 1024 * 1024
    expectSameBytes(await reader.readFile('d.bin'), data)
    expect(faults.cuts).toBe(1)
    // The second request asked only for what the first did not deliver.
    const [first, second] = fakes.blobs.fetches
    expect(fakes.blobs.fetches).toHaveLength(2)
    expect(second!.length).toBeLessThan(first!.length)
    expect(second!.every((hash) => first!.includes(hash))).toBe(true)
  })

  it('a corrupted chunk is detected, fetched again, and never returned or cached', async () => {
    const data = randomBytes(1024 * 1024, 10)
    await (await device(fakes)).writeFile('c.bin', data)
    const faults = new TransferFaults(fakes.blobs.fetch)
    const store = new MemoryStore()
    const reader = await device(fakes, { faults, store })
    await untilHead(fakes, reader, 'c.bin')
    faults.corruptAnswers = 1
    const bytes = await reader.readFile('c.bin')
    expectSameBytes(bytes, data)
    expect(faults.corruptAnswers).toBe(0)
    // The corrupted byte was in the answer's last chunk: the second request asked for that one alone.
    expect(fakes.blobs.fetches.map((hashes) => hashes.length)).toEqual([fakes.blobs.fetches[0]!.length, 1])
    expect(fakes.blobs.fetches[1]![0]).toBe(fakes.blobs.fetches[0]!.at(-1))
    expectSameBytes(store.data.binaries?.get(reader.tree.get('c.bin')!.id)?.bytes, data)
  })

  it('a chunk corrupted on every fetch fails the read after 3 attempts, caching nothing', async () => {
    await (await device(fakes)).writeFile('bad.bin', randomBytes(100 * 1024, 11))
    const faults = new TransferFaults(fakes.blobs.fetch)
    faults.corruptAnswers = Infinity
    const store = new MemoryStore()
    const reader = await device(fakes, { faults, store })
    await untilHead(fakes, reader, 'bad.bin')
    const error = await reader.readFile('bad.bin').catch((caught: unknown) => caught)
    expect(isVaultError(error) && error.code).toBe('CHUNK_HASH_MISMATCH')
    expect(fakes.blobs.requests.filter((request) => request === 'POST chunks/fetch').length).toBe(3)
    expect(store.data.binaries?.size ?? 0).toBe(0)
  })

  it('a read of the head is served from the store offline once it was verified', async () => {
    const data = randomBytes(200 * 1024, 12)
    await (await device(fakes)).writeFile('o.bin', data)
    const store = new MemoryStore()
    const reader = await device(fakes, { store })
    await untilHead(fakes, reader, 'o.bin')
    await reader.readFile('o.bin')
    await reader.close()
    const offlineFetch: typeof fetch = () => Promise.reject(new TypeError('offline'))
    const restarted = await device(fakes, {
      store: new MemoryStore({ data: store.data }),
      offline: true,
      fetch: offlineFetch,
    })
    expect(restarted.head('o.bin')?.size).toBe(data.length)
    expectSameBytes(await restarted.readFile('o.bin'), data)
  })

  it('a read after a 1-byte change fetches at most 2 chunks: the rest comes from the cached older version', async () => {
    const data = randomBytes(2 * 1024 * 1024, 14)
    const writer = await device(fakes)
    await writer.writeFile('big.bin', data)
    const store = new MemoryStore()
    const reader = await device(fakes, { store })
    await untilHead(fakes, reader, 'big.bin')
    await reader.readFile('big.bin')
    const edited = data.slice()
    edited[data.length / 2] = edited[data.length / 2]! ^ 0xff
    const { version } = await writer.writeFile('big.bin', edited)
    await untilHead(fakes, reader, 'big.bin', version)
    // A rotten byte in the cache: that chunk is fetched too, never trusted.
    const cached = store.data.binaries!.get(reader.tree.get('big.bin')!.id)!
    cached.bytes[10] = cached.bytes[10]! ^ 0xff
    fakes.blobs.fetches.length = 0
    expectSameBytes(await reader.readFile('big.bin'), edited)
    // The edited chunk and the rotten one.
    expect(fakes.blobs.fetches.flat()).toHaveLength(2)
    expectSameBytes(store.data.binaries?.get(reader.tree.get('big.bin')!.id)?.bytes, edited)
  })

  it('the credential goes in an Authorization header; an abort rejects with its reason', async () => {
    const vault = await device(fakes)
    await vault.writeFile('auth.bin', randomBytes(10, 13)) // the fake answers 401 without the Bearer token
    const controller = new AbortController()
    controller.abort(new Error('stop'))
    await expect(vault.readFile('auth.bin', { signal: controller.signal })).rejects.toThrow('stop')
  })
})

describe('heads and conflicts', () => {
  it('concurrent writes converge on one head; the loser is a readable version and both devices hear of it', async () => {
    const a = await device(fakes)
    const b = await device(fakes)
    await a.writeFile('shared.bin', randomBytes(50_000, 14), { mtime: 1_000 })
    await untilHead(fakes, b, 'shared.bin')

    b.disconnect() // partitioned from the socket: it will not hear of a's next version
    const aHears = nextEvent(a, 'binaryConflict')
    const bHears = nextEvent(b, 'binaryConflict')
    const newer = await a.writeFile('shared.bin', randomBytes(50_000, 15), { mtime: 3_000 })
    const losing = randomBytes(60_000, 16)
    const lost = await b.writeFile('shared.bin', losing, { mtime: 2_000 }) // base: the first version
    expect(lost.won).toBe(false)
    expect(lost.head.version).toBe(newer.version)
    const event = await bHears
    expect(event).toMatchObject({
      path: 'shared.bin',
      lost: { version: lost.version, device: b.deviceId, mtime: 2_000 },
    })
    expect((await aHears).lost.version).toBe(lost.version)

    b.connect()
    await fakes.server.until(
      () => b.head('shared.bin')?.conflict !== undefined && a.head('shared.bin')?.conflict !== undefined,
    )
    expect(b.head('shared.bin')).toEqual(a.head('shared.bin'))
    expect((await a.fileVersions('shared.bin')).map((info) => info.version)).toContain(lost.version)
    expectSameBytes(await a.readFile('shared.bin', { version: lost.version }), losing)
  })

  it('a lazy vault receives the heads document too, after the tree, and no device ever sends an update of it', async () => {
    const eager = await device(fakes)
    const lazy = await device(fakes, { lazy: true })
    const { version } = await eager.writeFile('lazy.bin', randomBytes(1000, 17))
    await untilHead(fakes, lazy, 'lazy.bin', version)
    // A device that joins later hears of the head with its path: the tree arrives first.
    const late = await device(fakes, { lazy: true, offline: true })
    const heard = nextEvent(late, 'head')
    late.connect()
    expect(await heard).toMatchObject({ path: 'lazy.bin', head: { version } })
    const sentHeads = fakes.server.received.filter(
      (message) =>
        message.type === MessageType.Doc &&
        message.docId === HEADS_DOC_ID &&
        message.body.channel === 0 &&
        message.body.sync.step !== SyncStep.Step1,
    )
    expect(sentHeads).toEqual([])
  })

  it('conflicts stored before a session are not reported again; new ones are, once', async () => {
    const a = await device(fakes)
    const store = new MemoryStore()
    const b = await device(fakes, { store })
    await a.writeFile('once.bin', randomBytes(100, 18), { mtime: 10 })
    await untilHead(fakes, b, 'once.bin')
    b.disconnect()
    await a.writeFile('once.bin', randomBytes(100, 19), { mtime: 30 })
    const events: BinaryConflictEvent[] = []
    b.on('binaryConflict', (event) => events.push(event))
    await b.writeFile('once.bin', randomBytes(100, 20), { mtime: 20 })
    b.connect()
    await fakes.server.until(() => b.head('once.bin')?.conflict !== undefined)
    await b.flush()
    expect(events).toHaveLength(1)
    await b.close()
    const again = await device(fakes, { store: new MemoryStore({ data: store.data }) })
    const later: BinaryConflictEvent[] = []
    again.on('binaryConflict', (event) => later.push(event))
    await again.whenSynced()
    expect(later).toEqual([])
  })
})

function expectMonotonic(events: readonly TransferProgress[], phases: readonly string[]): void {
  expect([...new Set(events.map((event) => event.phase))]).toEqual(phases)
  for (const phase of phases) {
    const of = events.filter((event) => event.phase === phase)
    for (let index = 1; index < of.length; index++)
      expect(of[index]!.bytesDone).toBeGreaterThanOrEqual(of[index - 1]!.bytesDone)
    expect(of.at(-1)!.bytesDone).toBe(of.at(-1)!.bytesTotal)
    for (const event of of) expect(event.bytesDone).toBeLessThanOrEqual(event.bytesTotal)
  }
}

describe('the single-commit route (manifests too big to share a request)', () => {
  it('answers a commit or its refusal in the shape of one POST versions result', async () => {
    const vault = await device(fakes)
    const data = randomBytes(10_000, 50)
    const { version } = await vault.writeFile('one.bin', data)
    const fileId = vault.tree.get('one.bin')!.id
    const http = new BlobHttp({ base: 'http://fake/api/v1/vaults/v1', credential: FAKE_TOKEN, fetch: fakes.blobs.fetch })
    const manifest = await http.manifest(version)
    expect(await http.commit({ fileId, base: undefined, body: manifest })).toMatchObject({ committed: { version } })
    const unstored = encodeManifest({ size: 1, sha256: '0'.repeat(64), mtime: 1, device: 'd', chunks: [['1'.repeat(64), 1]] })
    expect(await http.commit({ fileId, base: version, body: unstored })).toEqual({
      error: { code: 'MISSING_CHUNKS', message: 'upload them', missing: ['1'.repeat(64)] },
    })
    expect(await http.commit({ fileId: 'nope', base: undefined, body: manifest })).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } })
  })
})
