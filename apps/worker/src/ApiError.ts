// The one HTTP error type of the Worker: an HTTPException with a stable machine-readable code.
// Routes throw it; app.onError renders every error as `{ error: { code, message } }`.

import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export const ApiErrorCode = {
  NotFound: 'NOT_FOUND',
  BadVaultId: 'BAD_VAULT_ID',
  BadPath: 'BAD_PATH',
  UpgradeRequired: 'UPGRADE_REQUIRED',
  Internal: 'INTERNAL',
} as const
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode]

export class ApiError extends HTTPException {
  override readonly name = 'ApiError'

  constructor(
    status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(status, { message })
  }
}
