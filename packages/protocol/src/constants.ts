// Wire constants of the vault protocol (see PROTOCOL.md). `as const` objects with derived unions, no enums.

export const PROTOCOL_VERSIONS = [1] as const

export const MessageType = {
  Hello: 1,
  Welcome: 2,
  CatchUp: 3,
  CatchUpDoc: 4,
  CatchUpEnd: 5,
  Doc: 6,
  Subscribe: 7,
  Unsubscribe: 8,
  Ack: 9,
  Resync: 10,
  Resume: 11,
  Error: 12,
} as const
export type MessageType = (typeof MessageType)[keyof typeof MessageType]

export const DocChannel = { Sync: 0, Awareness: 1 } as const
export type DocChannel = (typeof DocChannel)[keyof typeof DocChannel]

/** y-protocols sync message types. */
export const SyncStep = { Step1: 0, Step2: 1, Update: 2 } as const
export type SyncStep = (typeof SyncStep)[keyof typeof SyncStep]

export const CatchUpKind = { Log: 0, FullState: 1, Diff: 2 } as const
export type CatchUpKind = (typeof CatchUpKind)[keyof typeof CatchUpKind]

export const HelloFlags = { SubscribeAll: 1 } as const

/** The one fatal close code; every other close is retryable. */
export const FATAL_CLOSE_CODE = 4099
export const FatalReason = {
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  BadHello: 'BAD_HELLO',
  NotFound: 'NOT_FOUND',
  Forbidden: 'FORBIDDEN',
  ProtocolError: 'PROTOCOL_ERROR',
  VaultGone: 'VAULT_GONE',
  /** The session's access token expired while the socket was open; reconnect with a fresh one. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** The host revoked the token (or the device) the session was opened with. */
  Revoked: 'REVOKED',
} as const
export type FatalReason = (typeof FatalReason)[keyof typeof FatalReason]

/** Close code (policy violation, retryable) for a socket over its message rate; the reason is `RATE_LIMITED`. */
export const RATE_LIMITED_CLOSE_CODE = 1008

/** Codes of non-fatal `Error` frames: the named message was neither applied nor stored. */
export const ErrorCode = {
  MalformedFrame: 'MALFORMED_FRAME',
  MalformedUpdate: 'MALFORMED_UPDATE',
  EmptyUpdate: 'EMPTY_UPDATE',
  UpdateTooLarge: 'UPDATE_TOO_LARGE',
  TooManyStructs: 'TOO_MANY_STRUCTS',
  MissingDependencies: 'MISSING_DEPENDENCIES',
  BadDocId: 'BAD_DOC_ID',
  NotSubscribed: 'NOT_SUBSCRIBED',
  /** The session's role may read but not write. */
  ReadOnly: 'READ_ONLY',
  FrameTooLarge: 'FRAME_TOO_LARGE',
  DocTooLarge: 'DOC_TOO_LARGE',
  QuotaExceeded: 'QUOTA_EXCEEDED',
  /** Sent just before the socket is closed with the retryable code 1008 `RATE_LIMITED`. */
  RateLimited: 'RATE_LIMITED',
  Internal: 'INTERNAL',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** The vault tree's document id. */
export const TREE_DOC_ID = 'tree'

/**
 * The binary heads document: map `heads`, file id → head record (docs/binaries.md). Only the server
 * writes it; every vault session receives it, like the tree, and a client's write gets `READ_ONLY`.
 */
export const HEADS_DOC_ID = 'heads'
