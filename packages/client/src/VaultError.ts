// The SDK's one error type: every failure an app can branch on carries a typed `code` (y-sweet style),
// whether the server sent it (an `Error` frame, a fatal close), the HTTP API answered it, or the SDK
// itself refused a call.

import type { BlobErrorCode } from '@amber/blobs'
import { ErrorCode } from '@amber/protocol'
import type { FatalReason } from '@amber/protocol'

/** Codes the SDK adds to the protocol's `Error` frame codes and fatal close reasons. */
export const ClientErrorCode = {
  /** The server refused the credential (HTTP 401 on a ticket request or a socket upgrade). */
  Unauthorized: 'UNAUTHORIZED',
  /** No entry at the path given to `open`, `rename`, `move` or `delete`. */
  PathNotFound: 'PATH_NOT_FOUND',
  /** `open` was given a folder or a binary file: only text files have a document. */
  NotText: 'NOT_TEXT',
  /** The vault was closed; no call after `close()`. */
  Closed: 'CLOSED',
  /** The local store failed to commit a batch (quota, disk): edits stay in memory and are retried. */
  StoreFailed: 'STORE_FAILED',
  /**
   * The server's vault descends from another history (restored, re-created): local edits it never
   * acknowledged were moved aside (see the `lineageChanged` event) instead of being merged.
   */
  LineageChanged: 'LINEAGE_CHANGED',
  /** A tree operation was refused (path taken, invalid path, …); `cause` is the core `TreeError`. */
  TreeRefused: 'TREE_REFUSED',
  /** A binary transfer kept failing (network, server errors) after every retry; `cause` is the last failure. */
  TransferFailed: 'TRANSFER_FAILED',
  /** The file being uploaded changed while it was read: its chunks no longer match what was hashed. */
  SourceChanged: 'SOURCE_CHANGED',
  /** An HTTP call of the binary API was refused with an answer that names no code (`cause` has the status). */
  HttpRefused: 'HTTP_REFUSED',
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]

/** Every code a {@link VaultError} can carry; binary transfers add the binary API's codes (docs/binaries.md). */
export type VaultErrorCode = ErrorCode | FatalReason | ClientErrorCode | BlobErrorCode

/** Error frames for updates the server will never accept as they are: the SDK stops resending them. */
const REJECTED_FOR_GOOD: ReadonlySet<string> = new Set<string>([
  ErrorCode.ReadOnly,
  ErrorCode.DocTooLarge,
  ErrorCode.QuotaExceeded,
  ErrorCode.FrameTooLarge,
  ErrorCode.UpdateTooLarge,
  ErrorCode.TooManyStructs,
  ErrorCode.MalformedUpdate,
  ErrorCode.MalformedFrame,
  ErrorCode.BadDocId,
])

/**
 * An error from the SDK, the server or the local store. Branch on `code`, never on `message`.
 * @example
 * vault.on('error', (error) => {
 *   if (error.code === 'READ_ONLY') showBanner('This vault is shared with you read-only')
 * })
 */
export class VaultError extends Error {
  override readonly name = 'VaultError'
  /** The document the error is about, when it is about one (a file id, or `tree`). */
  readonly docId: string | undefined
  /** The vault path of that document at the time of the error, when known. */
  readonly path: string | undefined
  /** True when the SDK stopped for good (status `offline`, no reconnect until `reconnect()`). */
  readonly fatal: boolean

  constructor(
    readonly code: VaultErrorCode,
    message: string,
    options: { docId?: string; path?: string; fatal?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.docId = options.docId
    this.path = options.path
    this.fatal = options.fatal ?? false
  }
}

/** True for a {@link VaultError}, whatever realm created it. */
export function isVaultError(value: unknown): value is VaultError {
  return (
    value instanceof VaultError || (value instanceof Error && value.name === 'VaultError' && 'code' in value)
  )
}

/** True when the server will never accept the update an `Error` frame with this code names. */
export function isRejectedForGood(code: string): boolean {
  return REJECTED_FOR_GOOD.has(code)
}
