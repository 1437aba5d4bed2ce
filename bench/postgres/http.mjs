// The guarded HTTP route on PostgresStore beside the same route doing one raw
// `pool.query` (a record by primary key) on the same pool: autocannon -c 32
// against a forked Express 5 server, variants interleaved round by round,
// medians. node bench/postgres/http.mjs [--quick]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadDependency } from '../lib/packages.mjs';

/**
 * @param {{ url: string, seconds: number, rounds: number, prepared: boolean }} options
 * @returns {Promise<{ guardedPerSec: number, rawPerSec: number, ratio: number, non2xx: number }>}
 */
export async function httpComparison({ url, seconds, rounds, prepared }) {
  const autocannon = (await loadDependency('autocannon')).default;
  const schema = `tkhttp_${process.pid}_${prepared ? 'p' : 'd'}`;
  const child = fork(fileURLToPath(new URL('./http-server.mjs', import.meta.url)), [JSON.stringify({ url, schema, prepared })]);
  try {
    const { port, key } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`http server exited with ${code}`)));
    });
    const run = (path, duration) =>
      autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: 32, duration, headers: { authorization: `Bearer ${key}` } });
    await run('/guarded', 1);
    await run('/raw', 1);
    const guarded = [];
    const raw = [];
    let non2xx = 0;
    for (let round = 0; round < rounds; round++) {
      const g = await run('/guarded', seconds);
      const r = await run('/raw', seconds);
      non2xx += g.non2xx + r.non2xx;
      guarded.push(g.requests.average);
      raw.push(r.requests.average);
    }
    const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const result = { guardedPerSec: Math.round(median(guarded)), rawPerSec: Math.round(median(raw)), non2xx };
    return { ...result, ratio: +(result.guardedPerSec / result.rawPerSec).toFixed(3) };
  } finally {
    child.kill('SIGKILL');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  for (const prepared of [false, true]) {
    console.log(prepared ? 'preparedStatements' : 'default', JSON.stringify(await httpComparison({ url, seconds: quick ? 2 : 5, rounds: quick ? 1 : 3, prepared })));
  }
}
