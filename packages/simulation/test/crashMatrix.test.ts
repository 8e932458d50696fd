// Crash matrix: for every step between receiving an update and acking it (`UPDATE_STEPS`), the room
// crashes there once; it is reopened from the same storage, the client reconnects and resends, and the
// result holds every acknowledged edit exactly once. Iterating the exported list means a step added
// later without coverage fails here.

import { VaultClient } from '@amber/client'
import { MemoryStorageAdapter, UPDATE_STEPS, VaultRoom } from '@amber/core'
import type { UpdateStep } from '@amber/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { LoopbackSocket, settle } from '../src/index.ts'
import { restoreEnvironment, useSimulatedEnvironment } from './fakeClock.ts'

beforeEach(() => useSimulatedEnvironment())
afterEach(() => restoreEnvironment())

const fired = new Set<UpdateStep | 'inside-commit'>()

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (predicate()) return
    vi.advanceTimersByTime(1)
    await settle()
  }
  throw new Error(`timed out waiting for ${what}`)
}

class Crash extends Error {}

async function crashAt(step: UpdateStep | 'inside-commit'): Promise<void> {
  let armed = false
  const crash = (at: UpdateStep | 'inside-commit') => {
    if (!armed || at !== step) return
    armed = false
    fired.add(at)
    throw new Crash(`crash at ${at}`)
  }
  const hot = new MemoryStorageAdapter({ beforeCommit: () => crash('inside-commit') })
  const cold = new MemoryStorageAdapter()
  const open = () =>
    VaultRoom.open({
      vaultId: 'crash',
      hot,
      cold,
      scheduler: { wakeAt: () => undefined },
      faults: (at) => crash(at),
      logger: { warn: () => undefined, error: () => undefined },
    })
  let room: VaultRoom | undefined = await open()
  const sockets: LoopbackSocket[] = []
  const client = (deviceId: string) =>
    new VaultClient({
      deviceId,
      connect: () => {
        const socket = new LoopbackSocket({ room: () => room, autoFlush: true })
        sockets.push(socket)
        return socket
      },
      reconnect: { minDelayMs: 1, maxDelayMs: 4 },
      random: () => 0.5,
    })
  const a = client('a')
  const b = client('b')
  a.start()
  b.start()
  await until(() => a.status === 'synced' && b.status === 'synced', 'first sync')
  a.doc('note').getText('content').insert(0, 'before ')
  await until(() => a.status === 'synced' && a.unacked === 0, 'first edit acked')

  armed = true
  a.doc('note').getText('content').insert(7, 'crash ')
  await until(() => !armed, `the fault at ${step}`)
  // The Durable Object dies: memory is gone, storage stays, every socket drops.
  const crashed = room
  room = undefined
  crashed.dispose()
  for (const socket of sockets) socket.terminate(1012, 'crashed')
  room = await open()
  await until(() => a.status === 'synced' && a.unacked === 0 && b.status === 'synced', 'resend after the crash')
  a.doc('note').getText('content').insert(13, 'after')
  await until(() => a.unacked === 0 && b.doc('note').getText('content').toString() === 'before crash after', 'final sync')

  // Every acked edit exactly once (a doubled resend would read "crash crash").
  expect(a.doc('note').getText('content').toString()).toBe('before crash after')
  expect(b.doc('note').getText('content').toString()).toBe('before crash after')
  await room.whenIdle()
  a.stop()
  b.stop()
  room.dispose()

  // Replay is idempotent: reopening from storage twice yields the same state.
  const views: Array<{ sv: Uint8Array; text: string }> = []
  for (let i = 0; i < 2; i++) {
    room = await open()
    const c = client(`c${i}`)
    c.start()
    await until(() => c.status === 'synced', 'reader sync')
    views.push({ sv: Y.encodeStateVector(c.doc('note')), text: c.doc('note').getText('content').toString() })
    c.stop()
    room.dispose()
  }
  expect(views[0]!.text).toBe('before crash after')
  expect(views[1]!.text).toBe(views[0]!.text)
  expect(views[1]!.sv).toEqual(views[0]!.sv)
  expect(views[0]!.sv).toEqual(Y.encodeStateVector(a.doc('note')))
}

describe('crash matrix', () => {
  for (const step of UPDATE_STEPS) {
    it(`crash at "${step}": reopen, resend, every acked edit exactly once`, async () => {
      await crashAt(step)
    })
  }

  it('crash inside the storage commit (nothing written): reopen, resend, exactly once', async () => {
    await crashAt('inside-commit')
  })

  it('covers every step: each fault in UPDATE_STEPS actually fired', () => {
    // A step the room stopped calling would otherwise pass vacuously.
    expect(new Set(UPDATE_STEPS.filter((step) => fired.has(step)))).toEqual(new Set(UPDATE_STEPS))
    expect(fired.has('inside-commit')).toBe(true)
  })
})
