// Run by TestNodePostgres (tests/e2e/node_test.go): node smoke.js <port>.
// Prints one JSON object with the results; on a failure prints
// {"error": ..., "code": ..., "step": ...} and exits 1.
'use strict';
const { Client } = require('pg');

async function main() {
  const port = Number(process.argv[2]);
  const client = new Client({ host: '127.0.0.1', port, user: 'admin', database: 'nodedb' });
  const out = {};
  let step = 'connect';
  try {
    await client.connect();

    step = 'create';
    await client.query(`CREATE TABLE nt (id INTEGER PRIMARY KEY, name TEXT NOT NULL, big BIGINT,
      score DOUBLE PRECISION, ok BOOLEAN, at TIMESTAMPTZ, doc JSONB, raw BYTEA)`);

    step = 'insert';
    const ins = 'INSERT INTO nt (id, name, big, score, ok, at, doc, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
    out.inserted = [];
    const rows = [
      [1, 'ann', '9007199254740993', 1.5, true, new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), { a: [1, 2], b: 'x' }, Buffer.from([0, 1, 255])],
      [2, 'ben', '-5', -0.25, false, new Date(Date.UTC(2024, 1, 29)), null, null],
      [3, "o'neil", null, null, null, null, { nested: { k: true } }, Buffer.alloc(0)],
    ];
    for (const r of rows) {
      const res = await client.query(ins, r);
      out.inserted.push(res.rowCount);
    }

    step = 'select';
    const sel = await client.query('SELECT id, name, big, score, ok, at, doc, raw FROM nt WHERE id >= $1 ORDER BY id', [1]);
    out.fields = sel.fields.map((f) => f.name + ':' + f.dataTypeID);
    out.rows = sel.rows.map((r) => ({
      id: r.id, name: r.name, big: r.big, score: r.score, ok: r.ok,
      at: r.at === null ? null : r.at.toISOString(),
      doc: r.doc,
      raw: r.raw === null ? null : r.raw.toString('hex'),
    }));

    step = 'named';
    const named = { name: 'by-name', text: 'SELECT id FROM nt WHERE name = $1' };
    out.named = [];
    for (const n of ['ann', 'ben', "o'neil", 'nobody']) {
      const res = await client.query({ ...named, values: [n] });
      out.named.push(res.rows.length ? res.rows[0].id : null);
    }

    step = 'transaction';
    await client.query('BEGIN');
    await client.query('UPDATE nt SET score = score * 10 WHERE id = $1', [1]);
    await client.query('ROLLBACK');
    await client.query('BEGIN');
    const upd = await client.query('UPDATE nt SET name = $1 WHERE id = $2 RETURNING id, name', ['benjamin', 2]);
    await client.query('COMMIT');
    out.returning = upd.rows;
    const after = await client.query('SELECT id, name, score FROM nt ORDER BY id');
    out.after = after.rows;

    step = 'error';
    try {
      await client.query('INSERT INTO nt (id, name) VALUES ($1, $2)', [1, 'dup']);
      out.error = null;
    } catch (e) {
      out.error = e.code;
    }
    step = 'count';
    const cnt = await client.query('SELECT count(*) AS n FROM nt');
    out.count = cnt.rows[0].n;

    // Real-time: LISTEN/NOTIFY and LIVE SELECT reach an idle listener
    // through node-postgres's 'notification' event.
    step = 'realtime';
    const listener = new Client({ host: '127.0.0.1', port, user: 'admin', database: 'nodedb' });
    await listener.connect();
    try {
      const got = [];
      let wake = null;
      listener.on('notification', (n) => {
        got.push(n);
        if (wake) wake();
      });
      const waitFor = async (count) => {
        const deadline = Date.now() + 10000;
        while (got.length < count && Date.now() < deadline) {
          await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 100); });
        }
      };
      await listener.query('LISTEN smoke');
      const live = await listener.query('LIVE SELECT id, name FROM nt WHERE id > 1');
      const liveChannel = live.rows[0].channel;
      await client.query('BEGIN');
      await client.query("NOTIFY smoke, 'rolled back'");
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query("SELECT pg_notify('smoke', 'committed')");
      await client.query('COMMIT');
      await client.query('UPDATE nt SET name = $1 WHERE id = $2', ['ann2', 1]); // filtered out
      await client.query('UPDATE nt SET name = $1 WHERE id = $2', ['o.', 3]);
      await client.query('UPDATE nt SET name = $1 WHERE id = $2', ['b.', 2]);
      await waitFor(3); // in commit order: a wrongly sent id 1 would show
      out.realtime = got.map((n) => {
        if (n.channel !== liveChannel) return { channel: n.channel, payload: n.payload };
        const p = JSON.parse(n.payload);
        return { live: p.op, row_id: p.row_id, row: p.row };
      });
    } finally {
      await listener.end().catch(() => {});
    }
    console.log(JSON.stringify(out));
  } catch (e) {
    console.log(JSON.stringify({ error: String(e.message), code: e.code || null, step, partial: out }));
    process.exitCode = 1;
  } finally {
    await client.end().catch(() => {});
  }
}

main();
