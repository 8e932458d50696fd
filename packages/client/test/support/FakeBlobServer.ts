// An in-process stand-in for the binary HTTP API of docs/binaries.md, built from the @amber/blobs codecs
// and head rule, for fast SDK tests: chunks, packs (every hash checked), manifests, versions, heads
// written into the FakeVaultServer's `heads` document. It counts what clients send. The real Worker is
// exercised by test/e2e.

import {
  BlobErrorCode,
  decideHead,
  applyManifestPatch,
  decodeManifest,
  decodeManifestPatch,
  isManifestPatch,
  encodePack,
  readPackStream,
  sha256Hex,
  versionIdOf,
} from '@amber/blobs'
import type { CommitsRequest, HeadRecord, VersionInfo } from '@amber/blobs'
import { HEADS_DOC_ID, TREE_DOC_ID } from '@amber/protocol'
import * as Y from 'yjs'
import { getEntry } from '../../src/tree/coreTree.ts'
import type { FileId } from '../../src/tree/coreTree.ts'
import type { FakeVaultServer } from './FakeVaultServer.ts'

const PREFIX = '/api/v1/vaults/v1/'
export const FAKE_TOKEN = 'amber_test_token'

export class FakeBlobServer {
  readonly chunks = new Map<string, Uint8Array>()
  readonly manifests = new Map<string, Uint8Array>()
  readonly versions = new Map<string, VersionInfo[]>()
  readonly heads = new Map<string, HeadRecord>()
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = []
  /** Chunk hashes received in packs, in order (a chunk sent twice appears twice). */
  readonly packedChunks: string[] = []
  /** The hashes of every `chunks/fetch` request answered. */
  readonly fetches: string[][] = []
  /** Runs before a commit is decided (a test drops a chunk here to play GC). */
  beforeCommit: (() => void) | undefined
  #clock = 1_000

  constructor(private readonly vault: FakeVaultServer) {}

  /** Pass as `fetch` to connectVault. */
  readonly fetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const path = url.pathname.slice(PREFIX.length)
    this.requests.push(`${request.method} ${path}`)
    if (!url.pathname.startsWith(PREFIX)) return error(404, 'NOT_FOUND', 'no such route')
    if (request.headers.get('Authorization') !== `Bearer ${FAKE_TOKEN}`)
      return error(401, 'UNAUTHORIZED', 'no token')
    const body = new Uint8Array(await request.arrayBuffer())
    const route = `${request.method} ${path.replace(/^binaries\/[^/]+\/versions$/, 'binaries/:fileId/versions').replace(/^manifests\/.*/, 'manifests/:version')}`
    switch (route) {
      case 'POST chunks/missing':
        this.askedMissing.push(hashesOf(body).length)
        return json(200, { missing: hashesOf(body).filter((hash) => !this.chunks.has(hash)) })
      case 'POST packs':
        return this.#storePack(body)
      case 'POST chunks/fetch':
        return this.#fetch(hashesOf(body))
      case 'POST binaries/:fileId/versions':
        return this.#commit(
          decodeURIComponent(path.split('/')[1]!),
          body,
          url.searchParams.get('base') ?? undefined,
        )
      case 'POST versions':
        return this.#commitMany(body)
      case 'GET binaries/:fileId/versions':
        return json(200, { versions: this.versions.get(decodeURIComponent(path.split('/')[1]!)) ?? [] })
      case 'GET manifests/:version': {
        const manifest = this.manifests.get(path.slice('manifests/'.length))
        return manifest
          ? new Response(manifest as Uint8Array<ArrayBuffer>)
          : error(404, BlobErrorCode.VersionNotFound, 'no such version')
      }
      default:
        return error(404, 'NOT_FOUND', `no route ${route}`)
    }
  }

  async #storePack(body: Uint8Array): Promise<Response> {
    const received: Array<{ hash: string; bytes: Uint8Array }> = []
    for await (const chunk of readPackStream([body])) {
      if ((await sha256Hex(chunk.bytes)) !== chunk.hash)
        return error(422, BlobErrorCode.ChunkHashMismatch, `chunk ${chunk.hash} does not match`)
      received.push(chunk)
    }
    let stored = 0
    for (const { hash, bytes } of received) {
      this.packedChunks.push(hash)
      if (this.chunks.has(hash)) continue
      this.chunks.set(hash, bytes)
      stored++
    }
    return json(201, { packId: `p${this.requests.length}`, stored, duplicates: received.length - stored })
  }

  #fetch(hashes: string[]): Response {
    const unknown = hashes.find((hash) => !this.chunks.has(hash))
    if (unknown) return error(404, BlobErrorCode.ChunkNotFound, `no chunk ${unknown}`)
    this.fetches.push(hashes)
    return new Response(
      encodePack(hashes.map((hash) => ({ hash, bytes: this.chunks.get(hash)! }))) as Uint8Array<ArrayBuffer>,
    )
  }

  /** How many hashes each `chunks/missing` asked about. */
  readonly askedMissing: number[] = []
  /** Commits sent as patches, to check the SDK sends them. */
  patchCommits = 0

  async #commit(fileId: string, sent: Uint8Array, base: string | undefined): Promise<Response> {
    if (!getEntry(this.vault.doc(TREE_DOC_ID), fileId as FileId))
      return error(404, BlobErrorCode.FileNotFound, `no file ${fileId}`)
    this.beforeCommit?.()
    let body = sent
    if (isManifestPatch(sent)) {
      const patch = decodeManifestPatch(sent)
      const baseBytes = this.manifests.get(patch.base)
      if (baseBytes === undefined) return error(409, BlobErrorCode.VersionNotFound, `no version ${patch.base}`)
      body = applyManifestPatch(decodeManifest(baseBytes), patch)
      this.patchCommits++
    }
    const manifest = decodeManifest(body)
    const missing = [...new Set(manifest.chunks.map(([hash]) => hash))].filter(
      (hash) => !this.chunks.has(hash),
    )
    if (missing.length > 0)
      return json(409, { error: { code: BlobErrorCode.MissingChunks, message: 'upload them', missing } })
    const version = await versionIdOf(body)
    const committedAt = ++this.#clock
    const { size, sha256, mtime, device } = manifest
    const decision = decideHead(
      this.heads.get(fileId),
      { version, size, sha256, mtime, device },
      base,
      committedAt,
    )
    if (!this.manifests.has(version)) {
      this.manifests.set(version, body)
      this.versions.set(fileId, [
        { version, size, sha256, mtime, device, committedAt, ...(base ? { base } : {}) },
        ...(this.versions.get(fileId) ?? []),
      ])
    }
    if (decision.changed) this.#setHead(fileId, decision.head)
    return json(201, { version, head: decision.head, won: decision.won })
  }

  /** `POST versions`: each commit as the single route takes it, in order; its answer or error body. */
  async #commitMany(body: Uint8Array): Promise<Response> {
    const { commits } = JSON.parse(new TextDecoder().decode(body)) as CommitsRequest
    const results = []
    for (const { fileId, base, manifest } of commits) {
      const res = await this.#commit(fileId, new TextEncoder().encode(manifest), base)
      results.push(res.status === 201 ? { committed: await res.json() } : await res.json())
    }
    return json(200, { results })
  }

  /** Writes the head into the heads document and relays it, as the VaultDO does. */
  #setHead(fileId: string, head: HeadRecord): void {
    this.heads.set(fileId, head)
    const doc = this.vault.doc(HEADS_DOC_ID)
    const before = Y.encodeStateVector(doc)
    doc.getMap('heads').set(fileId, head)
    this.vault.log(HEADS_DOC_ID, Y.encodeStateAsUpdate(doc, before))
  }
}

function hashesOf(body: Uint8Array): string[] {
  return (JSON.parse(new TextDecoder().decode(body)) as { hashes: string[] }).hashes
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
}

function error(status: number, code: string, message: string): Response {
  return json(status, { error: { code, message } })
}
