export { VaultRoom, SERVER_ORIGIN, createSessionId } from './room/VaultRoom.ts'
export type { VaultRoomOptions } from './room/VaultRoom.ts'
export { NotePreconditionFailed } from './room/NotePreconditionFailed.ts'
export { NOTE_TEXT } from './room/noteText.ts'
export { HEADS_MAP } from './room/headsDoc.ts'
export { MAX_SERVED_BASES } from './room/ServedBases.ts'
export { DEFAULT_ROOM_CONFIG } from './room/RoomConfig.ts'
export type { RoomConfig } from './room/RoomConfig.ts'
export type { Connection, SessionState, SessionAccess, DeviceEvent, ConnectRoute, RoomScheduler, RoomLogger } from './room/hostTypes.ts'
export { guardUpdate, UpdateRejected } from './room/UpdateGuard.ts'
export type { GuardLimits, GuardResult } from './room/UpdateGuard.ts'
export { AwarenessRelay } from './room/AwarenessRelay.ts'
export { UpdateLog, LOAD_ORIGIN, hasPending, loadDocFromCold, verifySnapshot } from './log/UpdateLog.ts'
export type { UpdateLogOptions, CatchUpRead } from './log/UpdateLog.ts'
export { UPDATE_STEPS } from './log/commitSteps.ts'
export type { UpdateStep, FaultInjector } from './log/commitSteps.ts'
export { IntegrityError, sha256Hex } from './log/integrity.ts'
export { hotKeys, coldKeys, parseColdKey, parseHotLogKey } from './log/storageKeys.ts'
export { MemoryStorageAdapter } from './storage/MemoryStorageAdapter.ts'
export type { MemoryStorageAdapterOptions } from './storage/MemoryStorageAdapter.ts'
export type { StorageAdapter, StorageBatch, StorageChunk } from './storage/StorageAdapter.ts'
export { validateStorageBatch } from './storage/StorageAdapter.ts'
export {
  createFileId,
  isFileId,
  EntryKind,
  TreeError,
  TreeErrorCode,
  isTreeError,
  normalizePath,
  kindForPath,
  getTextExtensions,
  setTextExtensions,
  createEntry,
  renameEntry,
  deleteEntry,
  restoreEntry,
  setEntryMeta,
  getEntry,
  resolvePath,
  pathOf,
  listEntries,
  repairTree,
  observeTree,
  conflictName,
} from './tree/index.ts'
export type { FileId, TreeEntry, TreeRepair, CreateEntryOptions } from './tree/index.ts'
