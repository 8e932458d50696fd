// Seeded simulation of one vault: a VaultRoom over in-memory storage and several VaultClients over
// LoopbackSockets. One lib0 prng picks every edit, delivery, drop, duplicate, partition, alarm and room
// restart, so a failing seed replays. Timers (commit batches, reconnect backoff) run on a clock the
// caller advances (vitest fake timers), never on the wall clock.

import { VaultClient } from '@amber/client'
import {
  EntryKind,
  MemoryStorageAdapter,
  UpdateLog,
  VaultRoom,
  createEntry,
  deleteEntry,
  isTreeError,
  listEntries,
  loadDocFromCold,
  renameEntry,
} from '@amber/core'
import type { FileId, RoomConfig } from '@amber/core'
import { DocChannel, MessageType, SyncStep, TREE_DOC_ID, decodeMessage } from '@amber/protocol'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { LoopbackSocket } from './LoopbackSocket.ts'
import type { LoopbackOptions } from './LoopbackSocket.ts'

export interface SimulationOptions {
  readonly seed: number
  readonly clients?: number
  readonly notes?: number
  readonly steps?: number
  /** Runs due timers of the fake clock (`vi.advanceTimersByTime`): group commits and reconnect backoff. */
  readonly advanceTimers: (ms: number) => void
  /** Debugging: called with a line per frame delivered and per fault. */
  readonly trace?: (line: string) => void
}

/** What a run exercised; the test asserts these are non-zero across all seeds. */
export interface SimulationCounters {
  steps: number
  textEdits: number
  deleteOnlyEdits: number
  treeOps: number
  deliveredToServer: number
  duplicates: number
  drops: number
  partitions: number
  restarts: number
  alarms: number
  flushes: number
  compactions: number
  unloads: number
  acks: number
  missingDependencies: number
  treeConflicts: number
  folderRenames: number
}

export function createCounters(): SimulationCounters {
  return {
    steps: 0,
    textEdits: 0,
    deleteOnlyEdits: 0,
    treeOps: 0,
    deliveredToServer: 0,
    duplicates: 0,
    drops: 0,
    partitions: 0,
    restarts: 0,
    alarms: 0,
    flushes: 0,
    compactions: 0,
    unloads: 0,
    acks: 0,
    missingDependencies: 0,
    treeConflicts: 0,
    folderRenames: 0,
  }
}

interface SentUpdate {
  readonly docId: string
  readonly update: Uint8Array
}

interface Token {
  readonly docId: string
  readonly client: number
  readonly clock: number
  readonly text: string
}

interface SimClient {
  readonly index: number
  readonly client: VaultClient
  socket: SimSocket | undefined
  partitionedUntil: number
  /** Every update this device sent, by clientSeq (resends reuse the seq and the bytes). */
  readonly sent: Map<number, SentUpdate>
  /** Updates the server acknowledged as durable. */
  readonly acked: SentUpdate[]
  readonly tokens: Token[]
}

/** A LoopbackSocket that lets the harness see what the client sends and which acks it receives. */
class SimSocket extends LoopbackSocket {
  constructor(
    options: LoopbackOptions,
    private readonly owner: SimClient,
    private readonly counters: SimulationCounters,
    private readonly trace?: (line: string) => void,
  ) {
    super(options)
  }

  override async deliverToServer(duplicate = false): Promise<boolean> {
    const frame = this.toServer[0]
    if (frame && this.trace && !this.closed) this.trace(`c${this.owner.index} -> ${describeFrame(frame)}${duplicate ? ' (x2)' : ''}`)
    return super.deliverToServer(duplicate)
  }

  override send(data: Uint8Array): void {
    if (data[0] === MessageType.Doc) {
      const message = decodeMessage(data)
      if (message.type === MessageType.Doc && message.body.channel === DocChannel.Sync && message.body.clientSeq > 0) {
        const { sync } = message.body
        if (sync.step !== SyncStep.Step1) this.owner.sent.set(message.body.clientSeq, { docId: message.docId, update: sync.update })
      }
    }
    super.send(data)
  }

  override deliverToClient(): boolean {
    const frame = this.toClient[0]
    if (frame && this.trace && !this.closed) this.trace(`c${this.owner.index} <- ${describeFrame(frame)}`)
    if (frame && !this.closed && (frame[0] === MessageType.Ack || frame[0] === MessageType.Error)) {
      const message = decodeMessage(frame)
      if (message.type === MessageType.Ack) {
        for (const range of message.ranges) {
          for (let seq = range.first; seq <= range.last; seq++) {
            const sent = this.owner.sent.get(seq)
            if (!sent) throw new Error(`client ${this.owner.index} got an ack for clientSeq ${seq} it never sent`)
            this.owner.acked.push(sent)
            this.counters.acks++
          }
        }
      } else if (message.type === MessageType.Error) {
        if (message.code === 'MISSING_DEPENDENCIES') this.counters.missingDependencies++
        // A duplicated Hello is answered with MALFORMED_FRAME (clientSeq 0); nothing else may be rejected.
        else if (!(message.code === 'MALFORMED_FRAME' && message.clientSeq === 0)) {
          throw new Error(`client ${this.owner.index} got error ${message.code}: ${message.message}`)
        }
      }
    }
    return super.deliverToClient()
  }
}

function describeFrame(frame: Uint8Array): string {
  const m = decodeMessage(frame)
  switch (m.type) {
    case MessageType.Doc:
      return m.body.channel === DocChannel.Sync
        ? `Doc ${m.docId} seq=${m.body.clientSeq} step=${m.body.sync.step} ${m.body.sync.step === SyncStep.Step1 ? JSON.stringify([...Y.decodeStateVector(m.body.sync.stateVector)]) : JSON.stringify(Y.decodeUpdate(m.body.sync.update).structs.map((s) => [s.id.client, s.id.clock, s.length]))}`
        : `Awareness ${m.docId}`
    case MessageType.Hello:
      return `Hello cursor=${m.cursor.seq} docs=${m.docs.map((d) => d.docId).join(',')}`
    case MessageType.CatchUp:
      return `CatchUp ${m.fromSeq}..${m.toSeq} ${m.entries.map((e) => `${e.docId}:${e.kind}`).join(',')}`
    case MessageType.CatchUpDoc:
      return `CatchUpDoc ${m.docId} ${JSON.stringify(Y.decodeUpdate(m.update).structs.map((s) => [s.id.client, s.id.clock, s.length]))}`
    case MessageType.CatchUpEnd:
      return `CatchUpEnd ${m.cursor.seq}`
    case MessageType.Ack:
      return `Ack ${m.cursor.seq} ${JSON.stringify(m.ranges)}`
    case MessageType.Error:
      return `Error ${m.code} ${m.docId} ${m.clientSeq}`
    default:
      return `type ${m.type}`
  }
}

const FOLDERS = ['A', 'B', 'A/C', 'D']
const NAMES = ['x.md', 'y.md', 'z.md']
const LETTERS = 'abcdefghij '

/** Settles promise chains and crypto.subtle jobs (a real macrotask turn; only setTimeout is faked). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export class Simulation {
  readonly counters = createCounters()
  readonly hot = new MemoryStorageAdapter()
  readonly cold = new MemoryStorageAdapter()
  readonly clients: SimClient[] = []
  readonly noteIds: string[] = []
  readonly roomErrors: string[] = []
  room: VaultRoom | undefined
  now = 1_000_000
  private readonly gen: prng.PRNG
  private readonly config: Partial<RoomConfig>
  private wakeAt: number | undefined
  private step = 0
  private idCounter = 0
  /** Frame handling and alarms of the current room still in progress. */
  private pending = new Set<Promise<unknown>>()
  /** Maintenance runs of the current room (they never wait for a timer, so they can be awaited). */
  private alarms = new Set<Promise<unknown>>()

  constructor(private readonly options: SimulationOptions) {
    this.gen = prng.create(options.seed)
    this.config = {
      batchWindowMs: prng.int32(this.gen, 0, 25),
      flushEntries: 5,
      flushBytes: 2048,
      flushAfterMs: 200,
      compactSegments: 2,
      unloadIdleMs: prng.int32(this.gen, 0, 50),
    }
    for (let n = 0; n < (options.notes ?? 20); n++) this.noteIds.push(`note-${n}`)
    for (let i = 0; i < (options.clients ?? 5); i++) this.addClient(i)
  }

  private addClient(index: number): void {
    const gen = prng.create(this.options.seed * 31 + index)
    const client = new VaultClient({
      deviceId: `device-${index}`,
      connect: () => this.connect(sim),
      reconnect: { minDelayMs: 1, maxDelayMs: 16 },
      random: () => prng.real53(gen),
    })
    const sim: SimClient = { index, client, socket: undefined, partitionedUntil: 0, sent: new Map(), acked: [], tokens: [] }
    // Fixed client ids make a seed replay the same merges (Yjs breaks ties by client id).
    for (const docId of [TREE_DOC_ID, ...this.noteIds]) client.doc(docId).clientID = 1000 + index
    this.clients.push(sim)
  }

  private connect(sim: SimClient): SimSocket {
    const socket = new SimSocket(
      { room: () => (sim.partitionedUntil > this.step ? undefined : this.room) },
      sim,
      this.counters,
      this.options.trace,
    )
    sim.socket = socket
    return socket
  }

  private openRoom(): Promise<VaultRoom> {
    return VaultRoom.open({
      vaultId: 'sim',
      hot: this.hot,
      cold: this.cold,
      config: this.config,
      now: () => this.now,
      scheduler: { wakeAt: (at) => void (this.wakeAt = Math.min(this.wakeAt ?? at, at)) },
      logger: {
        warn: () => undefined,
        error: (message, fields) => void this.roomErrors.push(`${message} ${JSON.stringify(fields ?? {})}`),
      },
    })
  }

  private track(promise: Promise<unknown>): void {
    const set = this.pending
    set.add(promise)
    void promise.finally(() => set.delete(promise))
  }

  // ---- the run --------------------------------------------------------------------------------------

  async run(): Promise<void> {
    this.room = await this.openRoom()
    for (const sim of this.clients) sim.client.start()
    const steps = this.options.steps ?? 400
    for (this.step = 0; this.step < steps; this.step++) {
      await this.randomStep()
      this.counters.steps++
    }
    await this.healAndQuiesce()
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[prng.int32(this.gen, 0, items.length - 1)]
  }

  private async randomStep(): Promise<void> {
    const roll = prng.int32(this.gen, 0, 999)
    if (roll < 200) this.editText()
    else if (roll < 280) this.editTree()
    else if (roll < 530) this.deliverToServer(true)
    else if (roll < 780) this.deliverToClient()
    else if (roll < 880) this.tick(prng.int32(this.gen, 1, 6))
    else if (roll < 930) this.alarm(false)
    else if (roll < 960) this.drop()
    else if (roll < 975) this.partition()
    else if (roll < 983) await this.restart()
    await settle()
  }

  private tick(ms: number): void {
    this.now += ms
    this.options.advanceTimers(ms)
  }

  private editText(): void {
    const sim = this.pick(this.clients)!
    const docId = this.pick(this.noteIds)!
    const doc = sim.client.doc(docId)
    const text = doc.getText('content')
    const length = text.length
    if (length > 0 && prng.bool(this.gen) && prng.int32(this.gen, 0, 2) > 0) {
      // Delete-only edit: no new structs, so the state vector does not move.
      const index = prng.int32(this.gen, 0, length - 1)
      text.delete(index, Math.min(length - index, prng.int32(this.gen, 1, 12)))
      this.counters.deleteOnlyEdits++
    } else {
      const token = `<${sim.index}.${sim.tokens.length}>`
      const filler = Array.from({ length: prng.int32(this.gen, 0, 8) }, () => LETTERS[prng.int32(this.gen, 0, LETTERS.length - 1)]).join('')
      const insert = token + filler
      const clock = Y.getState(doc.store, doc.clientID)
      const at = prng.int32(this.gen, 0, length)
      doc.transact(() => {
        text.insert(at, insert)
        // Sometimes the same transaction also deletes elsewhere (a replace).
        if (length > 0 && prng.int32(this.gen, 0, 4) === 0) {
          const index = prng.int32(this.gen, 0, length - 1)
          text.delete(index >= at ? index + insert.length : index, 1)
        }
      })
      sim.tokens.push({ docId, client: doc.clientID, clock, text: insert })
    }
    this.counters.textEdits++
  }

  private editTree(): void {
    const sim = this.pick(this.clients)!
    const tree = sim.client.doc(TREE_DOC_ID)
    const live = listEntries(tree)
    const createId = () => `t${sim.index}-${this.idCounter++}` as FileId
    const randomPath = () => {
      const folder = prng.int32(this.gen, 0, FOLDERS.length)
      const name = this.pick(NAMES)!
      return folder === FOLDERS.length ? name : `${FOLDERS[folder]}/${name}`
    }
    try {
      const op = prng.int32(this.gen, 0, 9)
      if (op < 4 || live.length === 0) {
        const folder = prng.int32(this.gen, 0, 3) === 0
        createEntry(tree, {
          path: folder ? this.pick(FOLDERS)! : randomPath(),
          kind: folder ? EntryKind.Folder : EntryKind.Text,
          now: this.now,
          createId,
        })
      } else if (op < 7) {
        const entry = this.pick(live)!
        const target = entry.kind === EntryKind.Folder ? this.pick(['E', 'B/F', ...FOLDERS])! : randomPath()
        renameEntry(tree, entry.id, target, this.now, { createId })
        if (entry.kind === EntryKind.Folder) this.counters.folderRenames++
      } else {
        deleteEntry(tree, this.pick(live)!.id, this.now)
      }
      this.counters.treeOps++
    } catch (error) {
      if (!isTreeError(error)) throw error
      // PATH_TAKEN, INVALID_MOVE…: the local replica refused the op, as an app would; nothing was written.
    }
  }

  private openSockets(): SimSocket[] {
    const sockets: SimSocket[] = []
    for (const sim of this.clients) if (sim.socket && !sim.socket.closed) sockets.push(sim.socket)
    return sockets
  }

  private deliverToServer(mayDuplicate: boolean): boolean {
    const socket = this.pick(this.openSockets().filter((s) => s.toServer.length > 0))
    if (!socket) return false
    const duplicate = mayDuplicate && prng.int32(this.gen, 0, 19) === 0
    if (duplicate) this.counters.duplicates++
    this.counters.deliveredToServer++
    // Not awaited: a catch-up waits for the group commit, whose timer only runs when the sim ticks.
    this.track(socket.deliverToServer(duplicate))
    return true
  }

  private deliverToClient(): boolean {
    const socket = this.pick(this.openSockets().filter((s) => s.toClient.length > 0))
    if (!socket) return false
    socket.deliverToClient()
    return true
  }

  private alarm(force: boolean): void {
    if (!this.room || this.room.isBroken) return
    const due = this.wakeAt !== undefined && this.wakeAt <= this.now
    if (!due && !force && prng.int32(this.gen, 0, 3) > 0) return
    this.wakeAt = undefined
    this.counters.alarms++
    const run = this.room.alarm()
    this.track(run)
    this.alarms.add(run)
    void run.finally(() => this.alarms.delete(run))
  }

  private drop(): void {
    const socket = this.pick(this.openSockets())
    if (!socket) return
    this.counters.drops++
    this.options.trace?.(`drop ${this.clients.find((c) => c.socket === socket)?.index}`)
    socket.terminate(1006, 'dropped')
  }

  private partition(): void {
    const sim = this.pick(this.clients.filter((c) => c.partitionedUntil <= this.step))
    if (!sim) return
    this.counters.partitions++
    sim.partitionedUntil = this.step + prng.int32(this.gen, 20, 150)
    sim.socket?.terminate(1006, 'partitioned')
  }

  /** The Durable Object restarts: the in-memory room is gone, storage survives, every socket drops. */
  async restart(): Promise<void> {
    const old = this.room
    if (!old) return
    this.room = undefined
    // One instance at a time: a maintenance run that already started completes before the "crash"
    // (storage calls are atomic); frame handling still waiting for a group commit is lost with the room.
    await this.drainAlarms()
    this.accumulateStats(old)
    old.dispose()
    this.pending = new Set()
    for (const sim of this.clients) sim.socket?.terminate(1012, 'room restarted')
    this.counters.restarts++
    this.options.trace?.(`restart at step ${this.step}`)
    await this.checkAckedDurable(`restart ${this.counters.restarts} at step ${this.step}`)
    this.room = await this.openRoom()
  }

  private async drainAlarms(): Promise<void> {
    // Alarms never wait for timers; frame handling may, so only alarms are awaited here.
    await Promise.allSettled([...this.alarms])
  }

  private accumulateStats(room: VaultRoom): void {
    const stats = room.stats()
    this.counters.flushes += stats.flushes
    this.counters.compactions += stats.compactions
  }

  // ---- the end --------------------------------------------------------------------------------------

  private isQuiet(): boolean {
    if (!this.room || this.pending.size > 0) return false
    for (const sim of this.clients) {
      const socket = sim.socket
      if (!socket || socket.closed || socket.toServer.length > 0 || socket.toClient.length > 0) return false
      if (sim.client.status !== 'synced' || sim.client.unacked > 0) return false
    }
    return true
  }

  async healAndQuiesce(): Promise<void> {
    for (const sim of this.clients) sim.partitionedUntil = 0
    for (let round = 0; round < 5000; round++) {
      if (this.isQuiet()) {
        // Quiet twice, with a tick in between: nothing is waiting on a timer either.
        this.tick(20)
        await settle()
        if (this.isQuiet()) return
      }
      let moved = false
      for (let i = 0; i < 8; i++) {
        moved = (prng.bool(this.gen) ? this.deliverToServer(false) || this.deliverToClient() : this.deliverToClient() || this.deliverToServer(false)) || moved
      }
      if (!moved) this.tick(prng.int32(this.gen, 1, 8))
      if (prng.int32(this.gen, 0, 9) === 0) this.alarm(false)
      await settle()
    }
    const states = this.clients.map((s) => `${s.index}:${s.client.status}/${s.client.unacked}/${s.socket?.closed}`).join(' ')
    throw new Error(`did not quiesce: pending=${this.pending.size} clients ${states}`)
  }

  /** Every update acked so far can be read back from storage alone. */
  async checkAckedDurable(when: string): Promise<void> {
    const docs = await this.loadFromStorage(this.ackedDocIds())
    for (const sim of this.clients) {
      for (const { docId, update } of sim.acked) {
        const doc = docs.get(docId)!
        if (!Y.snapshotContainsUpdate(Y.snapshot(doc), update)) {
          throw new Error(`an update of client ${sim.index} to ${docId} was acked but is not in storage (${when})`)
        }
      }
    }
    for (const doc of docs.values()) doc.destroy()
  }

  private ackedDocIds(): string[] {
    const ids = new Set<string>()
    for (const sim of this.clients) for (const { docId } of sim.acked) ids.add(docId)
    return [...ids]
  }

  /** A fresh update log over the room's storage, as a restarted room would open it. */
  private openLog(): Promise<UpdateLog> {
    return UpdateLog.open({
      hot: this.hot,
      cold: this.cold,
      batchWindowMs: 0,
      now: () => this.now,
      onCommitFailure: (error) => {
        throw error
      },
    })
  }

  /** Reads documents from hot + cold storage through a fresh log, as a restarted room would. */
  async loadFromStorage(docIds: readonly string[]): Promise<Map<string, Y.Doc>> {
    const log = await this.openLog()
    const docs = new Map<string, Y.Doc>()
    for (const docId of docIds) {
      const doc = new Y.Doc()
      await log.loadInto(docId, doc)
      docs.set(docId, doc)
    }
    log.dispose()
    return docs
  }

  /** Moves every hot row to cold storage (the room must be disposed first), then rebuilds from cold alone. */
  async loadFromColdAfterFlush(docIds: readonly string[]): Promise<Map<string, Y.Doc>> {
    const log = await this.openLog()
    for (const docId of log.docIds()) await log.flush(docId)
    log.dispose()
    const docs = new Map<string, Y.Doc>()
    for (const docId of docIds) docs.set(docId, await loadDocFromCold(this.cold, docId))
    return docs
  }

  /** A brand-new client against a freshly opened room: what a new device would download. */
  async freshClientView(): Promise<VaultClient> {
    if (this.room) {
      await this.drainAlarms()
      await this.room.whenIdle()
      this.accumulateStats(this.room)
      this.room.dispose()
    }
    this.room = await this.openRoom()
    const room = this.room
    const client = new VaultClient({
      deviceId: 'fresh',
      connect: () => new LoopbackSocket({ room: () => room, autoFlush: true }),
      reconnect: { minDelayMs: 1, maxDelayMs: 4 },
    })
    client.start()
    for (let i = 0; i < 1000 && client.status !== 'synced'; i++) {
      this.tick(1)
      await settle()
    }
    if (client.status !== 'synced') throw new Error(`fresh client did not sync: ${client.status} ${this.roomErrors.join('; ')}`)
    return client
  }

  allDocIds(): string[] {
    const ids = new Set<string>()
    for (const sim of this.clients) for (const id of sim.client.docs.keys()) ids.add(id)
    return [...ids].sort()
  }

  dispose(): void {
    for (const sim of this.clients) sim.client.stop()
    this.room?.dispose()
  }
}

// ---- convergence checks (pure, shared by the tests) -------------------------------------------------

/** What a replica of a document shows: the note text, or the live tree listing. */
export function visibleContent(docId: string, doc: Y.Doc): string {
  if (docId === TREE_DOC_ID) return listEntries(doc).map((e) => `${e.path}|${e.kind}|${e.id}`).join('\n')
  return doc.getText('content').toString()
}

/**
 * Why not compare `encodeStateAsUpdateV2` bytes: two replicas with the same content may hold it as
 * differently split or merged structs, and a GC'd replica stores deleted runs as GC structs that a
 * replica which received a compacted snapshot stores merged. The meaningful equalities are the state
 * vector (same inserts), the delete set (same deletions; a delete-only edit leaves the state vector
 * alone) and the visible content.
 */
export function describeDifference(docId: string, a: Y.Doc, b: Y.Doc): string | undefined {
  const svA = Y.encodeStateVector(a)
  const svB = Y.encodeStateVector(b)
  if (svA.length !== svB.length || svA.some((byte, i) => byte !== svB[i])) {
    return `${docId}: state vectors differ ${JSON.stringify([...Y.decodeStateVector(svA)])} vs ${JSON.stringify([...Y.decodeStateVector(svB)])}`
  }
  if (!Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b))) return `${docId}: delete sets differ`
  const ca = visibleContent(docId, a)
  const cb = visibleContent(docId, b)
  if (ca !== cb) return `${docId}: content differs:\n${ca}\n---\n${cb}`
  return undefined
}

/** An acked insert that no later op deleted must be in the final document, character for character. */
export function missingTokens(tokens: readonly Token[], acked: readonly SentUpdate[], docs: ReadonlyMap<string, Y.Doc>): string[] {
  const ackedRanges = new Map<string, Array<[number, number, number]>>()
  for (const { docId, update } of acked) {
    let ranges = ackedRanges.get(docId)
    if (!ranges) ackedRanges.set(docId, (ranges = []))
    for (const struct of Y.decodeUpdate(update).structs) ranges.push([struct.id.client, struct.id.clock, struct.id.clock + struct.length])
  }
  const problems: string[] = []
  const deleteSets = new Map<string, Y.Snapshot['ds']>()
  for (const token of tokens) {
    const ranges = ackedRanges.get(token.docId) ?? []
    const isAcked = ranges.some(([client, from, to]) => client === token.client && from <= token.clock && token.clock < to)
    if (!isAcked) continue
    const doc = docs.get(token.docId)!
    let ds = deleteSets.get(token.docId)
    if (!ds) deleteSets.set(token.docId, (ds = Y.snapshot(doc).ds))
    let deleted = false
    for (let i = 0; i < token.text.length; i++) if (Y.isDeleted(ds, Y.createID(token.client, token.clock + i))) deleted = true
    if (deleted) continue
    for (let i = 0; i < token.text.length; i++) {
      const clock = token.clock + i
      const state = Y.getState(doc.store, token.client)
      const item = clock < state ? Y.getItem(doc.store, Y.createID(token.client, clock)) : undefined
      const char = item instanceof Y.Item && item.content instanceof Y.ContentString ? item.content.str[clock - item.id.clock] : undefined
      if (char !== token.text[i]) {
        problems.push(`${token.docId}: acked insert ${JSON.stringify(token.text)} missing at char ${i}`)
        break
      }
    }
  }
  return problems
}

export type { SentUpdate, Token }
