// The SDK's entry point: restore a vault from its local store, then keep it in sync over one socket.

import { HEADS_DOC_ID, TREE_DOC_ID } from '@amber/protocol'
import { BlobHttp } from './binary/BlobHttp.ts'
import type { RetryPolicy } from './binary/retry.ts'
import { StoreWriter } from './StoreWriter.ts'
import { pageStorage, replayUnloadJournal, unloadJournalKey } from './unloadJournal.ts'
import type { LocalStore, VaultRecord } from './store/LocalStore.ts'
import { createConnector, vaultApiBase } from './transport/createConnector.ts'
import type {
  Credential,
  SocketAuth,
  SocketRequest,
  WebSocketConstructor,
} from './transport/createConnector.ts'
import { Vault } from './Vault.ts'
import type { RescueMode } from './Vault.ts'
import { VaultClient } from './VaultClient.ts'
import type { SocketLike } from './VaultClient.ts'

/** Options of {@link connectVault}. */
export interface ConnectVaultOptions {
  /** The server's origin, e.g. `https://sync.example.com` (`http://127.0.0.1:8787` for `npm run dev`). */
  readonly url: string
  readonly vaultId: string
  /**
   * A vault token (`POST /api/v1/vaults` answers one), or a function returning a current one, called
   * before every (re)connect. Sent as `Authorization: Bearer` (Node, Workers) or traded for a
   * single-use ticket (browsers); never put in a URL. Omit it for a server without authentication.
   */
  readonly credential?: Credential
  /** Where the vault lives offline: `MemoryStore`, `SqliteStore` (Node) or `IndexedDbStore` (browsers). One store per vault. */
  readonly store: LocalStore
  /**
   * The WebSocket implementation. Browsers and Workers have one; on Node 20 pass the `ws` package
   * (`import WebSocket from 'ws'`), which lets the SDK send the credential as a header.
   */
  readonly WebSocket?: WebSocketConstructor
  /**
   * How the credential reaches the socket: `'header'` (default with an injected `WebSocket` such as
   * `ws`) or `'ticket'` (default with the global `WebSocket` of a browser). Workers upgrade through
   * `fetch` with the header.
   */
  readonly auth?: SocketAuth
  /** Opens the socket yourself (a proxy, a test pipe); gets the URL and the upgrade headers. */
  readonly connectSocket?: (request: SocketRequest) => SocketLike | Promise<SocketLike>
  /** The `fetch` used for tickets, Workers upgrades and binary transfers; the global one by default. */
  readonly fetch?: typeof fetch
  /**
   * Fetch notes lazily: only the tree and the notes you `open` are synced (and kept offline). Default
   * false: the whole vault is fetched eagerly and stays available offline.
   */
  readonly lazy?: boolean
  /** A human-readable name of this device, for the app's own use (presence, diagnostics). */
  readonly deviceName?: string
  /**
   * What the lineage guard does with unacknowledged local edits when the server's vault was restored or
   * re-created: `'copy'` (default) writes each rescued note back as a new file (at its old path; the
   * server gives it a conflict name when that path is taken) and emits `lineageChanged`; `'event'` only
   * emits `lineageChanged` with the rescued texts.
   */
  readonly rescue?: RescueMode
  /** Start offline; call `vault.connect()` later. Default false. */
  readonly offline?: boolean
  /** Reconnect backoff: the delay doubles from `minDelayMs` (100) up to `maxDelayMs` (10 000), with jitter. */
  readonly reconnect?: { readonly minDelayMs?: number; readonly maxDelayMs?: number }
  /**
   * How binary transfers retry network errors, 5xx answers and cut-off bodies: `{ attempts: 8,
   * minDelayMs: 200, maxDelayMs: 15 000 }`, attempts counting failures in a row without progress.
   */
  readonly transferRetry?: RetryPolicy
  /** Randomness for the backoff jitter (seeded in tests); Math.random by default. */
  readonly random?: () => number
  /** The clock for tree timestamps; Date.now by default. */
  readonly now?: () => number
}

/**
 * Opens a vault from its local store (everything edited offline is there) and starts syncing it. It
 * resolves once the local state is loaded — before any network round trip — so an app works offline at
 * once; `vault.whenLoaded()` waits for the first catch-up and `vault.whenSynced()` for durable acks.
 *
 * @example
 * ```ts
 * // Node 20
 * import WebSocket from 'ws'
 * import { connectVault } from '@amber/client'
 * import { SqliteStore } from '@amber/client/store/sqlite'
 *
 * const vault = await connectVault({
 *   url: 'https://sync.example.com',
 *   vaultId,
 *   credential: token,
 *   store: new SqliteStore('vault.db'),
 *   WebSocket,
 * })
 * const note = await vault.open('Daily/2026-11-27.md', { create: true })
 * note.text.insert(0, 'Hello from Node')
 * await vault.whenSynced()
 * ```
 * @example
 * ```ts
 * // A browser
 * import { IndexedDbStore } from '@amber/client/store/indexeddb'
 * const vault = await connectVault({ url: location.origin, vaultId, credential: getToken, store: await IndexedDbStore.open(`vault-${vaultId}`) })
 * ```
 */
export async function connectVault(options: ConnectVaultOptions): Promise<Vault> {
  const { store } = options
  const lazy = options.lazy ?? false
  let record = await store.readRecord()
  if (!record) {
    record = {
      deviceId: createDeviceId(),
      cursor: { epoch: '', seq: 0 },
      nextSeq: 1,
      lineage: '',
    } satisfies VaultRecord
    await store.commit({ record })
  }
  // A page that went away mid-commit left what it had not committed in localStorage: store it first.
  const storage = pageStorage()
  if (storage !== undefined) {
    await replayUnloadJournal(storage, unloadJournalKey(record.deviceId), store, record)
    record = (await store.readRecord()) ?? record
  }
  const outbox = await store.readOutbox()
  const stored = new Set(await store.listDocs())
  // Eager vaults keep every note in memory; lazy ones the tree, the binary heads and whatever holds
  // unacknowledged edits.
  const toLoad = lazy
    ? [...new Set([TREE_DOC_ID, HEADS_DOC_ID, ...outbox.map((entry) => entry.docId)])].filter((id) => stored.has(id))
    : [...stored]
  const docs = await Promise.all(toLoad.map(async (docId) => [docId, await store.readDoc(docId)] as const))

  const storeErrors: { report?: (error: unknown) => void } = {}
  const writer = new StoreWriter(store, record, { onError: (error) => storeErrors.report?.(error) })
  const client = new VaultClient({
    connect: createConnector(options),
    deviceId: record.deviceId,
    subscribeAll: !lazy,
    ...(options.reconnect ? { reconnect: options.reconnect } : {}),
    ...(options.random ? { random: options.random } : {}),
    initial: { cursor: record.cursor, nextSeq: record.nextSeq, lineage: record.lineage, outbox },
    journal: writer,
  })
  for (const [docId, updates] of docs) client.loadDoc(docId, updates)
  const vault = new Vault({
    vaultId: options.vaultId,
    deviceId: record.deviceId,
    deviceName: options.deviceName,
    lazy,
    rescue: options.rescue ?? 'copy',
    client,
    writer,
    store,
    storeErrors,
    now: options.now ?? Date.now,
    http: new BlobHttp({
      base: vaultApiBase(options.url, options.vaultId),
      credential: options.credential,
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    }),
    retry: options.transferRetry ?? {},
    random: options.random ?? Math.random,
  })
  if (!options.offline) client.start()
  return vault
}

/** 16 random bytes, base64url (22 characters). */
function createDeviceId(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
