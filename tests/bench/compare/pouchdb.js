'use strict'
// The PouchDB peer of compare/run.sh: a writer, an express-pouchdb server
// whose leveldb database holds N documents, and a reader, in its own
// process, with an empty local leveldb database that pulls them all
// (replicate.from, default options) over HTTP through the relay. Driven by
// run.sh; prints "word value..." lines on stdout, times as wall-clock ms
// (Date.now(), as the relay's and the daemons' time stamps).
//
//   node pouchdb.js writer DIR N SIZE
//     puts N documents of SIZE bytes of JSON (bulkDocs of 1,000) into the
//     database "bench", prints "doc_bytes B", "listening PORT"; serves
//     until SIGTERM.
//   node pouchdb.js reader DIR PORT N
//     opens an empty local database in DIR, prints "ready", then reads
//     commands on stdin:
//       sync   replicate.from(http://127.0.0.1:PORT/bench), then print
//              "synced MS DOC_COUNT CPU_S" (MS: replication complete and
//              the local database holds all N)
//       noop   the same replication again (same objects), nothing new; print
//              "noop MS_TAKEN"
//       quit   close the database and exit
const PouchDB = require('pouchdb-node')
const crypto = require('crypto')
const fs = require('fs')
const path = require('path')
const readline = require('readline')

// SIZE bytes of JSON: {"_id":"e0000000001","seq":1,"author":"<64 hex>","payload":"<base64>"}
function makeDoc (i, size, author) {
  const d = { _id: 'e' + String(i).padStart(10, '0'), seq: i, author, payload: '' }
  const room = Math.max(0, size - JSON.stringify(d).length)
  d.payload = crypto.randomBytes(Math.ceil(room * 3 / 4) + 3).toString('base64').slice(0, room)
  return d
}

async function writer (dir, n, size) {
  const express = require('express')
  const P = PouchDB.defaults({ prefix: dir + path.sep })
  const app = express()
  app.use('/', require('express-pouchdb')(P, {
    mode: 'minimumForPouchDB',
    logPath: path.join(dir, 'log.txt'),
    configPath: path.join(dir, 'config.json')
  }))
  const db = new P('bench')
  const author = crypto.randomBytes(32).toString('hex')
  for (let i = 0; i < n; i += 1000) {
    const batch = []
    for (let j = i; j < Math.min(n, i + 1000); j++) batch.push(makeDoc(j, size, author))
    await db.bulkDocs(batch)
  }
  const info = await db.info()
  if (info.doc_count !== n) throw new Error('writer doc_count ' + info.doc_count)
  const srv = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => srv.on('listening', resolve))
  console.log('doc_bytes ' + JSON.stringify(makeDoc(123, size, author)).length)
  console.log('listening ' + srv.address().port)
  await new Promise((resolve) => process.once('SIGTERM', resolve))
  srv.close()
  srv.closeAllConnections()
  await db.close()
}

async function reader (dir, port, n) {
  const local = new PouchDB(path.join(dir, 'local'))
  await local.info()
  console.log('ready')
  const remote = new PouchDB('http://127.0.0.1:' + port + '/bench')
  const rl = readline.createInterface({ input: process.stdin })
  for await (const line of rl) {
    const cmd = line.trim()
    if (cmd === 'sync') {
      const cpu0 = process.cpuUsage()
      const res = await local.replicate.from(remote)
      const info = await local.info()
      const t = Date.now()
      const cpu = process.cpuUsage(cpu0)
      if (res.docs_written !== n || info.doc_count !== n) {
        throw new Error('sync: ' + res.docs_written + ' written, ' + info.doc_count + ' held')
      }
      console.log('synced ' + t + ' ' + info.doc_count + ' ' + ((cpu.user + cpu.system) / 1e6).toFixed(2))
    } else if (cmd === 'noop') {
      // As an app would: the same objects, so the checkpoint of the sync
      // above applies (each HTTP request opens its own connection).
      const t0 = Date.now()
      const res = await local.replicate.from(remote)
      if (res.docs_written !== 0) throw new Error('noop wrote ' + res.docs_written)
      console.log('noop ' + (Date.now() - t0))
    } else if (cmd === 'quit') {
      break
    }
  }
  await local.close()
}

const [role, dir, ...rest] = process.argv.slice(2)
fs.mkdirSync(dir, { recursive: true })
const main = role === 'writer'
  ? () => writer(dir, Number(rest[0]), Number(rest[1]))
  : role === 'reader'
    ? () => reader(dir, Number(rest[0]), Number(rest[1]))
    : () => Promise.reject(new Error('usage: pouchdb.js writer|reader ...'))
main().then(() => process.exit(0), (err) => { console.error('pouchdb.js: ' + (err.stack || err)); process.exit(1) })
