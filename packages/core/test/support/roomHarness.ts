// A VaultRoom over in-memory storage with a fake clock and fake sockets that record every frame.

import { DocChannel, MessageType, PROTOCOL_VERSIONS, SyncStep, VaultRole, decodeMessage, decodeYFrame, encodeMessage } from '@amber/protocol'
import type { DeviceId, DocHave, DocId, Message, MessageOf, VaultCursor, YFrame } from '@amber/protocol'
import { afterEach } from 'vitest'
import { MemoryStorageAdapter } from '../../src/storage/MemoryStorageAdapter.ts'
import type { RoomConfig } from '../../src/room/RoomConfig.ts'
import type { Connection, DeviceEvent, SessionAccess, SessionState } from '../../src/room/hostTypes.ts'
import { VaultRoom, createSessionId } from '../../src/room/VaultRoom.ts'

export const OWNER: SessionAccess = { role: VaultRole.Owner, tokenId: 'token-owner' }
export const EDITOR: SessionAccess = { role: VaultRole.Editor, tokenId: 'token-editor' }
export const VIEWER: SessionAccess = { role: VaultRole.Viewer, tokenId: 'token-viewer' }

export class FakeConnection implements Connection {
  readonly frames: Uint8Array[] = []
  closed: { code: number; reason: string } | undefined
  state: SessionState | undefined

  constructor(
    readonly name: string,
    private readonly timeline?: string[],
  ) {}

  send(frame: Uint8Array): void {
    if (this.closed) return
    this.frames.push(frame.slice())
    this.timeline?.push(`${this.name} <- ${describe(frame)}`)
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason }
  }

  saveState(state: SessionState): void {
    this.state = state
  }

  /** Every frame received, decoded as vault-protocol messages. */
  messages(): Message[] {
    return this.frames.map((frame) => decodeMessage(frame))
  }

  yFrames(): YFrame[] {
    return this.frames.map((frame) => decodeYFrame(frame))
  }

  ofType<T extends Message['type']>(type: T): Array<MessageOf<T>> {
    return this.messages().filter((message): message is MessageOf<T> => message.type === type)
  }

  clear(): void {
    this.frames.length = 0
  }
}

function describe(frame: Uint8Array): string {
  try {
    const message = decodeMessage(frame)
    return message.type === MessageType.Doc ? `Doc(${message.docId})` : `type ${message.type}`
  } catch {
    // Not a vault frame: y-websocket sockets get y frames.
    return 'y frame'
  }
}

export interface RoomHarness {
  readonly room: VaultRoom
  readonly hot: MemoryStorageAdapter
  readonly cold: MemoryStorageAdapter
  readonly clock: { now: number }
  readonly wakes: number[]
  readonly logs: string[]
  readonly devices: DeviceEvent[]
}

export async function openRoom(
  options: {
    config?: Partial<RoomConfig>
    hot?: MemoryStorageAdapter
    cold?: MemoryStorageAdapter
    clock?: { now: number }
    onDevice?: (event: DeviceEvent) => void
  } = {},
): Promise<RoomHarness> {
  const hot = options.hot ?? new MemoryStorageAdapter()
  const cold = options.cold ?? new MemoryStorageAdapter()
  const clock = options.clock ?? { now: 1_700_000_000_000 }
  const wakes: number[] = []
  const logs: string[] = []
  const devices: DeviceEvent[] = []
  const room = await VaultRoom.open({
    vaultId: 'vault',
    hot,
    cold,
    scheduler: { wakeAt: (at) => wakes.push(at) },
    config: options.config,
    now: () => clock.now,
    logger: { warn: (message) => logs.push(`warn: ${message}`), error: (message) => logs.push(`error: ${message}`) },
    onDevice: options.onDevice ?? ((event) => devices.push(event)),
  })
  return { room, hot, cold, clock, wakes, logs, devices }
}

/** A room opener for one test file: every room it opened is disposed after each test. */
export function roomsDisposedAfterEach(): (options?: Parameters<typeof openRoom>[0]) => Promise<RoomHarness> {
  const rooms: VaultRoom[] = []
  afterEach(() => {
    for (const room of rooms.splice(0)) room.dispose()
  })
  return async (options = {}) => {
    const harness = await openRoom(options)
    rooms.push(harness.room)
    return harness
  }
}

export const NO_CURSOR: VaultCursor = { epoch: '', seq: 0 }

export function helloFrame(
  options: { cursor?: VaultCursor; subscribeAll?: boolean; docs?: DocHave[]; versions?: number[]; deviceId?: string } = {},
): Uint8Array {
  return encodeMessage({
    type: MessageType.Hello,
    versions: options.versions ?? [...PROTOCOL_VERSIONS],
    deviceId: (options.deviceId ?? 'device') as DeviceId,
    cursor: options.cursor ?? NO_CURSOR,
    subscribeAll: options.subscribeAll ?? true,
    docs: options.docs ?? [],
  })
}

export function updateFrame(docId: string, update: Uint8Array, clientSeq: number): Uint8Array {
  return encodeMessage({
    type: MessageType.Doc,
    docId: docId as DocId,
    body: { channel: DocChannel.Sync, clientSeq, sync: { step: SyncStep.Update, update } },
  })
}

/** Connects a socket (as an editor unless told otherwise) with a fresh session id. */
export function connect(
  harness: RoomHarness,
  conn: FakeConnection,
  route: Parameters<VaultRoom['connect']>[1] = { kind: 'vault' },
  access: SessionAccess = EDITOR,
): FakeConnection {
  harness.room.connect(conn, route, createSessionId(), access)
  return conn
}

/** Connects a vault session and completes its Hello; returns the socket (its handshake frames kept). */
export async function joinVault(
  harness: RoomHarness,
  name: string,
  options: Parameters<typeof helloFrame>[0] & { access?: SessionAccess } = {},
  timeline?: string[],
): Promise<FakeConnection> {
  const conn = new FakeConnection(name, timeline)
  connect(harness, conn, { kind: 'vault' }, options.access)
  await harness.room.receive(conn, helloFrame(options))
  await harness.room.whenIdle()
  return conn
}
