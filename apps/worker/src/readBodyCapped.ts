// Request bodies read with a cap: a Worker has 128 MB of memory, so nothing is buffered past the limit
// the route allows, whatever Content-Length claims.

import { BlobErrorCode } from '@amber/blobs'
import { ApiError } from './ApiError.ts'

/** The whole body, or 413 PAYLOAD_TOO_LARGE once it passes `maxBytes`. */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new ApiError(413, BlobErrorCode.PayloadTooLarge, `the body exceeds ${maxBytes} bytes`)
  const declared = Number(request.headers.get('Content-Length') ?? 0)
  if (declared > maxBytes) throw tooLarge()
  if (request.body === null) return new Uint8Array(0)
  const parts: Uint8Array[] = []
  let total = 0
  for await (const part of request.body) {
    total += part.length
    if (total > maxBytes) throw tooLarge()
    parts.push(part)
  }
  const body = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    body.set(part, at)
    at += part.length
  }
  return body
}
