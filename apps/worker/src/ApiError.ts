// The one HTTP error type of the Worker: an HTTPException with a stable machine-readable code.
// Routes throw it; app.onError renders every error as `{ error: { code, message, ...details } }`.

import { BlobErrorCode } from '@amber/blobs'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export const ApiErrorCode = {
  NotFound: 'NOT_FOUND',
  VaultNotFound: 'VAULT_NOT_FOUND',
  TokenNotFound: 'TOKEN_NOT_FOUND',
  BadVaultId: 'BAD_VAULT_ID',
  BadPath: 'BAD_PATH',
  InvalidRequest: 'INVALID_REQUEST',
  UpgradeRequired: 'UPGRADE_REQUIRED',
  /** No credential at all. */
  Unauthenticated: 'UNAUTHENTICATED',
  /** A credential that is malformed, unknown, expired or revoked (which one is not said). */
  InvalidCredential: 'INVALID_CREDENTIAL',
  /** A ticket that is unknown, already used or expired. */
  InvalidTicket: 'INVALID_TICKET',
  /** A long-lived credential in a URL, where logs and referrers keep it. */
  CredentialInUrl: 'CREDENTIAL_IN_URL',
  /** Authenticated, but the role does not allow this. */
  Forbidden: 'FORBIDDEN',
  OriginNotAllowed: 'ORIGIN_NOT_ALLOWED',
  /** A `Range` wholly past the end of the file; the answer's Content-Range names the size. */
  RangeNotSatisfiable: 'RANGE_NOT_SATISFIABLE',
  Internal: 'INTERNAL',
} as const
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode]

/** Extra fields of an error body that a client acts on: the chunk that failed, the chunks to upload. */
export interface ApiErrorDetails {
  readonly hash?: string
  readonly missing?: readonly string[]
}

export class ApiError extends HTTPException {
  override readonly name = 'ApiError'

  constructor(
    status: ContentfulStatusCode,
    readonly code: ApiErrorCode | BlobErrorCode,
    message: string,
    readonly details: ApiErrorDetails = {},
  ) {
    super(status, { message })
  }

  /** The JSON body every API error is answered with. */
  body(): { error: { code: ApiErrorCode | BlobErrorCode; message: string } & ApiErrorDetails } {
    return { error: { code: this.code, message: this.message, ...this.details } }
  }
}

/** 404 for a vault the caller may not see: the same answer whether or not it exists. */
export function vaultNotFound(): ApiError {
  return new ApiError(404, ApiErrorCode.VaultNotFound, 'no such vault for this credential')
}

export function fileNotFound(path: string): ApiError {
  return new ApiError(404, BlobErrorCode.FileNotFound, `no file at ${JSON.stringify(path)}`)
}
