export {
  PROTOCOL_VERSIONS,
  MessageType,
  DocChannel,
  SyncStep,
  CatchUpKind,
  HelloFlags,
  FATAL_CLOSE_CODE,
  FatalReason,
  RATE_LIMITED_CLOSE_CODE,
  ErrorCode,
  TREE_DOC_ID,
  HEADS_DOC_ID,
} from './constants.ts'
export type { DocId, DeviceId, VaultCursor, DocHave, SeqRange, CatchUpEntry, SyncMessage, Message, MessageOf } from './types.ts'
export {
  ProtocolDecodeError,
  writeMessage,
  readMessage,
  encodeMessage,
  decodeMessage,
  writeCursor,
  readCursor,
  writeSyncMessage,
  readSyncMessage,
  peekDocUpdate,
  assertNever,
} from './codec.ts'
export { isDocId } from './docId.ts'
export { VaultRole, canWrite } from './VaultRole.ts'
export { AMBER_JWT_AUDIENCE } from './registryApi.ts'
export type { ApiErrorBody, CreatedVault, DeviceInfo, MintedToken, Ticket, TokenInfo, VaultInfo } from './registryApi.ts'
export { createSeqRanges } from './seqRanges.ts'
export { mergeUpdatesInTree } from './mergeUpdatesInTree.ts'
export { YMessageType, encodeYSync, encodeYAwareness, decodeYFrame } from './yWebsocket.ts'
export type { YFrame } from './yWebsocket.ts'
