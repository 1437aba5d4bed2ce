// Command-line handling shared by bench/run.mjs and every section script, so
// each section can also be run on its own: `node bench/micro/index.mjs --quick`.

/**
 * @param {string[]} argv - process.argv.slice(2)
 * @returns {{quick: boolean, out: string | undefined, redisPort: number | undefined, redisHost: string, noRedis: boolean, redisPrivate: boolean, only: string[] | undefined, rest: string[]}}
 */
export function parseArgs(argv) {
  const opts = {
    quick: false,
    out: undefined,
    redisPort: undefined,
    redisHost: '127.0.0.1',
    noRedis: false,
    redisPrivate: false,
    only: undefined,
    rest: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--':
        break; // `pnpm bench -- --quick` passes the separator through
      case '--quick':
        opts.quick = true;
        break;
      case '--full':
        opts.quick = false;
        break;
      case '--out':
        opts.out = value();
        break;
      case '--redis-port':
        opts.redisPort = Number(value());
        break;
      case '--redis-private':
        // run.mjs started the server at --redis-port itself (no other clients)
        opts.redisPrivate = true;
        break;
      case '--redis-host':
        opts.redisHost = value();
        break;
      case '--no-redis':
        opts.noRedis = true;
        break;
      case '--only':
        opts.only = value().split(',');
        break;
      default:
        opts.rest.push(arg);
    }
  }
  return opts;
}
