// Edit propagation A → server → B on one note: single-character appends sent one at a time, the next
// only after B observed the previous, so each sample is a latency, not a share of a throughput.
import type { BenchTarget, RunningTarget } from '../BenchTarget.ts'
import type { BenchSettings } from '../BenchSettings.ts'
import { figure, notApplicable, type Figure, type NotApplicable } from '../figures.ts'
import { mean, percentile } from '../stats.ts'
import { withTimeout } from '../withTimeout.ts'

export interface EditPropagationResult {
  readonly edits: number
  readonly warmupEdits: number
  readonly latencyP50: Figure
  readonly latencyP99: Figure
  readonly latencyMean: Figure
  readonly latencyMax: Figure
  readonly durableAckP50: Figure | NotApplicable
  readonly durableAckP99: Figure | NotApplicable
  readonly durableAckMean: Figure | NotApplicable
}

const METHOD =
  'performance.now() in the bench process: before A inserts one character at the end of Y.Text "content" → when B\'s doc emits the update that arrived from the server; both clients in the bench process, server in its own process on 127.0.0.1; next edit sent only after B observed the previous; warm-up edits excluded'

export async function measureEditPropagation(
  target: BenchTarget,
  server: RunningTarget,
  settings: BenchSettings,
): Promise<EditPropagationResult> {
  const noteId = `edit-propagation-${Date.now()}`
  const a = await target.openNote(server.url, noteId)
  const b = await target.openNote(server.url, noteId)
  const text = a.doc.getText('content')
  let observed: (() => void) | undefined
  const unsubscribe = b.onRemoteUpdate(() => observed?.())
  const latencies: number[] = []
  const durableLatencies: number[] = []
  try {
    const total = settings.warmupEdits + settings.edits
    for (let i = 0; i < total; i++) {
      const seen = new Promise<void>((resolve) => (observed = resolve))
      const t0 = performance.now()
      text.insert(text.length, String.fromCharCode(97 + (i % 26)))
      const durable = a.whenDurable?.().then(() => performance.now() - t0)
      await withTimeout(seen, settings.waitTimeoutMs, `${target.name}: B observing edit ${i}`)
      const latency = performance.now() - t0
      const durableLatency = durable
        ? await withTimeout(durable, settings.waitTimeoutMs, `${target.name}: durable ack of edit ${i}`)
        : undefined
      if (i < settings.warmupEdits) continue
      latencies.push(latency)
      if (durableLatency !== undefined) durableLatencies.push(durableLatency)
    }
    if (b.doc.getText('content').toString() !== text.toString())
      throw new Error(`${target.name}: B diverged from A`)
  } finally {
    unsubscribe()
    await a.close()
    await b.close()
  }

  const noAck = notApplicable(
    `${target.name} has no durable acknowledgement (y-websocket has no ack; Hocuspocus acks in-memory application only and stores on a debounce)`,
  )
  const ackMethod =
    "performance.now(): before A's local insert → A's whenDurable() resolves (the server reports the edit durably stored)"
  const hasAck = durableLatencies.length > 0
  return {
    edits: settings.edits,
    warmupEdits: settings.warmupEdits,
    latencyP50: figure(
      percentile(latencies, 50),
      'ms',
      `p50 (nearest rank) of ${latencies.length} samples; ${METHOD}`,
    ),
    latencyP99: figure(
      percentile(latencies, 99),
      'ms',
      `p99 (nearest rank) of ${latencies.length} samples; ${METHOD}`,
    ),
    latencyMean: figure(mean(latencies), 'ms', `mean of ${latencies.length} samples; ${METHOD}`),
    latencyMax: figure(Math.max(...latencies), 'ms', `max of ${latencies.length} samples; ${METHOD}`),
    durableAckP50: hasAck ? figure(percentile(durableLatencies, 50), 'ms', `p50; ${ackMethod}`) : noAck,
    durableAckP99: hasAck ? figure(percentile(durableLatencies, 99), 'ms', `p99; ${ackMethod}`) : noAck,
    durableAckMean: hasAck ? figure(mean(durableLatencies), 'ms', `mean; ${ackMethod}`) : noAck,
  }
}
