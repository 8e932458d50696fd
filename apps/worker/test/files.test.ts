// The plain HTTP files API against the real Worker and VaultDO (docs/binaries.md): notes and binaries
// by path, ranges, conditional writes that keep live editors' changes, deletes that leave a tombstone.

import { sha256Hex } from '@amber/blobs'
import type { CommitAnswer, HeadRecord } from '@amber/blobs'
import { seededBytes } from '@amber/blobs/test-support'
import { getEntry } from '@amber/core'
import type { FileId } from '@amber/core'
import { HEADS_DOC_ID } from '@amber/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { vaultFetch } from './support/blobHelpers.ts'
import { eventually } from './support/eventually.ts'
import { callApi, connectInWorkerd, createTestToken, createTestVault } from './support/connectInWorkerd.ts'
import type { TestVault } from './support/connectInWorkerd.ts'
import { VaultTestClient } from './support/VaultTestClient.ts'
import { createNote, noteId, textOf } from './support/vaultHelpers.ts'

const quoted = (value: string) => `"${value}"`
const utf8 = (text: string) => new TextEncoder().encode(text)

function put(vault: TestVault, path: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return vaultFetch(vault, `files/${path}`, { method: 'PUT', body, headers })
}

/** Equal bytes, compared by length and hash: a deep equality over megabytes takes seconds. */
async function expectBytes(res: Response, expected: Uint8Array): Promise<void> {
  const actual = new Uint8Array(await res.arrayBuffer())
  expect(actual.length).toBe(expected.length)
  expect(await sha256Hex(actual)).toBe(await sha256Hex(expected))
}

async function codeOf(res: Response): Promise<{ status: number; code: string }> {
  return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code }
}

let vault: TestVault
let device: VaultTestClient
beforeAll(async () => {
  vault = await createTestVault('files')
  device = new VaultTestClient('editor-device')
  await connectInWorkerd(device, vault)
  await device.whenCaughtUp()
})

describe('GET files/<path>', () => {
  it('serves a note as UTF-8 text with the SHA-256 of its bytes as ETag', async () => {
    const id = createNote(device, 'Notes/Käse.md')
    device.doc(id).getText('content').insert(0, '# Käse\n\nGouda.')
    await device.whenAllAcked()
    const res = await vaultFetch(vault, 'files/Notes/K%C3%A4se.md')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('text/markdown; charset=utf-8')
    expect(res.headers.get('ETag')).toBe(quoted(await sha256Hex(utf8('# Käse\n\nGouda.'))))
    expect(await res.text()).toBe('# Käse\n\nGouda.')
  })

  it('answers 404 FILE_NOT_FOUND for a path with nothing there, and 400 for a malformed one', async () => {
    expect(await codeOf(await vaultFetch(vault, 'files/Nowhere/x.png'))).toEqual({ status: 404, code: 'FILE_NOT_FOUND' })
    expect(await codeOf(await vaultFetch(vault, 'files/a%2F%2Fb.md'))).toEqual({ status: 400, code: 'BAD_PATH' })
  })
})

describe('binaries through PUT and GET files/<path>', () => {
  const size = 3 * 1024 * 1024 + 12_345
  const bytes = seededBytes(size, 4242)
  let sha256: string

  beforeAll(async () => {
    sha256 = await sha256Hex(bytes)
    const res = await put(vault, 'Bilder/Foto%201.jpg', bytes)
    expect(res.status).toBe(201)
    expect(res.headers.get('ETag')).toBe(quoted(sha256))
  })

  it('serves the bytes it was given, with type, length and ETag, and the head reaches devices', async () => {
    const res = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg')
    expect(res.status).toBe(200)
    expect(res.headers.get('Content-Type')).toBe('image/jpeg')
    expect(res.headers.get('Content-Length')).toBe(String(size))
    expect(res.headers.get('Accept-Ranges')).toBe('bytes')
    expect(res.headers.get('ETag')).toBe(quoted(sha256))
    await expectBytes(res, bytes)
    const id = noteId(device, 'Bilder/Foto 1.jpg')!
    await device.waitFor(() => device.doc(HEADS_DOC_ID).getMap<HeadRecord>('heads').get(id)?.sha256 === sha256, 'the head on the device')
    expect(device.doc(HEADS_DOC_ID).getMap<HeadRecord>('heads').get(id)).toMatchObject({ size, device: expect.stringMatching(/^http:/) as unknown })
  })

  it('answers a single range with 206, several with the whole file, an unsatisfiable one with 416', async () => {
    const start = 65_000
    const end = 1_500_000
    const res = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg', { headers: { Range: `bytes=${start}-${end}` } })
    expect(res.status).toBe(206)
    expect(res.headers.get('Content-Range')).toBe(`bytes ${start}-${end}/${size}`)
    expect(res.headers.get('Content-Length')).toBe(String(end - start + 1))
    await expectBytes(res, bytes.subarray(start, end + 1))
    const tail = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg', { headers: { Range: 'bytes=-10' } })
    await expectBytes(tail, bytes.subarray(size - 10))
    const several = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg', { headers: { Range: 'bytes=0-1,100-200' } })
    expect(several.status).toBe(200)
    expect((await several.arrayBuffer()).byteLength).toBe(size)
    const beyond = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg', { headers: { Range: `bytes=${size}-` } })
    expect(beyond.status).toBe(416)
    expect(beyond.headers.get('Content-Range')).toBe(`bytes */${size}`)
  })

  it('answers HEAD with the headers alone, and 304 to a matching If-None-Match', async () => {
    const head = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('ETag')).toBe(quoted(sha256))
    expect(await head.text()).toBe('')
    const cached = await vaultFetch(vault, 'files/Bilder/Foto%201.jpg', { headers: { 'If-None-Match': quoted(sha256) } })
    expect(cached.status).toBe(304)
  })

  it('a second PUT of a small change uploads only the chunks around it, and becomes the head', async () => {
    const usage = () => callApi<{ r2Writes: number; chunks: number }>('GET', `/api/v1/vaults/${vault.vaultId}/usage`, vault.token)
    const before = await usage()
    const changed = bytes.slice()
    changed[2_000_000]! ^= 0x01
    const res = await put(vault, 'Bilder/Foto%201.jpg', changed, { 'If-Match': quoted(sha256) })
    expect(res.status).toBe(200)
    const answer = (await res.json()) as CommitAnswer & { fileId: string }
    expect(answer.won).toBe(true)
    const after = await usage()
    // One pack with the changed chunk(s) and one manifest.
    // One pack; the small manifest waits in hot storage and reaches R2 with others at the next flush.
    expect(after.r2Writes - before.r2Writes).toBe(1)
    expect(after.chunks - before.chunks).toBeLessThanOrEqual(2)
    await expectBytes(await vaultFetch(vault, 'files/Bilder/Foto%201.jpg'), changed)
    // The old content's ETag no longer matches.
    expect(await codeOf(await put(vault, 'Bilder/Foto%201.jpg', bytes, { 'If-Match': quoted(sha256) }))).toEqual({ status: 412, code: 'PRECONDITION_FAILED' })
  })

  it('stores an empty binary', async () => {
    expect((await put(vault, 'empty.bin', new Uint8Array(0))).status).toBe(201)
    const res = await vaultFetch(vault, 'files/empty.bin')
    expect(res.status).toBe(200)
    expect(res.headers.get('ETag')).toBe(quoted(await sha256Hex(new Uint8Array(0))))
    expect((await res.arrayBuffer()).byteLength).toBe(0)
  })
})

describe('notes through PUT files/<path>', () => {
  it('creates a note that a connected device sees, with 201 and the ETag of its text', async () => {
    const res = await put(vault, 'Inbox/From%20HTTP.md', 'written over HTTP')
    expect(res.status).toBe(201)
    expect(res.headers.get('ETag')).toBe(quoted(await sha256Hex(utf8('written over HTTP'))))
    await device.waitFor(() => {
      const id = noteId(device, 'Inbox/From HTTP.md')
      return id !== undefined && textOf(device, id) === 'written over HTTP'
    }, 'the device to see the note')
  })

  it('a write naming an ETag served earlier merges with a live editor’s concurrent typing', async () => {
    const id = createNote(device, 'Shared/Live.md')
    const text = device.doc(id).getText('content')
    text.insert(0, 'line one\nline two\n')
    await device.whenAllAcked()
    const served = await vaultFetch(vault, 'files/Shared/Live.md')
    const etag = served.headers.get('ETag')!
    expect(await served.text()).toBe('line one\nline two\n')

    // The editor types at the end while the script rewrites the first line from the state it read.
    text.insert(text.length, 'typed live\n')
    await device.whenAllAcked()
    const res = await put(vault, 'Shared/Live.md', 'LINE ONE\nline two\n', { 'If-Match': etag })
    expect(res.status).toBe(200)
    const merged = 'LINE ONE\nline two\ntyped live\n'
    expect(res.headers.get('ETag')).toBe(quoted(await sha256Hex(utf8(merged))))
    await device.waitFor(() => textOf(device, id) === merged, 'both changes on the device')
    expect(await (await vaultFetch(vault, 'files/Shared/Live.md')).text()).toBe(merged)
  })

  it('answers 412 to an If-Match that names no state served', async () => {
    await put(vault, 'Shared/Other.md', 'text')
    const res = await put(vault, 'Shared/Other.md', 'new text', { 'If-Match': quoted('0'.repeat(64)) })
    expect(await codeOf(res)).toEqual({ status: 412, code: 'PRECONDITION_FAILED' })
  })

  it('refuses a PUT at a folder with 409', async () => {
    expect(await codeOf(await put(vault, 'Shared', 'x'))).toEqual({ status: 409, code: 'BAD_PATH' })
  })
})

describe('DELETE files/<path>', () => {
  it('tombstones the file: 204, then 404, and the tree keeps the entry as deleted', async () => {
    await put(vault, 'Trash/Gone.md', 'soon gone')
    await device.waitFor(() => noteId(device, 'Trash/Gone.md') !== undefined, 'the note on the device')
    const id = noteId(device, 'Trash/Gone.md')! as FileId
    expect((await vaultFetch(vault, 'files/Trash/Gone.md', { method: 'DELETE' })).status).toBe(204)
    expect(await codeOf(await vaultFetch(vault, 'files/Trash/Gone.md'))).toEqual({ status: 404, code: 'FILE_NOT_FOUND' })
    expect(await codeOf(await vaultFetch(vault, 'files/Trash/Gone.md', { method: 'DELETE' }))).toEqual({ status: 404, code: 'FILE_NOT_FOUND' })
    await device.waitFor(() => getEntry(device.tree, id)?.deleted !== undefined, 'the tombstone on the device')
  })

  it('a deleted binary answers 404', async () => {
    await put(vault, 'Trash/pic.png', seededBytes(1000, 7))
    expect((await vaultFetch(vault, 'files/Trash/pic.png', { method: 'DELETE' })).status).toBe(204)
    expect(await codeOf(await vaultFetch(vault, 'files/Trash/pic.png'))).toEqual({ status: 404, code: 'FILE_NOT_FOUND' })
  })
})

describe('usage', () => {
  it('reports binary bytes with the vault and the storage breakdown to its owner', async () => {
    const own = await createTestVault('usage')
    await put(own, 'a.bin', seededBytes(200_000, 9))
    const report = await callApi<Record<string, number>>('GET', `/api/v1/vaults/${own.vaultId}/usage`, own.token)
    expect(Object.keys(report).sort()).toEqual(['binaryBytes', 'chunks', 'hotManifestBytes', 'manifestBytes', 'noteBytes', 'packBytes', 'packs', 'r2Writes', 'versions'])
    expect(report).toMatchObject({ packs: 1, versions: 1, r2Writes: 1 })
    expect(report.packBytes).toBeGreaterThan(200_000)
    // The manifest waits in hot storage until its flush; both count.
    expect(report.hotManifestBytes).toBe(report.manifestBytes)
    const expected = report.packBytes! + report.hotManifestBytes!
    expect(report.binaryBytes).toBe(expected)
    // The registry hears of it in the background.
    const binaryBytes = async () => (await callApi<{ binaryBytes: number }>('GET', `/api/v1/vaults/${own.vaultId}`, own.token)).binaryBytes
    await eventually(async () => (await binaryBytes()) === expected, 'binaryBytes in the registry')
    const viewer = await createTestToken(own, 'viewer')
    expect(await codeOf(await vaultFetch(own, 'usage', { token: viewer.token }))).toEqual({ status: 403, code: 'FORBIDDEN' })
  })
})
