// Document ids are file ids from the vault tree, or `tree` itself; anything else is refused before use.

import type { DocId } from './types.ts'

const DOC_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

export function isDocId(value: string): value is DocId {
  return DOC_ID_PATTERN.test(value)
}
