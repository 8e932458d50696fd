// Binary files in real headless Chromium with the IndexedDB store: a Blob written in the page reaches a
// Node device byte for byte, a version written in Node is read and verified in the page, and after a
// reload that read is served from the IndexedDB binary cache with the server unreachable.

import { describe, expect, it } from 'vitest'
import { sha256Hex } from '@amber/blobs'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { randomBytes } from '../support/bytes.ts'
import { waitForGlobal } from '../browser/harness.ts'
import { sdkPageInChromium } from './support/sdkPageInChromium.ts'
import { amberServer, createVault, openVault, untilHeads } from './support/e2e.ts'

const sdkPage = sdkPageInChromium('SDK binaries e2e')

describe('binary files in Chromium (IndexedDB)', () => {
  it('round-trips between the page and Node, and reads the head offline from the cache after a reload', async () => {
    const created = await createVault('chromium-binaries')
    const { origin } = amberServer()
    const options = { origin, vaultId: created.vaultId, token: created.token }
    const page = await sdkPage.session().newPage()
    await page.goto(sdkPage.url())
    await waitForGlobal(page, 'amberSdk')
    await page.evaluate((o) => globalThis.amberSdk.open(o), options)
    await page.evaluate(() => globalThis.amberSdk.whenSynced())

    const pageVersion = await page.evaluate(() =>
      globalThis.amberSdk.writeBinary('Page/blob.bin', 2 * 1024 * 1024 + 3, 7),
    )
    const laptop = await openVault(created, new MemoryStore())
    await untilHeads(laptop, () => laptop.head('Page/blob.bin')?.version === pageVersion)
    const fromPage = await laptop.readFile('Page/blob.bin')
    expect(fromPage.every((byte, index) => byte === ((index * 31 + 7) & 255))).toBe(true)

    const nodeBytes = randomBytes(3 * 1024 * 1024, 8)
    const { version } = await laptop.writeFile('Node/photo.jpg', nodeBytes)
    await page.waitForFunction((v) => globalThis.amberSdk.head('Node/photo.jpg') === v, version)
    const read = await page.evaluate(() => globalThis.amberSdk.readBinary('Node/photo.jpg'))
    expect(read).toEqual({ size: nodeBytes.length, sha256: await sha256Hex(nodeBytes) })
    expect(await page.evaluate(() => globalThis.amberSdk.cachedVersion('Node/photo.jpg'))).toBe(version)

    // Reloaded with the server unreachable: the head is still known and its bytes come from IndexedDB.
    await sdkPage.session().context.route(`${origin}/**`, (route) => route.abort('internetdisconnected'))
    await page.reload()
    await waitForGlobal(page, 'amberSdk')
    await page.evaluate((o) => globalThis.amberSdk.open(o), options)
    expect(await page.evaluate(() => globalThis.amberSdk.readBinary('Node/photo.jpg'))).toEqual(read)
    await sdkPage.session().context.unroute(`${origin}/**`)
  })
})
