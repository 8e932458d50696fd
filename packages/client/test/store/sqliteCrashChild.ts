// Child process for the SIGKILL test: commits batch after batch to a SqliteStore and prints each batch's
// number once its commit resolved. The parent kills it mid-stream and checks what survived.
// Usage: tsx sqliteCrashChild.ts <file> <full|normal>

import { SqliteStore } from '../../src/store/SqliteStore.ts'
import { crashBatch } from './crashBatch.ts'

const [file, synchronous] = process.argv.slice(2)
if (!file || (synchronous !== 'full' && synchronous !== 'normal')) throw new Error('usage: sqliteCrashChild.ts <file> <full|normal>')
const store = new SqliteStore(file, { synchronous, compactThreshold: 16 })
for (let n = 1; ; n++) {
  await store.commit(crashBatch(n))
  process.stdout.write(`${n}\n`)
}
