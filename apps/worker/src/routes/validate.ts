// Request validation with zod, failing in the API's one error shape (400 INVALID_REQUEST naming the field).

import { zValidator } from '@hono/zod-validator'
import type { Context, ValidationTargets } from 'hono'
import type { z } from 'zod'
import { ApiError, ApiErrorCode } from '../ApiError.ts'
import type { AppEnv } from '../appEnv.ts'
import { readBodyCapped } from '../readBodyCapped.ts'

/** JSON request bodies of the API are small; larger ones are refused before they are parsed. */
const MAX_JSON_BYTES = 1024 * 1024

function invalidRequest(issues: readonly z.core.$ZodIssue[]): ApiError {
  const issue = issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  return new ApiError(400, ApiErrorCode.InvalidRequest, `${where}${issue?.message ?? 'invalid request'}`)
}

/** Validation middleware (after the route's authorization middleware). */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw invalidRequest(result.error.issues)
  })
}

/** The JSON body parsed with `schema`, for handlers that authorize first. */
export async function parseJsonBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T, maxBytes = MAX_JSON_BYTES): Promise<z.infer<T>> {
  const text = new TextDecoder().decode(await readBodyCapped(c.req.raw, maxBytes))
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    throw new ApiError(400, ApiErrorCode.InvalidRequest, 'the body is not JSON')
  }
  const result = schema.safeParse(value)
  if (!result.success) throw invalidRequest(result.error.issues)
  return result.data
}
