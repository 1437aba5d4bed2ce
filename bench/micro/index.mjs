// Micro benchmarks: each generator / verification step beside the naive Node
// way of doing the same thing, and beside Python's `secrets` where one exists.
// Times are CPU time per call, median of interleaved batches (lib/timing.mjs).
import { createHash, createHmac, hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { parseArgs } from '../lib/args.mjs';
import { load } from '../lib/packages.mjs';
import { fmt, printTable, runSection } from '../lib/output.mjs';
import { compare, median, sinkValue } from '../lib/timing.mjs';
import { measurePython } from './python.mjs';

const opts = parseArgs(process.argv.slice(2));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PASSWORD_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * The straightforward way to mint the same credential format: one
 * `randomBytes` syscall per credential, rejection-sampled base62, zlib CRC32.
 * @param {string} prefix
 */
function naiveCredential(prefix) {
  let body = '';
  while (body.length < 42) {
    for (const byte of randomBytes(48)) {
      if (byte < 248 && body.length < 42) body += BASE62[byte % 62];
    }
  }
  const head = `${prefix}_${body}`;
  let check = '';
  let rest = crc32(head) >>> 0;
  for (let i = 0; i < 6; i++) {
    check = BASE62[rest % 62] + check;
    rest = Math.floor(rest / 62);
  }
  return head + check;
}

/** Naive password: `crypto.randomInt` per character (unbiased, one call each; no class guarantee). */
function naivePassword() {
  let out = '';
  for (let i = 0; i < 20; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

async function main() {
  const core = await load('core');
  const http = await load('core', 'http');
  const rounds = opts.quick ? 5 : 21;
  const batchMs = opts.quick ? 5 : 20;
  const timing = { rounds, batchMs };

  // Verification fixtures: one key in a MemoryStore, and the naive equivalent
  // (createHmac per call, Map.get, timingSafeEqual on fresh Buffers).
  const store = new core.MemoryStore({ sweepIntervalMs: 0 });
  const apiKeys = new core.ApiKeys({ store, secret: SECRET });
  const { key } = await apiKeys.create({ ownerId: 'bench', scopes: ['read'] });
  const naiveMap = new Map();
  const naiveHash = (k) => createHmac('sha256', SECRET).update(k).digest('base64url');
  const id = key.slice(3, 13);
  naiveMap.set(id, { hash: naiveHash(key), ownerId: 'bench', revokedAt: null, expiresAt: null });
  const naiveVerify = async (k) => {
    const m = /^sk_([0-9A-Za-z]{10})[0-9A-Za-z]{38}$/.exec(k);
    if (!m) return { valid: false };
    const record = naiveMap.get(m[1]);
    if (!record) return { valid: false };
    const ok = timingSafeEqual(Buffer.from(record.hash), Buffer.from(naiveHash(k)));
    return ok ? { valid: true, record } : { valid: false };
  };
  if (!(await naiveVerify(key)).valid || !(await apiKeys.verify(key)).valid) throw new Error('fixture key does not verify');
  const shaMap = new Map([[hash('sha256', key, 'base64url'), 1]]);
  // The guard as the adapters run it, on the smallest request it reads (headers only).
  const guard = http.createApiKeyAuthFlow({ apiKeys });
  const guardRequest = { method: 'GET', headers: { authorization: `Bearer ${key}` } };
  const guarded = guard(guardRequest);
  if (http.isThenable(guarded) || guarded.response) throw new Error('fixture key does not pass the guard in the same tick');
  const hasher = new core.KeyedHasher(SECRET);
  if (hasher.hash(key).split('$')[1] !== naiveHash(key)) throw new Error('KeyedHasher disagrees with createHmac');

  const groups = [
    {
      name: 'tokenUrlsafe(32)',
      python: 'token_urlsafe(32)',
      variants: [
        { name: 'tokenkit', fn: () => core.tokenUrlsafe(32) },
        { name: 'naive', label: "crypto.randomBytes(32).toString('base64url')", fn: () => randomBytes(32).toString('base64url') },
      ],
    },
    {
      name: 'tokenHex(32)',
      python: 'token_hex(32)',
      variants: [
        { name: 'tokenkit', fn: () => core.tokenHex(32) },
        { name: 'naive', label: "crypto.randomBytes(32).toString('hex')", fn: () => randomBytes(32).toString('hex') },
      ],
    },
    {
      name: 'password()',
      python: 'password(20)',
      variants: [
        { name: 'tokenkit', label: 'password() — 20 chars, all 4 classes, Fisher–Yates', fn: () => core.password() },
        { name: 'naive', label: '20 × crypto.randomInt(94)', fn: naivePassword },
      ],
    },
    {
      name: 'generateCredential',
      variants: [
        { name: 'tokenkit', label: "generateCredential('sk')", fn: () => core.generateCredential('sk') },
        { name: 'naive', label: 'randomBytes per credential + zlib.crc32', fn: () => naiveCredential('sk') },
      ],
    },
    {
      name: 'keyed hash',
      variants: [
        { name: 'tokenkit', label: 'KeyedHasher.hash (HMAC-SHA256, 2 × crypto.hash)', fn: () => hasher.hash(key) },
        { name: 'naive', label: "createHmac('sha256', secret) per call", fn: () => naiveHash(key) },
        { name: 'reference', label: "crypto.hash('sha256') one-shot (unkeyed)", fn: () => hash('sha256', key, 'base64url') },
        { name: 'createHash', label: "createHash('sha256') (unkeyed)", fn: () => createHash('sha256').update(key).digest('base64url') },
      ],
    },
    {
      name: 'parseCredential',
      variants: [{ name: 'tokenkit', label: "parseCredential(key, 'sk')", fn: () => core.parseCredential(key, 'sk') }],
    },
    {
      name: 'verify (CPU per call)',
      variants: [
        { name: 'tokenkit', label: 'await ApiKeys.verify(key) on MemoryStore', fn: () => apiKeys.verify(key), async: true },
        { name: 'tokenkit scoped', label: "await ApiKeys.verify(key, { scopes: ['read'] })", fn: () => apiKeys.verify(key, { scopes: ['read'] }), async: true },
        {
          name: 'guard',
          label: 'the apiKeyAuth guard (createApiKeyAuthFlow) per request: header → outcome, answered in the same tick',
          fn: () => guard(guardRequest),
        },
        { name: 'naive', label: 'regex + createHmac + Map.get + timingSafeEqual (async)', fn: () => naiveVerify(key), async: true },
        { name: 'reference', label: "crypto.hash('sha256') + Map.get (the ≈ 1 µs reference)", fn: () => shaMap.get(hash('sha256', key, 'base64url')) },
      ],
    },
  ];

  // Untimed warm-up of every variant first: process.cpuUsage() counts V8's
  // background compiler threads too, so whichever group ran first would
  // otherwise be billed for the JIT work of the whole process start.
  for (const group of groups) await compare(group.variants, { rounds: 1, batchMs: opts.quick ? 10 : 50 });
  const python1 = measurePython(opts);
  const results = [];
  for (const group of groups) {
    const measured = await compare(group.variants, timing);
    const row = { name: group.name, variants: [] };
    for (const v of group.variants) {
      row.variants.push({ name: v.name, label: v.label ?? group.name, nsPerOp: measured[v.name].nsPerOp, opsPerSec: measured[v.name].opsPerSec });
    }
    results.push(row);
    console.log(
      `${group.name.padEnd(22)} ${row.variants.map((v) => `${v.name} ${fmt(v.nsPerOp, v.nsPerOp < 100 ? 1 : 0)} ns`).join(' | ')}`,
    );
  }
  // Python runs before and after the Node batches: its median spans the same noise.
  const python2 = measurePython(opts);
  const python = python1.error ? python1 : python2.error ? python2 : { version: python1.version, nsPerOp: {} };
  if (!python.error) {
    for (const name of Object.keys(python1.nsPerOp)) {
      python.nsPerOp[name] = median([...python1.nsPerOp[name], ...python2.nsPerOp[name]]);
    }
  }
  for (const group of groups) {
    if (!group.python || python.error) continue;
    const row = results.find((r) => r.name === group.name);
    row.variants.push({ name: 'python', label: `Python ${python.version.replace('Python ', '')} secrets.${group.python}`, nsPerOp: python.nsPerOp[group.python], opsPerSec: 1e9 / python.nsPerOp[group.python] });
  }

  const get = (group, variant) => results.find((r) => r.name === group)?.variants.find((v) => v.name === variant)?.nsPerOp;
  const ratios = {
    urlsafeVsNaive: get('tokenUrlsafe(32)', 'naive') / get('tokenUrlsafe(32)', 'tokenkit'),
    urlsafeVsPython: get('tokenUrlsafe(32)', 'python') / get('tokenUrlsafe(32)', 'tokenkit'),
    hexVsNaive: get('tokenHex(32)', 'naive') / get('tokenHex(32)', 'tokenkit'),
    hexVsPython: get('tokenHex(32)', 'python') / get('tokenHex(32)', 'tokenkit'),
    passwordVsNaive: get('password()', 'naive') / get('password()', 'tokenkit'),
    passwordVsPython: get('password()', 'python') / get('password()', 'tokenkit'),
    credentialVsNaive: get('generateCredential', 'naive') / get('generateCredential', 'tokenkit'),
    credentialsPerSecond: 1e9 / get('generateCredential', 'tokenkit'),
    hashVsCreateHmac: get('keyed hash', 'naive') / get('keyed hash', 'tokenkit'),
    verifyVsNaive: get('verify (CPU per call)', 'naive') / get('verify (CPU per call)', 'tokenkit'),
    verifyNs: get('verify (CPU per call)', 'tokenkit'),
    guardNs: get('verify (CPU per call)', 'guard'),
  };
  console.log();
  printTable(
    ['ratio', 'value'],
    Object.entries(ratios).map(([k, v]) => [k, Number.isFinite(v) ? (v > 1000 ? fmt(v) : v.toFixed(2)) : 'n/a']),
  );
  if (python.error) console.log(`python: ${python.error}`);
  console.log(`(sink ${sinkValue() & 1})`);
  return { mode: opts.quick ? 'quick' : 'full', clock: 'cpu', timing, groups: results, python, ratios };
}

await runSection(opts.out, 'micro', main);
