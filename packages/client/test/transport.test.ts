// How the SDK dials in each runtime, without a server: tickets for browsers (the token never in a URL),
// the Authorization header for `ws`, fatal 401/403/404 answers, and the Workers socket adapter.

import { FATAL_CLOSE_CODE } from '@amber/protocol'
import { describe, expect, it } from 'vitest'
import type { SocketLike } from '../src/index.ts'
import { EventTargetSocket } from '../src/transport/EventTargetSocket.ts'
import { createConnector, httpBase } from '../src/transport/createConnector.ts'
import type { WebSocketConstructor } from '../src/transport/createConnector.ts'

class RecordingWebSocket {
  static made: Array<{ url: string; options: unknown }> = []
  static instances: RecordingWebSocket[] = []
  binaryType = 'blob'
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(
    readonly url: string,
    options?: unknown,
  ) {
    RecordingWebSocket.made.push({ url, options })
    RecordingWebSocket.instances.push(this)
  }
  send(): void {}
  close(): void {}
}

function fakeFetch(
  answers: Array<Response | Error>,
  seen: Array<{ url: string; init: RequestInit | undefined }>,
): typeof fetch {
  return async (input, init) => {
    seen.push({ url: String(input), init })
    const answer = answers.shift()
    if (!answer) throw new Error('unexpected fetch')
    if (answer instanceof Error) throw answer
    return answer
  }
}

describe('createConnector', () => {
  it('derives the endpoints from the server URL, keeping a path prefix', () => {
    expect(httpBase('wss://sync.example.com/amber/')).toBe('https://sync.example.com/amber')
    expect(httpBase('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787')
  })

  it('ticket mode: a fresh ticket before every connect, the token only in the Authorization header', async () => {
    RecordingWebSocket.made = []
    const seen: Array<{ url: string; init: RequestInit | undefined }> = []
    const ticket = (value: string) =>
      new Response(JSON.stringify({ ticket: value, expiresAt: 1 }), { status: 201 })
    const connect = createConnector({
      url: 'https://sync.example.com',
      vaultId: 'v1',
      credential: async () => 'amber_tok_secret',
      WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
      auth: 'ticket',
      fetch: fakeFetch([ticket('t1'), ticket('t/2')], seen),
    })
    await connect()
    await connect()
    expect(
      seen.map((s) => [s.url, s.init?.method, (s.init?.headers as Record<string, string>).Authorization]),
    ).toEqual([
      ['https://sync.example.com/api/v1/vaults/v1/tickets', 'POST', 'Bearer amber_tok_secret'],
      ['https://sync.example.com/api/v1/vaults/v1/tickets', 'POST', 'Bearer amber_tok_secret'],
    ])
    expect(RecordingWebSocket.made.map((m) => m.url)).toEqual([
      'wss://sync.example.com/api/v1/vaults/v1/sync?ticket=t1',
      'wss://sync.example.com/api/v1/vaults/v1/sync?ticket=t%2F2',
    ])
    expect(JSON.stringify(RecordingWebSocket.made)).not.toContain('secret')
  })

  it('ticket mode: 401/403/404 are fatal, a network failure or a 503 is not', async () => {
    for (const [status, code] of [
      [401, 'UNAUTHORIZED'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
    ] as const) {
      const connect = createConnector({
        url: 'https://s.example',
        vaultId: 'v1',
        credential: 'tok',
        WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
        auth: 'ticket',
        fetch: fakeFetch([new Response('{}', { status })], []),
      })
      await expect(connect()).rejects.toMatchObject({ code, fatal: true })
    }
    for (const answer of [new TypeError('fetch failed'), new Response('{}', { status: 503 })]) {
      const connect = createConnector({
        url: 'https://s.example',
        vaultId: 'v1',
        credential: 'tok',
        WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
        auth: 'ticket',
        fetch: fakeFetch([answer], []),
      })
      const error: unknown = await connect().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as { fatal?: boolean }).fatal).toBeUndefined()
    }
  })

  it('header mode (ws): Authorization on the upgrade; a refused upgrade becomes the fatal close', async () => {
    RecordingWebSocket.made = []
    const connect = createConnector({
      url: 'http://127.0.0.1:1',
      vaultId: 'v1',
      credential: 'tok',
      WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
    })
    const socket = await connect()
    expect(RecordingWebSocket.made).toEqual([
      {
        url: 'ws://127.0.0.1:1/api/v1/vaults/v1/sync',
        options: { headers: { Authorization: 'Bearer tok' } },
      },
    ])
    const closes: Array<{ code: number; reason: string }> = []
    socket.onclose = (event) => closes.push(event)
    // What `ws` does when the server refuses the upgrade: an error event, then close 1006.
    const raw = RecordingWebSocket.instances.at(-1)!
    raw.onerror?.({ message: 'Unexpected server response: 401' })
    raw.onclose?.({ code: 1006, reason: '' })
    expect(closes).toEqual([{ code: FATAL_CLOSE_CODE, reason: 'UNAUTHORIZED' }])
    // Any other failure stays retryable.
    const again = await connect()
    const retried: Array<{ code: number; reason: string }> = []
    again.onclose = (event) => retried.push(event)
    RecordingWebSocket.instances.at(-1)!.onerror?.({ message: 'connect ECONNREFUSED' })
    RecordingWebSocket.instances.at(-1)!.onclose?.({ code: 1006, reason: '' })
    expect(retried).toEqual([{ code: 1006, reason: '' }])
  })
})

describe('EventTargetSocket (Workers)', () => {
  it('fires open once a handler is set, and delivers Blob and ArrayBuffer frames in arrival order', async () => {
    const target = new EventTarget()
    const ws = {
      send: () => undefined,
      close: () => undefined,
      addEventListener: (type: string, listener: (event: never) => void) =>
        target.addEventListener(type, listener as unknown as EventListener),
    }
    const socket = new EventTargetSocket(ws, true)
    const got: string[] = []
    socket.onmessage = (event) => got.push(new TextDecoder().decode(event.data as Uint8Array | ArrayBuffer))
    const opened = new Promise<void>((resolve) => (socket.onopen = () => resolve()))
    await opened
    const message = (data: unknown) => Object.assign(new Event('message'), { data })
    target.dispatchEvent(message(new Blob([new TextEncoder().encode('one')])))
    target.dispatchEvent(message(new TextEncoder().encode('two').buffer))
    const closed = new Promise<number>((resolve) => (socket.onclose = (event) => resolve(event.code)))
    target.dispatchEvent(Object.assign(new Event('close'), { code: FATAL_CLOSE_CODE, reason: 'REVOKED' }))
    expect(await closed).toBe(FATAL_CLOSE_CODE)
    expect(got).toEqual(['one', 'two'])
  })
})
