// Binary files of a vault (docs/binaries.md): write versions, one file or a batch (chunk, upload what is
// missing in packs shared across the files, commit each with the head this device knew as base), read one
// (verified chunk by chunk and as a whole), list versions. `Vault` exposes it; `@amber/client/node`
// builds disk transfers on `writeMany`, `resolve` and `context`.

import {
  BlobErrorCode,
  ManifestError,
  chunkOffsets,
  decodeManifest,
  diffManifests,
  encodeManifest,
  encodeManifestPatch,
  sha256Hex,
  versionIdOf,
} from '@amber/blobs'
import type { HeadRecord, Manifest, VersionInfo } from '@amber/blobs'
import { EntryKind, kindForPath } from '../tree/coreTree.ts'
import type { TreeEntry } from '../tree/coreTree.ts'
import type { VaultTree } from '../tree/VaultTree.ts'
import { ClientErrorCode, VaultError } from '../VaultError.ts'
import type { CachedBinary, LocalStore } from '../store/LocalStore.ts'
import type { BlobHttp } from './BlobHttp.ts'
import type { ByteSource } from './ByteSource.ts'
import { chunkFiles } from './chunkFile.ts'
import type { ChunkedFile } from './chunkFile.ts'
import { fetchVerified } from './fetchVerified.ts'
import { PORTABLE_HASHING } from './hashing.ts'
import type { Hashing } from './hashing.ts'
import type { HeadsView } from './HeadsView.ts'
import { Backoff, TransientError, withRetries } from './retry.ts'
import type { RetryPolicy } from './retry.ts'
import type { TransferContext } from './TransferContext.ts'
import { ProgressReporter } from './TransferProgress.ts'
import type { TransferProgress } from './TransferProgress.ts'
import { uploadVersions } from './uploadVersions.ts'
import type { VersionUpload } from './uploadVersions.ts'

/** Options every transfer takes. */
export interface TransferOptions {
  /** Called as bytes move; see {@link TransferProgress}. */
  readonly onProgress?: (progress: TransferProgress) => void
  /** Aborts the transfer; the call rejects with the signal's reason. What was already stored stays. */
  readonly signal?: AbortSignal
}

/** Options of `vault.writeFile` (and `uploadFile`). */
export interface WriteFileOptions extends TransferOptions {
  /** Modification time (ms since the epoch), the clock concurrent writes are decided by. Default: a File's `lastModified`, else now. */
  readonly mtime?: number
}

/** Options of `vault.readFile` (and `downloadFile`). */
export interface ReadFileOptions extends TransferOptions {
  /** A version id from `fileVersions` or a head record; default: the file's head. */
  readonly version?: string
}

/** One file of `vault.writeFiles`. */
export interface FileToWrite {
  /** Vault path of the binary; the entry and missing folders are created. */
  readonly path: string
  readonly data: Uint8Array | Blob
  /** Modification time (ms since the epoch). Default: a File's `lastModified`, else now. */
  readonly mtime?: number
}

/** One file of a batch write: where it goes, its bytes, its modification time (ms since the epoch). */
export interface BinaryWrite {
  readonly path: string
  readonly source: ByteSource
  readonly mtime: number
}

/** What `vault.writeFile` committed. */
export interface WriteResult {
  /** The new version's id (SHA-256 of its manifest). */
  readonly version: string
  /** Whether it is the head now; false when a concurrent write with a later mtime won (`binaryConflict` fires). */
  readonly won: boolean
  /** The file's head after the commit. */
  readonly head: HeadRecord
}

/** A version to download: its file, id and verified manifest. */
export interface ResolvedVersion {
  readonly entry: TreeEntry
  readonly version: string
  readonly manifest: Manifest
}

export interface BinaryHost {
  readonly http: BlobHttp
  readonly tree: VaultTree
  readonly heads: HeadsView
  readonly store: LocalStore
  readonly deviceId: string
  readonly retry: RetryPolicy
  readonly random: () => number
  /** Resolves once the server has every local tree change (a commit needs the file's entry there). */
  treeSynced(): Promise<void>
  /** A failure beside the call's own result (the binary cache could not be written). */
  reportError(error: unknown): void
}

/** Manifests kept in memory, so the next write of a file can commit a patch against its base. */
const KNOWN_MANIFESTS = 32

export class BinaryFiles {
  readonly #manifests = new Map<string, Manifest>()

  constructor(private readonly host: BinaryHost) {}

  /** The head of the binary at `path`, as this device knows it. */
  head(path: string): HeadRecord | undefined {
    const entry = this.host.tree.get(path)
    return entry && this.host.heads.get(entry.id)
  }

  /** Writes `source` as a new version of the binary at `path`, creating the entry when missing. */
  async write(
    path: string,
    source: ByteSource,
    options: WriteFileOptions & { mtime: number },
    hashing: Hashing = PORTABLE_HASHING,
  ): Promise<WriteResult> {
    const [result] = await this.writeMany([{ path, source, mtime: options.mtime }], options, hashing)
    return result!
  }

  /**
   * Writes each item as a new version of its binary (entries created when missing), one result per item
   * in order. The files are chunked one after another and their missing chunks travel in shared packs; a
   * path given twice is written twice, the later version succeeding the earlier.
   */
  async writeMany(
    items: readonly BinaryWrite[],
    options: TransferOptions,
    hashing: Hashing = PORTABLE_HASHING,
  ): Promise<WriteResult[]> {
    const entries = this.#writableEntries(items.map(({ path }) => path))
    // The heads this device knew when the write started: the server decides succession against them.
    const bases = entries.map((entry) => this.host.heads.get(entry.id)?.version)
    const ctx = this.context(options, hashing)
    // Chunk while the tree entries travel: a commit is refused (FILE_NOT_FOUND) until the server has its entry.
    const [files] = await Promise.all([
      chunkFiles(
        items.map(({ source }) => source),
        hashing,
        ctx.progress,
        options.signal,
      ),
      untilAborted(this.host.treeSynced(), options.signal),
    ])
    const versions = await this.#versions(items, entries, bases, files)
    const answers = await uploadVersions(
      ctx,
      versions.map(({ upload }) => upload),
      (index, answer) => {
        const { upload, version, manifest } = versions[index]!
        this.#remember(version, manifest)
        this.host.heads.committed(upload.fileId, answer.head)
      },
    )
    return answers.map(({ version, won, head }) => ({ version, won, head }))
  }

  /**
   * The bytes of a version (default: the head), every chunk and the whole verified; the head is cached in
   * the store. Chunks the cached older version shares with it are taken from there, not fetched.
   */
  async read(path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    const entry = this.#entry(path)
    const version = this.#versionOf(entry, options.version)
    const cached = await this.host.store.getBinary?.(entry.id)
    if (cached?.version === version) return cached.bytes
    const ctx = this.context(options)
    const manifest = await this.#manifest(ctx, version)
    const bytes = new Uint8Array(manifest.size)
    const places = chunkPlaces(manifest)
    const put = (hash: string, chunk: Uint8Array): void => {
      for (const offset of places.get(hash)!) bytes.set(chunk, offset)
    }
    const reused = cached === undefined ? new Map<string, Uint8Array>() : await this.#sharedChunks(ctx, cached, places)
    for (const [hash, chunk] of reused) put(hash, chunk)
    const wanted = new Map([...chunkLengths(manifest)].filter(([hash]) => !reused.has(hash)))
    await fetchVerified(ctx, wanted, { put })
    // One shot through WebCrypto: the bytes are in memory anyway, and native hashing beats incremental JS.
    await verifyWhole(ctx, manifest, async () => ({ sha256: await sha256Hex(bytes), size: bytes.length }))
    if (version === this.host.heads.get(entry.id)?.version) await this.#cache(entry.id, version, bytes)
    return bytes
  }

  /** Every version of the binary at `path`, newest commit first. */
  async versions(path: string, signal?: AbortSignal): Promise<VersionInfo[]> {
    const entry = this.#entry(path)
    const backoff = new Backoff(this.host.retry, this.host.random, signal)
    try {
      return [...(await withRetries(backoff, () => this.host.http.versions(entry.id, signal)))]
    } catch (error) {
      // The server knows binaries by their first commit: an entry never written has no versions yet.
      if (error instanceof VaultError && error.code === BlobErrorCode.FileNotFound) return []
      throw error
    }
  }

  /** The entry, version and verified manifest a read of `path` fetches. */
  async resolve(path: string, ctx: TransferContext, version?: string): Promise<ResolvedVersion> {
    const entry = this.#entry(path)
    const id = this.#versionOf(entry, version)
    return { entry, version: id, manifest: await this.#manifest(ctx, id) }
  }

  /** A fresh transfer context for one call. */
  context(options: TransferOptions, hashing: Hashing = PORTABLE_HASHING): TransferContext {
    return {
      http: this.host.http,
      hashing,
      backoff: new Backoff(this.host.retry, this.host.random, options.signal),
      progress: new ProgressReporter(options.onProgress),
      signal: options.signal,
    }
  }

  #entry(path: string): TreeEntry {
    const entry = this.host.tree.get(path)
    if (!entry)
      throw new VaultError(ClientErrorCode.PathNotFound, `no file at ${JSON.stringify(path)}`, { path })
    if (entry.kind !== EntryKind.Binary) throw notABinary(path, entry.kind, entry.id)
    return entry
  }

  /** The binary entry of every path; missing ones are created in one tree transaction, once every path was checked. */
  #writableEntries(paths: readonly string[]): TreeEntry[] {
    const tree = this.host.tree
    for (const path of paths) {
      const entry = tree.get(path)
      const kind = entry?.kind ?? kindForPath(tree.doc, path)
      if (kind !== EntryKind.Binary) throw notABinary(path, kind, entry?.id)
    }
    let entries: TreeEntry[] = []
    tree.doc.transact(() => {
      entries = paths.map((path) => tree.get(path) ?? tree.createFile(path))
    })
    return entries
  }

  /**
   * Each item's version: its manifest, and a patch when the base's manifest is known (a small edit of a
   * big file then commits a few hundred bytes instead of the whole chunk list).
   */
  async #versions(
    items: readonly BinaryWrite[],
    entries: readonly TreeEntry[],
    bases: ReadonlyArray<string | undefined>,
    files: readonly ChunkedFile[],
  ): Promise<Array<{ upload: VersionUpload; version: string; manifest: Manifest }>> {
    // A path written earlier in this batch: the later write succeeds that version.
    const earlier = new Map<string, { version: string; manifest: Manifest }>()
    const versions = []
    for (const [index, item] of items.entries()) {
      const { id: fileId } = entries[index]!
      const file = files[index]!
      const next: Manifest = {
        size: file.size,
        sha256: file.sha256,
        mtime: item.mtime,
        device: this.host.deviceId,
        chunks: file.chunks,
      }
      const manifest = encodeManifest(next)
      const version = await versionIdOf(manifest)
      const previous = earlier.get(fileId)
      const base = previous?.version ?? bases[index]
      // A version committed before this batch: its chunks are on the server (an earlier one of this batch's are not yet).
      const committed = previous === undefined && base !== undefined ? this.#manifests.get(base) : undefined
      const baseManifest = previous?.manifest ?? committed
      const patch = baseManifest && encodeManifestPatch(diffManifests(baseManifest, base!, next, version))
      const stored = committed && new Set(committed.chunks.map(([hash]) => hash))
      earlier.set(fileId, { version, manifest: next })
      versions.push({
        upload: { fileId, source: item.source, file, manifest, patch, base, stored },
        version,
        manifest: next,
      })
    }
    return versions
  }

  #versionOf(entry: TreeEntry, version: string | undefined): string {
    const id = version ?? this.host.heads.get(entry.id)?.version
    if (id === undefined)
      throw new VaultError(BlobErrorCode.VersionNotFound, `${entry.path} has no committed version (yet)`, {
        path: entry.path,
        docId: entry.id,
      })
    return id
  }

  /**
   * The chunks of `wanted` a cached version holds, each checked against its hash (a store's bytes can rot).
   * Empty when the cached version's manifest cannot be had: then everything is fetched.
   */
  async #sharedChunks(ctx: TransferContext, cached: CachedBinary, wanted: ReadonlyMap<string, unknown>): Promise<Map<string, Uint8Array>> {
    let manifest: Manifest
    try {
      manifest = this.#manifests.get(cached.version) ?? (await this.#manifest(ctx, cached.version))
    } catch {
      ctx.signal?.throwIfAborted()
      return new Map()
    }
    const shared = new Map<string, Uint8Array>()
    const offsets = chunkOffsets(manifest)
    for (const [index, [hash, length]] of manifest.chunks.entries()) {
      if (!wanted.has(hash) || shared.has(hash)) continue
      const chunk = cached.bytes.subarray(offsets[index]!, offsets[index]! + length)
      if (chunk.length === length && (await ctx.hashing.chunk(chunk)) === hash) shared.set(hash, chunk)
    }
    return shared
  }

  /** A manifest, checked against its name before it is trusted. */
  async #manifest(ctx: TransferContext, version: string): Promise<Manifest> {
    const bytes = await withRetries(ctx.backoff, async () => {
      const answer = await ctx.http.manifest(version, ctx.signal)
      // Bytes that do not hash to the name were damaged on the way: fetch them again.
      if ((await versionIdOf(answer)) !== version)
        throw new TransientError(`manifest ${version} arrived damaged`)
      return answer
    })
    try {
      return this.#remember(version, decodeManifest(bytes))
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error
      throw new VaultError(BlobErrorCode.BadManifest, `manifest ${version}: ${error.message}`, {
        cause: error,
      })
    }
  }

  #remember(version: string, manifest: Manifest): Manifest {
    this.#manifests.delete(version)
    this.#manifests.set(version, manifest)
    if (this.#manifests.size > KNOWN_MANIFESTS) this.#manifests.delete(this.#manifests.keys().next().value!)
    return manifest
  }

  async #cache(fileId: string, version: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.host.store.putBinary?.(fileId, version, bytes)
    } catch (error) {
      this.host.reportError(error) // the read itself succeeded; only offline reads of it are lost
    }
  }
}

function notABinary(path: string, kind: EntryKind, docId: string | undefined): VaultError {
  return new VaultError(BlobErrorCode.NotABinary, `${path} is a ${kind}, not a binary file`, {
    path,
    ...(docId === undefined ? {} : { docId }),
  })
}

/** Throws `BAD_MANIFEST` unless the assembled file has the manifest's size and SHA-256 (the `verifying` phase). */
export async function verifyWhole(
  ctx: TransferContext,
  manifest: Manifest,
  digest: () => Promise<{ sha256: string; size: number }> | { sha256: string; size: number },
): Promise<void> {
  ctx.progress.begin('verifying', manifest.size)
  const { sha256, size } = await digest()
  if (size !== manifest.size || sha256 !== manifest.sha256)
    throw new VaultError(
      BlobErrorCode.BadManifest,
      `the assembled file does not match its manifest (sha256 ${sha256}, ${size} bytes)`,
    )
  ctx.progress.finish('verifying')
}

/** Every offset each distinct chunk goes to. */
export function chunkPlaces(manifest: Manifest): Map<string, number[]> {
  const offsets = chunkOffsets(manifest)
  const places = new Map<string, number[]>()
  manifest.chunks.forEach(([hash], index) => {
    const list = places.get(hash)
    if (list) list.push(offsets[index]!)
    else places.set(hash, [offsets[index]!])
  })
  return places
}

/** Distinct chunks: hash → length. */
export function chunkLengths(manifest: Manifest): Map<string, number> {
  return new Map(manifest.chunks.map(([hash, length]) => [hash, length]))
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
