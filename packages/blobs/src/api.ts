// JSON shapes and error codes of the binary HTTP API (docs/binaries.md), shared by the Worker that
// answers them and the SDK that calls them. Paths are relative to /api/v1/vaults/:vaultId.

import type { HeadRecord } from './heads.ts'

export const BlobPaths = {
  missing: 'chunks/missing',
  packs: 'packs',
  fetch: 'chunks/fetch',
  chunk: (hash: string) => `chunks/${hash}`,
  versions: (fileId: string) => `binaries/${encodeURIComponent(fileId)}/versions`,
  commits: 'versions',
  manifest: (version: string) => `manifests/${version}`,
  file: (path: string) => `files/${path.split('/').map(encodeURIComponent).join('/')}`,
} as const

/** At most this many hashes per `chunks/missing` or `chunks/fetch` request. */
export const MAX_HASHES_PER_REQUEST = 10_000
/** At most this many chunk bytes per `chunks/fetch` answer. */
export const MAX_FETCH_BYTES = 32 * 1024 * 1024

export const BlobErrorCode = {
  ChunkHashMismatch: 'CHUNK_HASH_MISMATCH',
  ChunkNotFound: 'CHUNK_NOT_FOUND',
  MissingChunks: 'MISSING_CHUNKS',
  BadPack: 'BAD_PACK',
  BadManifest: 'BAD_MANIFEST',
  VersionNotFound: 'VERSION_NOT_FOUND',
  FileNotFound: 'FILE_NOT_FOUND',
  NotABinary: 'NOT_A_BINARY',
  PreconditionFailed: 'PRECONDITION_FAILED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
} as const
export type BlobErrorCode = (typeof BlobErrorCode)[keyof typeof BlobErrorCode]

/** `POST chunks/missing` */
export interface MissingRequest {
  readonly hashes: readonly string[]
}
export interface MissingAnswer {
  readonly missing: readonly string[]
}

/** `POST packs` → 201 */
export interface PackAnswer {
  readonly packId: string
  /** Chunks this pack added to the vault. */
  readonly stored: number
  /** Chunks the vault already had (their copy in this pack is dead weight until repacked). */
  readonly duplicates: number
}

/** 422 `CHUNK_HASH_MISMATCH` body's extra field, and 409 `MISSING_CHUNKS`'. */
export interface BlobErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly hash?: string; readonly missing?: readonly string[] }
}

/** `POST binaries/:fileId/versions` → 201 */
export interface CommitAnswer {
  readonly version: string
  /** The file's head after this commit. */
  readonly head: HeadRecord
  /** Whether the committed version is the head. */
  readonly won: boolean
}

/** At most this many commits per `POST versions`. */
export const MAX_COMMITS_PER_REQUEST = 1000

/**
 * `POST versions`: many commits in one request (a folder of small files), decided in order. Each is
 * what `POST binaries/:fileId/versions` takes: `manifest` is the manifest's (or patch's) JSON text.
 */
export interface CommitsRequest {
  readonly commits: readonly { readonly fileId: string; readonly base?: string; readonly manifest: string }[]
}
/** One commit's result: its answer, or the error body the single-commit route would have answered. */
export type CommitResult = { readonly committed: CommitAnswer } | BlobErrorBody
/** → 200, one result per commit, in order. */
export interface CommitsAnswer {
  readonly results: readonly CommitResult[]
}

/** One entry of `GET binaries/:fileId/versions` (newest commit first). */
export interface VersionInfo {
  readonly version: string
  readonly sha256: string
  readonly size: number
  readonly mtime: number
  readonly device: string
  readonly committedAt: number
  /** The head the writer started from, when it said. */
  readonly base?: string
}

export interface VersionsAnswer {
  readonly versions: readonly VersionInfo[]
}
