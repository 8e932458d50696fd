// IndexedDbStore in real headless Chromium: the LocalStore contract on the page's IndexedDB (on disk, in
// a persistent profile), a page reload, and SIGKILL of the whole browser in the middle of a stream of
// commits, under both transaction durabilities.

import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IndexedDbStoreOptions } from '../../src/store/IndexedDbStore.ts'
import { localStoreContractCases } from '../store/localStoreContract.ts'
import { contractSeed } from '../store/runLocalStoreContract.ts'
import { bundle, launchBrowser, servePage, waitForGlobal } from './harness.ts'
import type { BrowserSession, PageServer } from './harness.ts'

let server: PageServer
let session: BrowserSession
let page: Page

beforeAll(async () => {
  server = await servePage(await bundle(new URL('./IndexedDbStore.page.ts', import.meta.url)), { title: 'IndexedDbStore tests' })
  session = await launchBrowser()
  page = await openTestPage(session)
}, 60_000)

afterAll(async () => {
  await session?.close()
  await server?.close()
})

async function openTestPage(browser: BrowserSession): Promise<Page> {
  const opened = await browser.newPage()
  await opened.goto(server.url)
  await waitForGlobal(opened, 'amberIndexedDb')
  return opened
}

const seed = contractSeed()

describe(`LocalStore contract: IndexedDbStore in Chromium (seed ${seed})`, () => {
  for (const { name } of localStoreContractCases) {
    it(name, async () => {
      const failure = await page.evaluate(([caseName, caseSeed]) => globalThis.amberIndexedDb.runCase(caseName, caseSeed, {}), [name, seed] as const)
      if (failure !== undefined) throw new Error(`in Chromium: ${failure}`)
    })
  }
})

describe('IndexedDbStore in Chromium: what survives', () => {
  it('every resolved commit survives a page reload', async () => {
    await page.evaluate(() => globalThis.amberIndexedDb.commitBatches('reload', 40))
    await page.reload()
    await waitForGlobal(page, 'amberIndexedDb')
    expect(await page.evaluate(() => globalThis.amberIndexedDb.checkCrash('reload', 40))).toBe(40)
  })

  for (const durability of ['strict', 'relaxed'] as const) {
    it(`a browser killed with SIGKILL keeps every batch whose commit resolved, and no partial one (durability ${durability})`, async () => {
      const writer = await launchBrowser()
      try {
        const writerPage = await openTestPage(writer)
        const options: IndexedDbStoreOptions = { durability }
        await writerPage.evaluate((o) => globalThis.amberIndexedDb.startCrashWriter('crash', o), options)
        let resolved = 0
        const deadline = Date.now() + 30_000
        // Kill mid-stream: after 150 resolved commits (some compactions behind), while more are in flight.
        while (resolved < 150) {
          if (Date.now() > deadline) throw new Error(`the writer resolved only ${resolved} commits in 30 s`)
          await new Promise((resolve) => setTimeout(resolve, 20))
          resolved = await writerPage.evaluate(() => globalThis.amberIndexedDb.resolved())
        }
        await writer.kill()
        const reader = await launchBrowser({ userDataDir: writer.userDataDir })
        try {
          const readerPage = await openTestPage(reader)
          const last = await readerPage.evaluate((atLeast) => globalThis.amberIndexedDb.checkCrash('crash', atLeast), resolved)
          expect(last).toBeGreaterThanOrEqual(resolved)
        } finally {
          await reader.close()
        }
      } finally {
        await writer.close()
      }
    })
  }
})
