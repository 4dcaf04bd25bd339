'use strict'
// The Hyperblobs peer of bench_blob.sh's bulk mode (BENCH_ONLY=bulk
// BENCH_HYPERBLOBS=1): the same photos moved by Hypercore's blob store,
// a writer holding them and serving replication on 127.0.0.1, and a
// reader, in its own process, downloading them all. Storage is Corestore
// (rocksdb), durable on both sides as simpul's LMDB.
//
//   node hyperblobs.js writer DIR FILE...
//     puts each FILE as one blob, then prints "key HEX", "blobs N",
//     "listening PORT"; serves every connection until SIGTERM.
//   node hyperblobs.js reader DIR KEY PORT N BYTES IDS
//     connects, downloads every block of the core, checks that the N
//     blobs of IDS (the writer's DIR/ids.json) are held, BYTES in all
//     (each read back whole from the local store), prints
//     "synced MS CPU_S" (MS: from connect to all held; CPU_S: this
//     process's user + system over the same span), exits.
const Corestore = require('corestore')
const Hyperblobs = require('hyperblobs')
const fs = require('fs')
const net = require('net')

function pipe (store, socket, initiator) {
  const s = store.replicate(initiator)
  socket.on('error', () => {})
  s.on('error', () => {})
  s.pipe(socket).pipe(s)
  return s
}

async function writer (dir, files) {
  const store = new Corestore(dir)
  const core = store.get({ name: 'blobs' })
  await core.ready()
  const blobs = new Hyperblobs(core)
  const ids = []
  for (const f of files) ids.push(await blobs.put(fs.readFileSync(f)))
  fs.writeFileSync(dir + '/ids.json', JSON.stringify(ids))
  const server = net.createServer((socket) => pipe(store, socket, false))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  console.log('key ' + core.key.toString('hex'))
  console.log('blobs ' + ids.length)
  console.log('listening ' + server.address().port)
  await new Promise((resolve) => process.once('SIGTERM', resolve))
  server.close()
  await store.close()
}

async function reader (dir, keyHex, port, n, bytes, idsFile) {
  const store = new Corestore(dir)
  const core = store.get({ key: Buffer.from(keyHex, 'hex') })
  await core.ready()
  const blobs = new Hyperblobs(core)
  const ids = JSON.parse(fs.readFileSync(idsFile))
  const t0 = Date.now()
  const cpu0 = process.cpuUsage()
  const socket = net.connect(port, '127.0.0.1')
  const s = pipe(store, socket, true)
  const done = core.findingPeers()
  socket.once('connect', () => done())
  await core.update({ wait: true })
  await core.download({ start: 0, end: core.length }).done()
  let total = 0
  for (const id of ids.slice(0, n)) total += (await blobs.get(id, { wait: false })).length
  const t = Date.now() - t0
  const cpu = process.cpuUsage(cpu0)
  if (total !== bytes) throw new Error('held ' + total + ' bytes, want ' + bytes)
  console.log('synced ' + t + ' ' + ((cpu.user + cpu.system) / 1e6).toFixed(2))
  s.destroy()
  socket.destroy()
  await store.close()
}

const [role, dir, ...rest] = process.argv.slice(2)
const main = role === 'writer'
  ? () => writer(dir, rest)
  : role === 'reader'
    ? () => reader(dir, rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]), rest[4])
    : () => Promise.reject(new Error('usage: hyperblobs.js writer|reader ...'))
main().then(() => process.exit(0), (err) => { console.error('hyperblobs.js: ' + (err.stack || err)); process.exit(1) })
