// Answers shared by the chunk API and the files API: a commit's refusals as API errors, and the log
// line of a body stream that failed after its status went out.

import { BlobErrorCode } from '@amber/blobs'
import { assertNever } from '@amber/protocol'
import { ApiError } from '../ApiError.ts'
import type { CommitOutcome } from '../blobs/VaultBlobs.ts'

/** The committed outcome, or the error the API answers for the refusal. */
export function requireCommitted(outcome: CommitOutcome): Extract<CommitOutcome, { kind: 'committed' }> {
  if (outcome.kind === 'committed') return outcome
  throw refusalOf(outcome)
}

/** The API error of a refused commit. */
export function refusalOf(outcome: Exclude<CommitOutcome, { kind: 'committed' }>): ApiError {
  switch (outcome.kind) {
    case 'missing-chunks':
      return new ApiError(409, BlobErrorCode.MissingChunks, `${outcome.missing.length} chunks are not stored; upload them and commit again`, { missing: outcome.missing })
    case 'bad-manifest':
      return new ApiError(400, BlobErrorCode.BadManifest, outcome.message)
    case 'file-not-found':
      return new ApiError(404, BlobErrorCode.FileNotFound, 'no live binary with this id in this vault')
    case 'not-a-binary':
      return new ApiError(409, BlobErrorCode.NotABinary, 'this file is a note or a folder, not a binary')
    case 'precondition-failed':
      return new ApiError(412, BlobErrorCode.PreconditionFailed, "If-Match does not name the file's current version")
    default:
      return assertNever(outcome)
  }
}

/** A stream that failed after its 200 went out: the client sees a cut body; the log says why. */
export function logStreamError(route: string, vaultId: string, error: unknown): void {
  console.error(JSON.stringify({ level: 'error', message: 'stream failed', route, vaultId, error: String(error) }))
}
