// One Durable Object per vault: builds the storage adapters, hands hibernatable sockets to the core
// VaultRoom and maps the room's wake-up requests onto the DO alarm. All sync logic lives in the room;
// binaries' index and decisions live in src/blobs, reached by the Worker's routes over RPC.

import type { VersionInfo } from '@amber/blobs'
import { EntryKind, VaultRoom, createSessionId } from '@amber/core'
import type { Connection, ConnectRoute, DeviceEvent, FileId, StorageAdapter, RoomLogger, RoomScheduler, SessionState } from '@amber/core'
import { FATAL_CLOSE_CODE, FatalReason, assertNever } from '@amber/protocol'
import { DurableObject } from 'cloudflare:workers'
import { BlobIndex } from './blobs/BlobIndex.ts'
import type { BlobCounts, ChunkLocation } from './blobs/BlobIndex.ts'
import { VaultBlobs } from './blobs/VaultBlobs.ts'
import type { CommitOutcome, CommitTarget, ManifestSource } from './blobs/VaultBlobs.ts'
import { readFileAt, writeNoteAt, writeTargetAt } from './blobs/vaultFiles.ts'
import type { FileContent, NoteWrite, WriteTarget } from './blobs/vaultFiles.ts'
import { coalesce } from './coalesce.ts'
import { blobConfigFromEnv, roomConfigFromEnv } from './config.ts'
import { createConnection } from './createConnection.ts'
import type { Env } from './Env.ts'
import { Registry } from './registry/Registry.ts'
import type { VaultUsage } from './registry/Registry.ts'
import { DoSqliteStorageAdapter } from './storage/DoSqliteStorageAdapter.ts'
import { delayCommits } from './storage/delayCommits.ts'
import { R2StorageAdapter } from './storage/R2StorageAdapter.ts'
import { readVaultUpgrade } from './vaultUpgrade.ts'

/** Retryable close for a socket the room cannot take back after a wake (no attachment to restore from). */
const RESTORE_FAILED_CLOSE = { code: 1011, reason: 'RESTORE_FAILED' } as const
/** Retryable close after an unexpected failure while handling a frame; the client reconnects and resumes. */
const INTERNAL_CLOSE = { code: 1011, reason: 'INTERNAL' } as const
/** Close codes a peer may report but an endpoint must not send; the reciprocal close uses 1000 instead. */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015])

/** `GET /api/v1/vaults/:vaultId/usage`: what the vault stores, for operators and benchmarks. */
export interface VaultStorageReport extends BlobCounts {
  readonly noteBytes: number
}

export class VaultDO extends DurableObject<Env> {
  #room: VaultRoom | undefined
  readonly #connections = new WeakMap<WebSocket, Connection>()
  /** Sockets already handed to room.disconnect; close and error may both arrive for one socket. */
  readonly #gone = new WeakSet<WebSocket>()
  readonly #logger: RoomLogger = {
    warn: (message, fields) => console.warn(JSON.stringify({ level: 'warn', message, ...fields })),
    error: (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields })),
  }

  readonly #blobIndex: BlobIndex
  #blobs: VaultBlobs | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS amber_host (name TEXT PRIMARY KEY, value TEXT NOT NULL)')
    this.#blobIndex = new BlobIndex(ctx.storage.sql)
  }

  override async fetch(request: Request): Promise<Response> {
    const upgrade = readVaultUpgrade(request)
    if (upgrade === undefined || request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('VaultDO only accepts socket upgrades from the Worker', { status: 400 })
    }
    this.#rememberVaultId(upgrade.vaultId)
    // Opening restores the sockets that predate a wake; the new one is accepted after, and connected instead.
    const room = await this.#openRoom()
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket]
    // The tag is the session id: the room keeps per-socket state that outgrows the attachment under it.
    const sessionId = createSessionId()
    // The credential tag lets a revocation find every socket the credential opened, after a wake too.
    this.ctx.acceptWebSocket(server, [sessionId, routeTag(upgrade.route), credentialTag(upgrade.access.tokenId)])
    room.connect(this.#connection(server), upgrade.route, sessionId, upgrade.access)
    return new Response(null, { status: 101, webSocket: client })
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const room = await this.#openRoom()
    const conn = this.#connection(ws)
    if (typeof message === 'string') {
      // The protocol is binary only; a text frame means the peer does not speak it.
      conn.close(FATAL_CLOSE_CODE, FatalReason.ProtocolError)
      this.#disconnect(room, ws)
      return
    }
    try {
      await room.receive(conn, new Uint8Array(message))
    } catch (error) {
      // The room answers bad frames itself; reaching here is a bug or a storage failure. Drop only this socket.
      this.#logger.error('receive failed', { error: String(error) })
      conn.close(INTERNAL_CLOSE.code, INTERNAL_CLOSE.reason)
      this.#disconnect(room, ws)
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Complete the close handshake; a no-op when the runtime already replied (web_socket_auto_reply_to_close).
    if (ws.readyState !== WebSocket.READY_STATE_CLOSED) ws.close(RESERVED_CLOSE_CODES.has(code) ? 1000 : code, reason)
    this.#disconnect(await this.#openRoom(), ws)
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.#logger.warn('socket error', { error: String(error) })
    this.#disconnect(await this.#openRoom(), ws)
  }

  #hotStorage(): StorageAdapter {
    const adapter = new DoSqliteStorageAdapter(this.ctx.storage)
    const delayMs = Number(this.env.AMBER_TEST_COMMIT_DELAY_MS ?? 0)
    return delayMs > 0 ? delayCommits(adapter, delayMs) : adapter
  }

  /** RPC from the Worker when a credential is revoked: closes every socket it opened, at once. */
  async closeCredential(credentialId: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(credentialTag(credentialId))
    if (sockets.length === 0) return 0
    const room = await this.#openRoom()
    for (const ws of sockets) {
      this.#connection(ws).close(FATAL_CLOSE_CODE, FatalReason.Revoked)
      this.#disconnect(room, ws)
    }
    return sockets.length
  }

  // ---- binaries and the files API (docs/binaries.md): RPC from routes that authorized the caller ----

  async missingChunks(vaultId: string, hashes: string[]): Promise<string[]> {
    return this.#vaultBlobs(vaultId).missing(hashes)
  }

  async reservePack(vaultId: string, bytes: number): Promise<string> {
    return this.#vaultBlobs(vaultId).reservePack(bytes)
  }

  async registerPack(vaultId: string, packId: string, entries: Omit<ChunkLocation, 'packId'>[]): Promise<{ stored: number; duplicates: number } | undefined> {
    return this.#vaultBlobs(vaultId).registerPack(packId, entries)
  }

  async locateChunks(vaultId: string, hashes: string[]): Promise<{ found: ChunkLocation[]; missing: string[] }> {
    return this.#vaultBlobs(vaultId).locate(hashes)
  }

  async commitVersion(vaultId: string, target: CommitTarget, manifest: Uint8Array): Promise<CommitOutcome> {
    const blobs = this.#vaultBlobs(vaultId)
    return blobs.commit(await this.#openRoom(), target, manifest)
  }

  /** Commits decided in the order given; their durability is waited for together. */
  async commitVersions(vaultId: string, commits: readonly { target: CommitTarget; manifest: Uint8Array }[]): Promise<CommitOutcome[]> {
    const blobs = this.#vaultBlobs(vaultId)
    const room = await this.#openRoom()
    return Promise.all(commits.map(({ target, manifest }) => blobs.commit(room, target, manifest)))
  }

  async manifestSource(vaultId: string, version: string): Promise<ManifestSource | undefined> {
    return this.#vaultBlobs(vaultId).manifestSource(version)
  }

  /** A binary's versions, newest first; undefined when the vault has no binary with this id. */
  async listVersions(vaultId: string, fileId: string): Promise<VersionInfo[] | undefined> {
    const blobs = this.#vaultBlobs(vaultId)
    const entry = (await this.#openRoom()).entry(fileId as FileId)
    return entry?.kind === EntryKind.Binary ? blobs.versions(fileId) : undefined
  }

  async readFile(vaultId: string, path: string): Promise<FileContent> {
    this.#rememberVaultId(vaultId)
    return readFileAt(await this.#openRoom(), path)
  }

  async writeTarget(vaultId: string, path: string): Promise<WriteTarget> {
    this.#rememberVaultId(vaultId)
    return writeTargetAt(await this.#openRoom(), path)
  }

  async writeNote(vaultId: string, path: string, text: string, ifMatch: string | undefined): Promise<NoteWrite> {
    this.#rememberVaultId(vaultId)
    return writeNoteAt(await this.#openRoom(), path, text, ifMatch)
  }

  /** Tombstones the entry at `path` (recoverable); false when there is none. */
  async deleteFile(vaultId: string, path: string): Promise<boolean> {
    this.#rememberVaultId(vaultId)
    return (await (await this.#openRoom()).deletePath(path)) !== undefined
  }

  async storageReport(vaultId: string): Promise<VaultStorageReport> {
    const blobs = this.#vaultBlobs(vaultId)
    return { noteBytes: (await this.#openRoom()).stats().storedBytes, ...blobs.counts() }
  }

  override async alarm(): Promise<void> {
    // An alarm may be the first event after eviction; with no vault ever connected there is nothing to run.
    const vaultId = this.#storedVaultId()
    if (vaultId === undefined) return
    this.#alarmAt = undefined
    const room = await this.#openRoom()
    await room.alarm()
    await this.#vaultBlobs(vaultId).alarm()
  }

  /** The vault's binaries; remembers the vault id, as a socket upgrade does, so the room can open. */
  #vaultBlobs(vaultId: string): VaultBlobs {
    this.#rememberVaultId(vaultId)
    this.#blobs ??= new VaultBlobs({
      vaultId,
      index: this.#blobIndex,
      bucket: this.env.BLOBS,
      config: blobConfigFromEnv(this.env),
      logger: this.#logger,
      wakeAt: (at) => this.#scheduler.wakeAt(at),
      onUsageChanged: this.#usageReporter(vaultId),
    })
    return this.#blobs
  }

  /** Opens the room once per instance; after a wake, restores every live socket before any event is handled. */
  async #openRoom(): Promise<VaultRoom> {
    // A room whose storage commit failed has closed its sockets and must be replaced, not reused.
    if (this.#room?.isBroken) this.#room = undefined
    if (this.#room !== undefined) return this.#room
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.#room !== undefined) return
      const vaultId = this.#storedVaultId()
      if (vaultId === undefined) throw new Error('VaultDO has no vault id: it was never reached through the Worker')
      const room = await VaultRoom.open({
        vaultId,
        hot: this.#hotStorage(),
        cold: R2StorageAdapter.forVault(this.env.BLOBS, vaultId),
        scheduler: this.#scheduler,
        config: roomConfigFromEnv(this.env),
        logger: this.#logger,
        onDevice: (event) => this.#reportDevice(vaultId, event),
      })
      for (const ws of this.ctx.getWebSockets()) {
        if (ws.readyState !== WebSocket.READY_STATE_OPEN) continue
        const state = ws.deserializeAttachment() as SessionState | null
        const conn = this.#connection(ws)
        if (state === null) conn.close(RESTORE_FAILED_CLOSE.code, RESTORE_FAILED_CLOSE.reason)
        else room.restore(conn, state)
      }
      this.#room = room
    })
    return this.#room!
  }

  readonly #scheduler: RoomScheduler = {
    wakeAt: (at) => {
      // Commits ask for wake-ups often; only an earlier time than the one already set touches storage.
      if (this.#alarmAt !== undefined && this.#alarmAt <= at) return
      this.#alarmAt = at
      this.#alarmWrites = this.#alarmWrites.then(() => this.#setEarliestAlarm(at))
    },
  }
  /** The alarm time this instance last set (unknown after a wake: then storage is asked). */
  #alarmAt: number | undefined
  /** Alarm writes run in order so two wakeAt calls cannot race past each other's getAlarm. */
  #alarmWrites: Promise<void> = Promise.resolve()

  async #setEarliestAlarm(at: number): Promise<void> {
    try {
      const current = await this.ctx.storage.getAlarm()
      if (current === null || at < current) await this.ctx.storage.setAlarm(at)
    } catch (error) {
      // Storage is broken if this fails; the room retries its wake-up on its next write.
      this.#logger.error('setAlarm failed', { error: String(error), at })
    }
  }

  #connection(ws: WebSocket): Connection {
    let conn = this.#connections.get(ws)
    if (conn === undefined) {
      conn = createConnection(ws)
      this.#connections.set(ws, conn)
    }
    return conn
  }

  #disconnect(room: VaultRoom, ws: WebSocket): void {
    if (this.#gone.has(ws)) return
    this.#gone.add(ws)
    room.disconnect(this.#connection(ws))
  }

  /** Devices' last seen and sync state go to the registry in the background; losing one report is harmless. */
  #reportDevice(vaultId: string, event: DeviceEvent): void {
    const { deviceId, tokenId, role, connected, ackedSeq, headSeq, at } = event
    this.#background('device report', new Registry(this.env.DB).reportDevice({ vaultId, deviceId, credentialId: tokenId, role, connected, ackedSeq, headSeq, at }, this.#usage()))
  }

  /**
   * After binary uploads, commits and GC: the registry's figures follow in the background, at most once
   * per AMBER_USAGE_REPORT_MS however many commits a batch makes, always ending with the latest figure.
   */
  #usageReporter(vaultId: string): () => void {
    return coalesce(() => new Registry(this.env.DB).reportUsage(vaultId, this.#usage()), {
      intervalMs: blobConfigFromEnv(this.env).usageReportMs,
      onError: (error) => this.#logger.warn('usage report failed', { error: String(error) }),
    })
  }

  #usage(): VaultUsage {
    return { storedBytes: this.#room?.stats().storedBytes, binaryBytes: this.#blobIndex.binaryBytes() }
  }

  #background(what: string, work: Promise<void>): void {
    this.ctx.waitUntil(work.catch((error: unknown) => this.#logger.warn(`${what} failed`, { error: String(error) })))
  }

  #rememberVaultId(vaultId: string): void {
    const stored = this.#storedVaultId()
    if (stored === vaultId) return
    if (stored !== undefined) throw new Error(`VaultDO for ${stored} was asked to serve ${vaultId}`)
    this.ctx.storage.sql.exec("INSERT INTO amber_host (name, value) VALUES ('vaultId', ?)", vaultId)
  }

  #storedVaultId(): string | undefined {
    const rows = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM amber_host WHERE name = 'vaultId'").toArray()
    return rows[0]?.value
  }
}

function credentialTag(credentialId: string): string {
  // Tags are at most 256 characters; a foreign subject may be long, so it is cut (a revocation of a
  // foreign credential is by expiry anyway).
  return `cred:${credentialId}`.slice(0, 256)
}

function routeTag(route: ConnectRoute): string {
  switch (route.kind) {
    case 'vault':
      return 'route:vault'
    case 'y':
      return 'route:y'
    default:
      return assertNever(route)
  }
}
