// @amber/client: the Amber Sync SDK. One entry point for browsers, Node and Workers; the local stores
// are separate subpath exports (`@amber/client/store/memory`, `/sqlite`, `/indexeddb`) so an app only
// loads the one it uses.

export { connectVault } from './connectVault.ts'
export type { ConnectVaultOptions } from './connectVault.ts'
export { Vault } from './Vault.ts'
export type {
  VaultStatus,
  VaultEvents,
  OpenOptions,
  RescueMode,
  RescuedNote,
  LineageChangedEvent,
  BinaryConflictEvent,
  HeadEvent,
} from './Vault.ts'
export type {
  FileToWrite,
  ReadFileOptions,
  TransferOptions,
  WriteFileOptions,
  WriteResult,
} from './binary/BinaryFiles.ts'
export type { TransferPhase, TransferProgress } from './binary/TransferProgress.ts'
export type { RetryPolicy } from './binary/retry.ts'
export type { HeadRecord, VersionInfo } from '@amber/blobs'
export { NoteHandle } from './NoteHandle.ts'
export type { NoteHandleEvents } from './NoteHandle.ts'
export { VaultTree } from './tree/VaultTree.ts'
export type { CreateFileOptions, ListOptions, FileId, TreeEntry } from './tree/VaultTree.ts'
export { VaultError, ClientErrorCode, isVaultError } from './VaultError.ts'
export type { VaultErrorCode } from './VaultError.ts'
export type {
  Credential,
  SocketAuth,
  SocketRequest,
  WebSocketConstructor,
} from './transport/createConnector.ts'
export type { LocalStore, VaultRecord, OutboxEntry, StoreBatch, CachedBinary } from './store/LocalStore.ts'
// The protocol engine under the SDK, for simulations, benchmarks and custom hosts.
export { VaultClient, REMOTE_ORIGIN, LOAD_ORIGIN } from './VaultClient.ts'
export type {
  VaultClientOptions,
  VaultClientEvents,
  ClientStatus,
  ClientState,
  ClientJournal,
  SocketLike,
  SyncProgress,
  ServerErrorInfo,
  LineageChange,
} from './VaultClient.ts'
