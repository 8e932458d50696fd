// The binary chunk API (docs/binaries.md, "HTTP API"): which chunks are missing, pack uploads, chunk
// fetches, version commits (full manifests or patches) and listings, manifests — and the vault's storage report. Every route
// authorizes first; the Worker hashes and moves bytes, the vault's DO keeps the index and decides.

import {
  BlobErrorCode,
  HEX_SHA256,
  MAX_FETCH_BYTES,
  MAX_COMMITS_PER_REQUEST,
  MAX_HASHES_PER_REQUEST,
  ManifestError,
  PACK_MAX_BYTES,
  applyManifestPatch,
  decodeManifest,
  decodeManifestPatch,
  isManifestPatch,
  sha256Hex,
} from '@amber/blobs'
import type { CommitResult, CommitsAnswer, MissingAnswer, VersionsAnswer } from '@amber/blobs'
import { VaultRole } from '@amber/protocol'
import { Hono } from 'hono'
import { z } from 'zod'
import { ApiError, ApiErrorCode } from '../ApiError.ts'
import type { AppEnv } from '../appEnv.ts'
import type { Env } from '../Env.ts'
import { requireRouteVaultRole } from '../auth/authorize.ts'
import { loadManifestBytes, locateChunks, packStream } from '../blobs/chunkStreams.ts'
import { readChunks } from '../blobs/readChunks.ts'
import type { CommitTarget } from '../blobs/VaultBlobs.ts'
import { storePack, verifyPack } from '../blobs/storePack.ts'
import { streamBody } from '../blobs/streamBody.ts'
import { readBodyCapped } from '../readBodyCapped.ts'
import { vaultStub } from '../vaultStub.ts'
import { logStreamError, refusalOf, requireCommitted } from './blobAnswers.ts'
import { parseJsonBody } from './validate.ts'

/** A 5 GiB file's manifest is about 6 MB; this leaves room and stays under the 32 MiB RPC limit to the DO. */
const MANIFEST_MAX_BYTES = 16 * 1024 * 1024
const OCTETS = 'application/octet-stream'
/** Chunks and manifests are named by their hash: what a name serves never changes. */
const IMMUTABLE = 'private, max-age=31536000, immutable'

const hash = z.string().regex(HEX_SHA256, 'must be 64 lowercase hex digits')
const hashesBody = z.strictObject({ hashes: z.array(hash).max(MAX_HASHES_PER_REQUEST) })
const commitsBody = z.strictObject({
  commits: z
    .array(z.strictObject({ fileId: z.string().min(1).max(128), base: hash.optional(), manifest: z.string().min(1) }))
    .min(1)
    .max(MAX_COMMITS_PER_REQUEST),
})

export const blobRoutes = new Hono<AppEnv>()

blobRoutes.post('/vaults/:vaultId/chunks/missing', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Editor)
  const { hashes } = await parseJsonBody(c, hashesBody)
  return c.json({ missing: await vaultStub(c.env, vaultId).missingChunks(vaultId, hashes) } satisfies MissingAnswer)
})

blobRoutes.post('/vaults/:vaultId/packs', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Editor)
  const pack = await readBodyCapped(c.req.raw, PACK_MAX_BYTES)
  const header = await verifyPack(pack)
  return c.json(await storePack(c.env, vaultId, pack, header.entries), 201)
})

blobRoutes.post('/vaults/:vaultId/chunks/fetch', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Viewer)
  const { hashes } = await parseJsonBody(c, hashesBody)
  const located = await locateChunks(c.env, vaultId, [...new Set(hashes)])
  const total = located.reduce((sum, { length }) => sum + length, 0)
  if (total > MAX_FETCH_BYTES) {
    throw new ApiError(413, BlobErrorCode.PayloadTooLarge, `these chunks hold ${total} bytes; ask for at most ${MAX_FETCH_BYTES} per request`)
  }
  const body = streamBody(packStream(c.env, vaultId, located), (error) => logStreamError('chunks/fetch', vaultId, error))
  return c.body(body, 200, { 'Content-Type': OCTETS })
})

blobRoutes.get('/vaults/:vaultId/chunks/:hash', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Viewer)
  const wanted = c.req.param('hash')
  if (!HEX_SHA256.test(wanted)) throw new ApiError(400, ApiErrorCode.InvalidRequest, 'a chunk is named by 64 lowercase hex digits')
  // One chunk (≤ 16 MiB) is read and verified whole, so a bad one answers 500 instead of a cut stream.
  let bytes: Uint8Array<ArrayBuffer> | undefined
  for await (const chunk of readChunks(c.env.BLOBS, vaultId, await locateChunks(c.env, vaultId, [wanted]))) bytes = chunk.bytes
  return c.body(bytes!, 200, { 'Content-Type': OCTETS, ETag: `"${wanted}"`, 'Cache-Control': IMMUTABLE })
})

blobRoutes.post('/vaults/:vaultId/binaries/:fileId/versions', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Editor)
  const base = c.req.query('base')
  if (base !== undefined && !HEX_SHA256.test(base)) throw new ApiError(400, ApiErrorCode.InvalidRequest, 'base must be a version id (64 lowercase hex digits)')
  const manifest = await fullManifest(c.env, vaultId, await readBodyCapped(c.req.raw, MANIFEST_MAX_BYTES))
  const target = { fileId: c.req.param('fileId'), ...(base === undefined ? {} : { base }) }
  const { answer } = requireCommitted(await vaultStub(c.env, vaultId).commitVersion(vaultId, target, manifest))
  return c.json(answer, 201)
})

interface PreparedCommit {
  readonly target: CommitTarget
  readonly manifest: Uint8Array
}

blobRoutes.post('/vaults/:vaultId/versions', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Editor)
  const { commits } = await parseJsonBody(c, commitsBody, MANIFEST_MAX_BYTES)
  // A commit whose patch cannot be applied is answered on its own; the others still go to the DO. A patch
  // may build on a manifest earlier in the batch (a file's next version, sent with its first).
  const earlier = new Map<string, Uint8Array>()
  const encoder = new TextEncoder()
  const prepared: Array<ApiError | PreparedCommit> = []
  for (const { fileId, base, manifest } of commits) {
    try {
      const full = await fullManifest(c.env, vaultId, encoder.encode(manifest), earlier)
      earlier.set(await sha256Hex(full), full)
      prepared.push({ target: { fileId, ...(base === undefined ? {} : { base }) }, manifest: full })
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      prepared.push(error)
    }
  }
  const ready = prepared.filter((item): item is PreparedCommit => !(item instanceof ApiError))
  const outcomes = ready.length === 0 ? [] : await vaultStub(c.env, vaultId).commitVersions(vaultId, ready)
  let next = 0
  const results = prepared.map((item): CommitResult => {
    if (item instanceof ApiError) return item.body()
    const outcome = outcomes[next++]!
    return outcome.kind === 'committed' ? { committed: outcome.answer } : refusalOf(outcome).body()
  })
  return c.json({ results } satisfies CommitsAnswer)
})

blobRoutes.get('/vaults/:vaultId/binaries/:fileId/versions', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Viewer)
  const fileId = c.req.param('fileId')
  const versions = await vaultStub(c.env, vaultId).listVersions(vaultId, fileId)
  if (versions === undefined) throw new ApiError(404, BlobErrorCode.FileNotFound, `no binary ${fileId} in this vault`)
  return c.json({ versions } satisfies VersionsAnswer)
})

blobRoutes.get('/vaults/:vaultId/manifests/:version', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Viewer)
  const version = c.req.param('version')
  const bytes = HEX_SHA256.test(version) ? await loadManifestBytes(c.env, vaultId, version) : undefined
  if (bytes === undefined) throw new ApiError(404, BlobErrorCode.VersionNotFound, `no version ${version} in this vault`)
  return c.body(bytes, 200, { 'Content-Type': 'application/json', ETag: `"${version}"`, 'Cache-Control': IMMUTABLE })
})

blobRoutes.get('/vaults/:vaultId/usage', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Owner)
  return c.json(await vaultStub(c.env, vaultId).storageReport(vaultId))
})

/**
 * The full manifest a commit body stands for: the body itself, or a manifest patch applied to its base
 * (docs/binaries.md, "Manifest patches"), which must hash to the version the patch names.
 */
async function fullManifest(env: Env, vaultId: string, body: Uint8Array, earlier?: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
  if (!isManifestPatch(body)) return body
  try {
    const patch = decodeManifestPatch(body)
    const base = earlier?.get(patch.base) ?? (await loadManifestBytes(env, vaultId, patch.base))
    if (base === undefined) throw new ApiError(409, BlobErrorCode.VersionNotFound, `the patch's base ${patch.base} is not stored; send the full manifest`)
    const manifest = applyManifestPatch(decodeManifest(base), patch)
    if ((await sha256Hex(manifest)) !== patch.version) throw new ManifestError(`the patched manifest is not version ${patch.version}`)
    return manifest
  } catch (error) {
    if (error instanceof ManifestError) throw new ApiError(400, BlobErrorCode.BadManifest, error.message)
    throw error
  }
}

