// Binary transfers through the local server (wrangler dev: workerd, local R2 and DO SQLite), driven by
// the SDK's Node calls: what 1-byte edits to a big file cost (bytes sent, R2 writes), and a mixed upload
// against a plain file copy of the same files (wall-time ratio, bytes on the wire, R2 writes per GB).
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { connectVault } from '@amber/client'
import { uploadFile, uploadFiles } from '@amber/client/node'
import { MemoryStore } from '@amber/client/store/memory'
import { seededBytes } from '@amber/blobs/test-support'
import { WranglerDev } from '@amber/worker/local-server'
import WebSocket from 'ws'
import { AMBER_BENCH_LIMITS } from '../targets/amber.ts'

const MiB = 1024 * 1024

export interface TransferSettings {
  /** Size of the file the 1-byte edits are made to (the 100 MB). */
  readonly editFileBytes: number
  /** Total size of the mixed upload (the 1 GB). */
  readonly mixedBytes: number
}

interface Usage {
  readonly r2Writes: number
  readonly packBytes: number
  readonly manifestBytes: number
}

/** A fetch that counts request and response body bytes: what crosses the wire besides headers. */
function countingFetch() {
  const counts = { requests: 0, sentBytes: 0, receivedBytes: 0 }
  const fetchCounted: typeof fetch = async (input, init) => {
    counts.requests++
    const body = init?.body
    if (body instanceof Uint8Array || body instanceof ArrayBuffer) counts.sentBytes += body.byteLength
    else if (typeof body === 'string') counts.sentBytes += Buffer.byteLength(body)
    else if (body instanceof Blob) counts.sentBytes += body.size
    else if (body != null) throw new Error('countingFetch: a streamed request body cannot be counted')
    const response = await fetch(input, init)
    const bytes = new Uint8Array(await response.arrayBuffer())
    counts.receivedBytes += bytes.length
    return new Response(response.status === 204 || response.status === 304 ? null : bytes, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
  return { counts, fetch: fetchCounted }
}

/** Mixed vault content: one video, some PDFs and recordings, many photos, many small files. */
function mixedFileSizes(total: number): number[] {
  const shares: Array<[share: number, size: number]> = [
    [0.4, Math.min(400 * MiB, total * 0.4)],
    [0.3, 20 * MiB],
    [0.2, 2 * MiB],
    [0.1, 64 * 1024],
  ]
  const sizes: number[] = []
  for (const [share, size] of shares) {
    const count = Math.max(1, Math.round((total * share) / size))
    for (let index = 0; index < count; index++) sizes.push(Math.max(1, Math.round(size * (0.75 + ((index * 37) % 50) / 100))))
  }
  return sizes
}

export async function measureBinaryTransfers(settings: TransferSettings, log: (line: string) => void) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'amber-bench-binaries-'))
  const server = await WranglerDev.start({ persistTo: path.join(work, 'server'), vars: AMBER_BENCH_LIMITS })
  try {
    const created = await server.createVault('bench binaries')
    const usage = () => server.api<Usage>('GET', `/api/v1/vaults/${created.vaultId}/usage`, created.token)
    const wire = countingFetch()
    const vault = await connectVault({ url: server.origin, vaultId: created.vaultId, credential: created.token, store: new MemoryStore(), WebSocket: WebSocket as never, fetch: wire.fetch })
    await vault.whenLoaded()

    // 1-byte edits to one big file: each measured alone, as the delta from the version before it.
    const bigPath = path.join(work, 'big.bin')
    let big = seededBytes(settings.editFileBytes, 0xb16)
    await writeFile(bigPath, big)
    log(`binaries: uploading a ${Math.round(settings.editFileBytes / MiB)} MiB file`)
    await uploadFile(vault, 'Media/big.bin', bigPath)
    const middle = Math.floor(big.length / 2)
    const edits: Record<string, (data: Uint8Array) => Uint8Array> = {
      overwrite1B: (data) => {
        const edited = data.slice()
        edited[middle] = edited[middle]! ^ 0xff
        return edited
      },
      insert1B: (data) => Buffer.concat([data.subarray(0, middle), Uint8Array.of(42), data.subarray(middle)]),
      append1B: (data) => Buffer.concat([data, Uint8Array.of(42)]),
    }
    const editResults: Record<string, { bytesSent: number; requests: number; r2Writes: number }> = {}
    for (const [name, edit] of Object.entries(edits)) {
      big = edit(big)
      await writeFile(bigPath, big)
      const before = { ...wire.counts, r2Writes: (await usage()).r2Writes }
      await uploadFile(vault, 'Media/big.bin', bigPath)
      editResults[name] = { bytesSent: wire.counts.sentBytes - before.sentBytes, requests: wire.counts.requests - before.requests, r2Writes: (await usage()).r2Writes - before.r2Writes }
    }

    // The mixed upload, against a plain copy of the same folder on the same disk.
    const source = path.join(work, 'mixed')
    await mkdir(source)
    const sizes = mixedFileSizes(settings.mixedBytes)
    const files = sizes.map((size, index) => ({ name: `f${String(index).padStart(4, '0')}.bin`, size }))
    for (const [index, file] of files.entries()) await writeFile(path.join(source, file.name), seededBytes(file.size, 0x1000 + index))
    const rawBytes = sizes.reduce((sum, size) => sum + size, 0)
    log(`binaries: ${files.length} files, ${Math.round(rawBytes / MiB)} MiB: plain copy, then upload`)
    let start = performance.now()
    await cp(source, path.join(work, 'copy'), { recursive: true })
    const copyMs = performance.now() - start
    await rm(path.join(work, 'copy'), { recursive: true })
    const before = { ...wire.counts, ...(await usage()) }
    start = performance.now()
    // One batch per folder-sized group, as a sync daemon would send a folder: small files share packs.
    const BATCH = 500
    for (let at = 0; at < files.length; at += BATCH) {
      await uploadFiles(vault, files.slice(at, at + BATCH).map((file) => ({ path: `Mixed/${file.name}`, srcPath: path.join(source, file.name) })))
    }
    const uploadMs = performance.now() - start
    const after = { ...wire.counts, ...(await usage()) }
    const sent = after.sentBytes - before.sentBytes
    const r2Writes = after.r2Writes - before.r2Writes
    await vault.close()
    return {
      server: 'wrangler dev (workerd, local R2 + DO SQLite) on 127.0.0.1; client in this process over fetch',
      edits: { fileBytes: settings.editFileBytes, ...editResults, floor: { bytesSent: 512 * 1024, r2Writes: 4 }, goal: { bytesSent: 160 * 1024, r2Writes: 3 } },
      mixedUpload: {
        files: files.length,
        rawBytes,
        bytesSent: sent,
        bytesReceived: after.receivedBytes - before.receivedBytes,
        wireToRaw: Number((sent / rawBytes).toFixed(4)),
        r2Writes,
        r2WritesPerGB: Math.round(r2Writes / (rawBytes / 1e9)),
        uploadMs: Math.round(uploadMs),
        plainCopyMs: Math.round(copyMs),
        uploadToCopyRatio: Number((uploadMs / copyMs).toFixed(1)),
        storedPackBytes: after.packBytes - before.packBytes,
        goal: { wireToRaw: 1.01, r2WritesPerGB: 1200 },
      },
    }
  } finally {
    await server.stop()
    await rm(work, { recursive: true, force: true })
  }
}
