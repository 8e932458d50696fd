// The plain HTTP files API (docs/binaries.md): GET, PUT and DELETE a note or a binary by its vault path,
// for scripts and tools that speak neither Yjs nor the chunk protocol. Notes are written as minimal
// edits (so live editors keep their changes); binaries are chunked and committed like the SDK does.

import { BlobErrorCode, decodeManifest, encodeManifest, readPackHeader } from '@amber/blobs'
import { VaultRole } from '@amber/protocol'
import { Hono } from 'hono'
import type { Context } from 'hono'
import mime from 'mime'
import rangeParser from 'range-parser'
import { ApiError, ApiErrorCode, fileNotFound } from '../ApiError.ts'
import type { AppEnv } from '../appEnv.ts'
import { requireRouteVaultRole } from '../auth/authorize.ts'
import { fileRangeStream, loadManifestBytes } from '../blobs/chunkStreams.ts'
import { storePack } from '../blobs/storePack.ts'
import { streamBody } from '../blobs/streamBody.ts'
import { uploadFile } from '../blobs/uploadFile.ts'
import { parseNotePath } from '../parseNotePath.ts'
import { readBodyCapped } from '../readBodyCapped.ts'
import type { Grant } from '../registry/Registry.ts'
import { vaultStub } from '../vaultStub.ts'
import { logStreamError, requireCommitted } from './blobAnswers.ts'

const FILES_ROUTE = /^\/api\/v1\/vaults\/[^/]+\/files\/(.+)$/
/** A note's text is one Yjs document; the room refuses documents past its maxDocBytes (16 MiB) anyway. */
const NOTE_MAX_BYTES = 16 * 1024 * 1024

export const fileRoutes = new Hono<AppEnv>()

/** Hono runs GET handlers for HEAD too and drops the body; the handler skips the body's work. */
fileRoutes.get('/vaults/:vaultId/files/*', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Viewer)
  const path = filePath(c)
  const content = await vaultStub(c.env, vaultId).readFile(vaultId, path)
  switch (content.kind) {
    case 'missing':
      throw fileNotFound(path)
    case 'text': {
      const bytes = new TextEncoder().encode(content.text)
      const type = `${mime.getType(path) ?? 'text/plain'}; charset=utf-8`
      return serve(c, { size: bytes.length, etag: content.etag, type }, (start, end) => bytes.slice(start, end + 1))
    }
    case 'binary': {
      const { head } = content
      const representation = { size: head.size, etag: head.sha256, type: mime.getType(path) ?? 'application/octet-stream' }
      return serve(c, representation, async (start, end) => {
        const bytes = await loadManifestBytes(c.env, vaultId, head.version)
        if (bytes === undefined) throw new Error(`the manifest of head ${head.version} is missing`)
        const chunks = fileRangeStream(c.env, vaultId, decodeManifest(bytes), start, end)
        return streamBody(chunks, (error) => logStreamError('files', vaultId, error))
      })
    }
  }
})

fileRoutes.put('/vaults/:vaultId/files/*', async (c) => {
  const grant = await requireRouteVaultRole(c, VaultRole.Editor)
  const path = filePath(c)
  const ifMatch = parseIfMatch(c.req.header('If-Match'))
  const target = await vaultStub(c.env, grant.vaultId).writeTarget(grant.vaultId, path)
  switch (target.kind) {
    case 'folder':
      throw new ApiError(409, ApiErrorCode.BadPath, `${JSON.stringify(path)} is a folder`)
    case 'text':
      return putNote(c, grant.vaultId, path, ifMatch)
    case 'binary':
      // Checked before the upload, so a stale writer does not send its bytes for nothing (and again at the commit).
      if (ifMatch !== undefined && ifMatch !== target.headSha256) throw preconditionFailed()
      return putBinary(c, grant, path, ifMatch)
  }
})

/** The body as the note's new text, applied as a minimal edit (merged from the state `ifMatch` names). */
async function putNote(c: Context<AppEnv>, vaultId: string, path: string, ifMatch: string | undefined): Promise<Response> {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await readBodyCapped(c.req.raw, NOTE_MAX_BYTES))
  } catch (error) {
    if (!(error instanceof TypeError)) throw error
    throw new ApiError(400, ApiErrorCode.InvalidRequest, 'a note is UTF-8 text')
  }
  const written = await vaultStub(c.env, vaultId).writeNote(vaultId, path, text, ifMatch)
  switch (written.kind) {
    case 'written':
      return c.json({ fileId: written.fileId, etag: written.etag }, written.created ? 201 : 200, { ETag: `"${written.etag}"` })
    case 'precondition-failed':
      throw preconditionFailed()
    case 'bad-path':
      throw new ApiError(409, ApiErrorCode.BadPath, written.message)
    case 'too-large':
      throw new ApiError(413, BlobErrorCode.PayloadTooLarge, written.message)
  }
}

/** The body as the binary's new version: chunked, the missing chunks stored in packs, then committed. */
async function putBinary(c: Context<AppEnv>, grant: Grant, path: string, ifMatch: string | undefined): Promise<Response> {
  const { vaultId } = grant
  const vault = vaultStub(c.env, vaultId)
  const uploaded = await uploadFile(c.req.raw.body ?? new Blob([]).stream(), {
    missing: (hashes) => vault.missingChunks(vaultId, hashes),
    storePack: async (pack) => void (await storePack(c.env, vaultId, pack, readPackHeader(pack)!.entries)),
  })
  // A device id is at most 200 characters; a foreign credential id may be longer.
  const device = `http:${grant.credentialId}`.slice(0, 200)
  const manifest = encodeManifest({ ...uploaded, mtime: Date.now(), device })
  const { fileId, created, answer } = requireCommitted(await vault.commitVersion(vaultId, { path, ...(ifMatch === undefined ? {} : { ifMatch }) }, manifest))
  return c.json({ fileId, ...answer }, created ? 201 : 200, { ETag: `"${uploaded.sha256}"` })
}

fileRoutes.delete('/vaults/:vaultId/files/*', async (c) => {
  const { vaultId } = await requireRouteVaultRole(c, VaultRole.Editor)
  const path = filePath(c)
  if (!(await vaultStub(c.env, vaultId).deleteFile(vaultId, path))) throw fileNotFound(path)
  return c.body(null, 204)
})

/** The vault path from the raw URL (each segment percent-encoded), like the y-websocket route. */
function filePath(c: Context<AppEnv>): string {
  const match = FILES_ROUTE.exec(new URL(c.req.url).pathname)
  const path = match?.[1] === undefined ? undefined : parseNotePath(match[1])
  if (path === undefined) throw new ApiError(400, ApiErrorCode.BadPath, 'the file path is empty or malformed')
  return path
}

/** The entity tag If-Match names, without quotes (or a weak marker); undefined without the header. */
function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  return header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')
}

function preconditionFailed(): ApiError {
  return new ApiError(412, BlobErrorCode.PreconditionFailed, 'If-Match names neither a version served earlier nor the current one')
}

interface Representation {
  readonly size: number
  /** Unquoted entity tag: the hex SHA-256 of the bytes. */
  readonly etag: string
  readonly type: string
}

/** A full or single-range answer (multiple ranges get the whole content), with conditional GET. */
async function serve(c: Context<AppEnv>, representation: Representation, body: (start: number, end: number) => Uint8Array<ArrayBuffer> | Promise<ReadableStream<Uint8Array>>): Promise<Response> {
  const { size, etag, type } = representation
  const headers: Record<string, string> = {
    'Content-Type': type,
    ETag: `"${etag}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-cache',
    // Stored content is the vault owner's, served on the API origin: never let a browser sniff it into HTML.
    'X-Content-Type-Options': 'nosniff',
  }
  if (parseIfMatch(c.req.header('If-None-Match')) === etag) return c.body(null, 304, headers)
  let start = 0
  let end = size - 1
  let status: 200 | 206 = 200
  const range = c.req.header('Range')
  if (range !== undefined) {
    const ranges = rangeParser(size, range, { combine: true })
    if (ranges === -1) {
      const error = { code: ApiErrorCode.RangeNotSatisfiable, message: `the file has ${size} bytes` }
      return c.json({ error }, 416, { 'Content-Range': `bytes */${size}` })
    }
    // A malformed header, another unit or several ranges: the whole content, which is always a valid answer.
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      ;({ start, end } = ranges[0]!)
      status = 206
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`
    }
  }
  headers['Content-Length'] = String(end - start + 1)
  if (c.req.method === 'HEAD' || size === 0) return c.body(null, status, headers)
  return c.body(await body(start, end), status, headers)
}
