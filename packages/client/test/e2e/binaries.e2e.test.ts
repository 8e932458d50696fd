// Binary files against the real server: only changed chunks travel (counted in the packs a counting fetch
// sees), a batch of small files shares packs, reads come back verified, and two devices writing one binary while one is partitioned converge
// on the same head, with the loser kept as a readable version and a binaryConflict event on both.

import { PACK_TARGET_BYTES } from '@amber/blobs'
import { afterEach, describe, expect, it } from 'vitest'
import type { Vault } from '../../src/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { expectSameBytes, randomBytes, smallFiles, totalBytes } from '../support/bytes.ts'
import { nextEvent } from '../support/sdk.ts'
import { TransferFaults } from '../support/TransferFaults.ts'
import { closeAll, createVault, openVault, untilHeads } from './support/e2e.ts'
import type { CreatedVault } from './support/e2e.ts'

afterEach(closeAll)

const SIZE = 8 * 1024 * 1024
/** FastCDC's largest chunk: what "at most 2 chunks" means in bytes. */
const MAX_CHUNK = 256 * 1024

async function countingDevice(created: CreatedVault): Promise<{ vault: Vault; faults: TransferFaults }> {
  const faults = new TransferFaults(globalThis.fetch)
  const vault = await openVault(created, new MemoryStore(), { fetch: faults.fetch })
  await vault.whenLoaded()
  return { vault, faults }
}

describe('binary files on the real server', () => {
  it('a lazy second device reads what the first wrote, byte for byte, through a corrupted answer; both know the same head', async () => {
    const created = await createVault('binaries-roundtrip')
    const { vault: writer } = await countingDevice(created)
    const data = randomBytes(3 * 1024 * 1024 + 5, 1)
    const written = await writer.writeFile('Media/clip.bin', data, { mtime: 1_764_300_000_000 })
    expect(written.won).toBe(true)
    const faults = new TransferFaults(globalThis.fetch)
    const reader = await openVault(created, new MemoryStore(), { fetch: faults.fetch, lazy: true })
    await untilHeads(reader, () => reader.head('Media/clip.bin')?.version === written.version)
    expect(reader.head('Media/clip.bin')).toEqual(written.head)
    faults.corruptAnswers = 1 // one byte of the chunk answer flipped on the way: caught, that chunk fetched again
    expectSameBytes(await reader.readFile('Media/clip.bin'), data)
    expect(faults.corruptAnswers).toBe(0)
    expect((await reader.fileVersions('Media/clip.bin')).map((info) => info.version)).toEqual([
      written.version,
    ])
  })

  it('a 1-byte overwrite re-uploads at most 2 chunks, 1 KiB inserted at the start at most 2, an identical file none', async () => {
    const created = await createVault('binaries-dedup')
    const { vault, faults } = await countingDevice(created)
    const data = randomBytes(SIZE, 2)
    await vault.writeFile('big.bin', data)
    const chunksOfFirst = faults.packedChunks
    expect(chunksOfFirst).toBeGreaterThan(SIZE / MAX_CHUNK)

    const overwritten = data.slice()
    overwritten[SIZE / 2]! ^= 0xff
    let before = faults.packedChunks
    await vault.writeFile('big.bin', overwritten)
    const afterOverwrite = faults.packedChunks - before
    expect(afterOverwrite).toBeGreaterThan(0)
    expect(afterOverwrite).toBeLessThanOrEqual(2)

    const inserted = new Uint8Array(SIZE + 1024)
    inserted.set(randomBytes(1024, 3))
    inserted.set(overwritten, 1024)
    before = faults.packedChunks
    await vault.writeFile('big.bin', inserted)
    const afterInsert = faults.packedChunks - before
    expect(afterInsert).toBeGreaterThan(0)
    expect(afterInsert).toBeLessThanOrEqual(2)

    before = faults.packedChunks
    const copy = await vault.writeFile('copy.bin', data)
    expect(faults.packedChunks - before).toBe(0)
    expect(copy.head.sha256).toBe((await vault.fileVersions('big.bin')).at(-1)!.sha256)
    expect((await vault.fileVersions('big.bin')).length).toBe(3)
  })

  it('50 small files in one writeFiles go up in ⌈total / PACK_TARGET_BYTES⌉ packs; a copy sends none; a mixed batch commits the edit on its base', async () => {
    const created = await createVault('binaries-batch')
    const { vault, faults } = await countingDevice(created)
    const files = smallFiles(50, 7)
    const results = await vault.writeFiles(files)
    expect(faults.packs.length).toBe(Math.ceil(totalBytes(files) / PACK_TARGET_BYTES))
    expect(results.every((result) => result.won)).toBe(true)
    const reader = await openVault(created, new MemoryStore(), { lazy: true })
    await untilHeads(reader, () => reader.head(files.at(-1)!.path)?.version === results.at(-1)!.version)
    for (const { path, data } of files) expectSameBytes(await reader.readFile(path), data)

    const packs = faults.packs.length
    await vault.writeFiles(files.map(({ path, data }) => ({ path: `Copy/${path}`, data })))
    expect(faults.packs.length).toBe(packs)

    const edited = files[3]!.data.slice()
    edited[100]! ^= 0xff
    const [added, edit] = await vault.writeFiles([
      { path: 'Photos/new.jpg', data: randomBytes(30_000, 8) },
      { path: files[3]!.path, data: edited },
    ])
    expect([added!.won, edit!.won, edit!.head.conflict]).toEqual([true, true, undefined])
    expect(faults.packs.length).toBe(packs + 1)
    const [latest, previous] = await vault.fileVersions(files[3]!.path)
    expect(latest).toMatchObject({ version: edit!.version, base: results[3]!.version })
    expect(previous!.version).toBe(results[3]!.version)
    expectSameBytes(await vault.readFile(files[3]!.path), edited)
  })

  it('two devices write one binary, one partitioned: same head on both, the loser kept and readable, an event on both', async () => {
    const created = await createVault('binaries-conflict')
    const laptop = await openVault(created, new MemoryStore())
    const phone = await openVault(created, new MemoryStore())
    await Promise.all([laptop.whenLoaded(), phone.whenLoaded()])
    const first = await laptop.writeFile('Shared/photo.jpg', randomBytes(400_000, 4), { mtime: 1_000 })
    await untilHeads(phone, () => phone.head('Shared/photo.jpg')?.version === first.version)

    phone.disconnect() // partitioned: it will not hear of the laptop's next version
    const laptopHears = nextEvent(laptop, 'binaryConflict')
    const phoneHears = nextEvent(phone, 'binaryConflict')
    const laptopVersion = await laptop.writeFile('Shared/photo.jpg', randomBytes(400_000, 5), {
      mtime: 3_000,
    })
    const phoneBytes = randomBytes(300_000, 6)
    const phoneVersion = await phone.writeFile('Shared/photo.jpg', phoneBytes, { mtime: 2_000 })
    expect([laptopVersion.won, phoneVersion.won]).toEqual([true, false])
    phone.connect()

    const [onLaptop, onPhone] = await Promise.all([laptopHears, phoneHears])
    for (const event of [onLaptop, onPhone]) {
      expect(event).toMatchObject({
        path: 'Shared/photo.jpg',
        lost: { version: phoneVersion.version, device: phone.deviceId, mtime: 2_000 },
      })
      expect(event.head.version).toBe(laptopVersion.version)
    }
    const settled = (vault: Vault) =>
      vault.head('Shared/photo.jpg')?.conflict?.version === phoneVersion.version
    await Promise.all([untilHeads(laptop, () => settled(laptop)), untilHeads(phone, () => settled(phone))])
    expect(phone.head('Shared/photo.jpg')).toEqual(laptop.head('Shared/photo.jpg'))
    const versions = (await laptop.fileVersions('Shared/photo.jpg')).map((info) => info.version)
    expect(versions).toEqual(
      expect.arrayContaining([first.version, laptopVersion.version, phoneVersion.version]),
    )
    expectSameBytes(await laptop.readFile('Shared/photo.jpg', { version: phoneVersion.version }), phoneBytes)
  })
})
