// Everything one transfer call carries: the HTTP API, its hasher, its failure budget, its progress, its signal.

import type { BlobHttp } from './BlobHttp.ts'
import type { Hashing } from './hashing.ts'
import type { Backoff } from './retry.ts'
import type { ProgressReporter } from './TransferProgress.ts'

export interface TransferContext {
  readonly http: BlobHttp
  readonly hashing: Hashing
  readonly backoff: Backoff
  readonly progress: ProgressReporter
  readonly signal: AbortSignal | undefined
}
