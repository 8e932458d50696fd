import { measureRoomMemory, measureVaultReconnect } from './measureVault.ts'
const settings = { notes: Number(process.env.N ?? 10000), longHistoryShare: 0.05, longHistoryEdits: 300, idleClients: 100 }
console.time('reconnect')
console.log(JSON.stringify(await measureVaultReconnect(settings), null, 1))
console.timeEnd('reconnect')
console.log(JSON.stringify(await measureRoomMemory(settings), null, 1))
