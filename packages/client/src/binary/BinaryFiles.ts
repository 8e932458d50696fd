// Binary files of a vault (docs/binaries.md): write a version (chunk, upload what is missing, commit
// with the head this device knew as base), read one (verified chunk by chunk and as a whole), list
// versions. `Vault` exposes it; `@amber/client/node` builds disk transfers on `resolve` and `context`.

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
import { EntryKind } from '../tree/coreTree.ts'
import type { TreeEntry } from '../tree/coreTree.ts'
import type { VaultTree } from '../tree/VaultTree.ts'
import { ClientErrorCode, VaultError } from '../VaultError.ts'
import type { LocalStore } from '../store/LocalStore.ts'
import type { BlobHttp } from './BlobHttp.ts'
import type { ByteSource } from './ByteSource.ts'
import { chunkFile } from './chunkFile.ts'
import { fetchVerified } from './fetchVerified.ts'
import { PORTABLE_HASHING } from './hashing.ts'
import type { Hashing } from './hashing.ts'
import type { HeadsView } from './HeadsView.ts'
import { Backoff, TransientError, withRetries } from './retry.ts'
import type { RetryPolicy } from './retry.ts'
import type { TransferContext } from './TransferContext.ts'
import { ProgressReporter } from './TransferProgress.ts'
import type { TransferProgress } from './TransferProgress.ts'
import { uploadVersion } from './uploadVersion.ts'

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
    const entry = this.#entry(path, true)
    // The head this device knew when the write started: the server decides succession against it.
    const base = this.host.heads.get(entry.id)?.version
    const ctx = this.context(options, hashing)
    // Chunk while the tree entry travels: the commit is refused (FILE_NOT_FOUND) until the server has it.
    const [file] = await Promise.all([
      chunkFile(source, hashing, ctx.progress, options.signal),
      untilAborted(this.host.treeSynced(), options.signal),
    ])
    const next: Manifest = { size: file.size, sha256: file.sha256, mtime: options.mtime, device: this.host.deviceId, chunks: file.chunks }
    const manifest = encodeManifest(next)
    const version = await versionIdOf(manifest)
    // A small edit to a big file commits a few hundred bytes instead of the whole chunk list.
    const baseManifest = base === undefined ? undefined : this.#manifests.get(base)
    const patch = baseManifest && encodeManifestPatch(diffManifests(baseManifest, base!, next, version))
    const answer = await uploadVersion(ctx, { fileId: entry.id, source, file, manifest, patch, base })
    this.#remember(version, next)
    this.host.heads.committed(entry.id, answer.head)
    return { version: answer.version, won: answer.won, head: answer.head }
  }

  /** The bytes of a version (default: the head), every chunk and the whole verified; the head is cached in the store. */
  async read(path: string, options: ReadFileOptions = {}): Promise<Uint8Array> {
    const entry = this.#entry(path, false)
    const version = this.#versionOf(entry, options.version)
    const cached = await this.host.store.getBinary?.(entry.id)
    if (cached?.version === version) return cached.bytes
    const ctx = this.context(options)
    const manifest = await this.#manifest(ctx, version)
    const bytes = new Uint8Array(manifest.size)
    const places = chunkPlaces(manifest)
    await fetchVerified(ctx, chunkLengths(manifest), {
      put: (hash, chunk) => {
        for (const offset of places.get(hash)!) bytes.set(chunk, offset)
      },
    })
    // One shot through WebCrypto: the bytes are in memory anyway, and native hashing beats incremental JS.
    await verifyWhole(ctx, manifest, async () => ({ sha256: await sha256Hex(bytes), size: bytes.length }))
    if (version === this.host.heads.get(entry.id)?.version) await this.#cache(entry.id, version, bytes)
    return bytes
  }

  /** Every version of the binary at `path`, newest commit first. */
  async versions(path: string, signal?: AbortSignal): Promise<VersionInfo[]> {
    const entry = this.#entry(path, false)
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
    const entry = this.#entry(path, false)
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

  #entry(path: string, create: boolean): TreeEntry {
    const entry = this.host.tree.get(path) ?? (create ? this.host.tree.createFile(path) : undefined)
    if (!entry)
      throw new VaultError(ClientErrorCode.PathNotFound, `no file at ${JSON.stringify(path)}`, { path })
    if (entry.kind !== EntryKind.Binary)
      throw new VaultError(BlobErrorCode.NotABinary, `${entry.path} is a ${entry.kind}, not a binary file`, {
        path,
        docId: entry.id,
      })
    return entry
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
