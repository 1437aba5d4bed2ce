// Python's `secrets` module, timed by Python itself (timeit, CPU clock) in the
// same run as the Node numbers: the seed of this project is Python's
// `secrets`, and tokenUrlsafe's target is to beat it by 5×.
import { execFileSync } from 'node:child_process';

const SCRIPT = `
import json, secrets, string, sys, time, timeit
number, repeat = int(sys.argv[1]), int(sys.argv[2])
alphabet = string.ascii_letters + string.digits + string.punctuation
cases = {
    "token_urlsafe(32)": "secrets.token_urlsafe(32)",
    "token_hex(32)": "secrets.token_hex(32)",
    "password(20)": "''.join(secrets.choice(alphabet) for _ in range(20))",
}
out = {}
for name, stmt in cases.items():
    n = max(1, number // 20) if name.startswith("password") else number
    times = timeit.repeat(stmt, setup="import secrets", number=n, repeat=repeat, timer=time.process_time, globals={"alphabet": alphabet})
    out[name] = sorted(t / n * 1e9 for t in times)
print(json.dumps(out))
`;

/**
 * @param {{quick: boolean}} opts
 * @returns {{version: string, nsPerOp: Record<string, number[]>} | {error: string}}
 */
export function measurePython(opts) {
  try {
    const version = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim();
    const number = opts.quick ? 20_000 : 100_000;
    const repeat = opts.quick ? 5 : 15;
    const stdout = execFileSync('python3', ['-c', SCRIPT, String(number), String(repeat)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { version, nsPerOp: JSON.parse(stdout) };
  } catch (err) {
    return { error: `python3 unavailable or failed: ${err.message.split('\n')[0]}` };
  }
}
