// The binary HTTP API of docs/binaries.md as typed calls, with the credential as a Bearer header. It sorts
// failures for the retry loop: what may pass (no connection, 5xx, 429, an answer cut off) is a
// `TransientError`; a refusal is a `VaultError` with the server's code; an abort is the signal's reason.

import { BlobPaths } from '@amber/blobs'
import type {
  BlobErrorBody,
  CommitAnswer,
  CommitResult,
  CommitsAnswer,
  CommitsRequest,
  MissingAnswer,
  PackAnswer,
  VersionInfo,
  VersionsAnswer,
} from '@amber/blobs'
import { bearer } from '../transport/createConnector.ts'
import type { Credential } from '../transport/createConnector.ts'
import { ClientErrorCode, VaultError } from '../VaultError.ts'
import type { VaultErrorCode } from '../VaultError.ts'
import { TransientError, parseRetryAfter } from './retry.ts'

export interface BlobHttpOptions {
  /** The vault's API root (`…/api/v1/vaults/:vaultId`). */
  readonly base: string
  readonly credential: Credential | undefined
  readonly fetch: typeof fetch
}

/** One commit: the manifest (or patch) bytes for a file, written from `base` (undefined for a new file). */
export interface CommitRequest {
  readonly fileId: string
  readonly base: string | undefined
  readonly body: Uint8Array
}

export class BlobHttp {
  constructor(private readonly options: BlobHttpOptions) {}

  async missing(hashes: readonly string[], signal?: AbortSignal): Promise<readonly string[]> {
    const res = await this.#request(BlobPaths.missing, jsonBody({ hashes }), signal)
    return (await readJson<MissingAnswer>(res)).missing
  }

  async putPack(pack: Uint8Array, signal?: AbortSignal): Promise<PackAnswer> {
    const res = await this.#request(
      BlobPaths.packs,
      {
        method: 'POST',
        body: pack as Uint8Array<ArrayBuffer>,
        headers: { 'Content-Type': 'application/octet-stream' },
      },
      signal,
    )
    return readJson<PackAnswer>(res)
  }

  /** `POST binaries/:fileId/versions`: its answer, or its refusal as the result `commitMany` would give. */
  async commit({ fileId, base, body }: CommitRequest, signal?: AbortSignal): Promise<CommitResult> {
    const query = base === undefined ? '' : `?base=${encodeURIComponent(base)}`
    const init = {
      method: 'POST',
      body: body as Uint8Array<ArrayBuffer>,
      headers: { 'Content-Type': 'application/json' },
    }
    const res = await this.#request(`${BlobPaths.versions(fileId)}${query}`, init, signal, COMMIT_REFUSALS)
    if (COMMIT_REFUSALS.includes(res.status)) return readJson<BlobErrorBody>(res)
    return { committed: await readJson<CommitAnswer>(res) }
  }

  /** `POST versions`: one result per commit, in order (the batch is refused whole only when malformed). */
  async commitMany(commits: readonly CommitRequest[], signal?: AbortSignal): Promise<readonly CommitResult[]> {
    const decoder = new TextDecoder()
    const request: CommitsRequest = {
      commits: commits.map(({ fileId, base, body }) => ({
        fileId,
        ...(base === undefined ? {} : { base }),
        manifest: decoder.decode(body),
      })),
    }
    const res = await this.#request(BlobPaths.commits, jsonBody(request), signal)
    return (await readJson<CommitsAnswer>(res)).results
  }

  async versions(fileId: string, signal?: AbortSignal): Promise<readonly VersionInfo[]> {
    const res = await this.#request(BlobPaths.versions(fileId), {}, signal)
    return (await readJson<VersionsAnswer>(res)).versions
  }

  async manifest(version: string, signal?: AbortSignal): Promise<Uint8Array> {
    const res = await this.#request(BlobPaths.manifest(version), {}, signal)
    return readBytes(res)
  }

  /** The answer of `chunks/fetch`: a pack stream, to read with `readPackStream` (and verify!). */
  async fetchChunks(hashes: readonly string[], signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const res = await this.#request(BlobPaths.fetch, jsonBody({ hashes }), signal)
    if (!res.body) throw new TransientError('chunks/fetch answered without a body')
    return res.body
  }

  /** Sends a request; resolves with a 2xx answer (or one of `expected`), throws otherwise. */
  async #request(
    path: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
    expected: readonly number[] = [],
  ): Promise<Response> {
    signal?.throwIfAborted()
    const headers = {
      ...(init.headers as Record<string, string> | undefined),
      ...(await bearer(this.options.credential)),
    }
    let res: Response
    try {
      res = await this.options.fetch(`${this.options.base}/${path}`, {
        ...init,
        headers,
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      signal?.throwIfAborted()
      throw new TransientError(`${path}: ${messageOf(error)}`, { cause: error })
    }
    if (res.ok || expected.includes(res.status)) return res
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      await res.body?.cancel().catch(() => undefined) // the connection is being dropped anyway
      const retryAfterMs = parseRetryAfter(res.headers.get('Retry-After'), Date.now())
      throw new TransientError(`${path} answered ${res.status}`, { retryAfterMs })
    }
    const body = (await res.json().catch(() => undefined)) as Partial<BlobErrorBody> | undefined
    throw refusal(res.status, body?.error)
  }
}

/** Statuses a single commit is refused with for this commit alone (the results `commitMany` carries). */
const COMMIT_REFUSALS: readonly number[] = [400, 404, 409, 412]

function jsonBody(value: unknown): RequestInit {
  return { method: 'POST', body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } }
}

/** A 2xx body that fails to arrive in full is a transfer cut off, not a refusal. */
async function readJson<T>(res: Response): Promise<T> {
  try {
    return (await res.json()) as T
  } catch (error) {
    throw new TransientError(`the answer was cut off: ${messageOf(error)}`, { cause: error })
  }
}

async function readBytes(res: Response): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer())
  } catch (error) {
    throw new TransientError(`the answer was cut off: ${messageOf(error)}`, { cause: error })
  }
}

const STATUS_CODES: Readonly<Record<number, VaultErrorCode>> = {
  401: ClientErrorCode.Unauthorized,
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
}

function refusal(status: number, error: BlobErrorBody['error'] | undefined): VaultError {
  const code = (error?.code ?? STATUS_CODES[status] ?? ClientErrorCode.HttpRefused) as VaultErrorCode
  return new VaultError(code, error?.message ?? `the server answered ${status}`, { cause: { status, error } })
}

/** The refusal one result of `POST versions` stands for. */
export function refusalOfResult(error: BlobErrorBody['error']): VaultError {
  return new VaultError(error.code as VaultErrorCode, error.message, { cause: { error } })
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
