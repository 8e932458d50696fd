// The one error type of tree operations; callers branch on `code`, never on the message.

export const TreeErrorCode = {
  InvalidPath: 'INVALID_PATH',
  InvalidId: 'INVALID_ID',
  PathTaken: 'PATH_TAKEN',
  IdTaken: 'ID_TAKEN',
  NotFound: 'NOT_FOUND',
  Deleted: 'DELETED',
  NotAFolder: 'NOT_A_FOLDER',
  InvalidMove: 'INVALID_MOVE',
} as const
export type TreeErrorCode = (typeof TreeErrorCode)[keyof typeof TreeErrorCode]

export class TreeError extends Error {
  override readonly name = 'TreeError'
  constructor(
    readonly code: TreeErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export function isTreeError(value: unknown): value is TreeError {
  return value instanceof TreeError
}
