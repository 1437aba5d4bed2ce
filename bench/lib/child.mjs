// Runs a bench script in a fresh Node process (own heap, own JIT state) and
// returns the JSON it prints on stdout; its stderr streams through as progress.
import { spawn } from 'node:child_process';

/**
 * @param {string} script - absolute path
 * @param {string[]} args
 * @param {{nodeFlags?: string[], timeoutMs?: number}} [options]
 * @returns {Promise<any>}
 */
export function runChild(script, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Error(`${script} printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
