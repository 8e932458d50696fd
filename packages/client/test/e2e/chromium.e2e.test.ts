// The SDK in real headless Chromium with the IndexedDB store: an edit made while the server is
// unreachable survives a page reload (no explicit flush: the page just reloads) and reaches the server
// once it is reachable again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { bundle, launchBrowser, servePage, waitForGlobal } from '../browser/harness.ts'
import type { BrowserSession, PageServer } from '../browser/harness.ts'
import { amberServer, closeAll, createVault, openVault } from './support/e2e.ts'

let session: BrowserSession
let pageServer: PageServer

beforeAll(async () => {
  pageServer = await servePage(await bundle(new URL('./support/sdk.page.ts', import.meta.url)), {
    title: 'SDK e2e',
    port: amberServer().pagePort,
  })
  session = await launchBrowser()
}, 60_000)

afterAll(async () => {
  await closeAll()
  await session?.close()
  await pageServer?.close()
})

describe('the SDK in Chromium (IndexedDB)', () => {
  it('an edit made offline survives a reload and reaches the server after reconnect', async () => {
    const created = await createVault('chromium')
    const { origin } = amberServer()
    const page = await session.newPage()
    // The sync server is unreachable: every request to it fails as on a plane.
    await session.context.route(`${origin}/**`, (route) => route.abort('internetdisconnected'))
    await page.goto(pageServer.url)
    await waitForGlobal(page, 'amberSdk')
    const options = { origin, vaultId: created.vaultId, token: created.token }
    await page.evaluate((o) => globalThis.amberSdk.open(o), options)
    await page.evaluate(() => globalThis.amberSdk.append('Offline/Plane.md', 'written at 10 000 m'))
    expect(await page.evaluate(() => globalThis.amberSdk.hasLocalChanges())).toBe(true)
    expect(await page.evaluate(() => globalThis.amberSdk.status())).not.toBe('synced')

    // The tab reloads: whatever the page held in memory is gone.
    await page.reload()
    await waitForGlobal(page, 'amberSdk')
    await page.evaluate((o) => globalThis.amberSdk.open(o), options)
    expect(await page.evaluate(() => globalThis.amberSdk.text('Offline/Plane.md'))).toBe(
      'written at 10 000 m',
    )
    expect(await page.evaluate(() => globalThis.amberSdk.hasLocalChanges())).toBe(true)

    // Back on the ground.
    await session.context.unroute(`${origin}/**`)
    await page.evaluate(() => globalThis.amberSdk.connect())
    await page.evaluate(() => globalThis.amberSdk.whenSynced())
    expect(await page.evaluate(() => globalThis.amberSdk.hasLocalChanges())).toBe(false)

    const laptop = await openVault(created, new MemoryStore())
    await laptop.whenSynced()
    expect((await laptop.open('Offline/Plane.md')).text.toString()).toBe('written at 10 000 m')
  })
})
