#!/usr/bin/env bash
# Smoke test on another Node.js: .ci/smoke-node.sh <version> (e.g. 22, 24, 20.19.0).
# The binary comes from the npm registry (package node-<platform>-<arch>), cached in
# .tmp/node/. Run after `pnpm build`, with Redis answering at REDIS_URL (or
# redis-server on PATH): every built entry point is imported (ESM and CJS), then the
# examples' start scripts, the CLI binary and the standalone Redis conformance suite run.
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:?usage: .ci/smoke-node.sh <node version, e.g. 22>}
platform=$(node -p 'process.platform + "-" + process.arch')
dir=$PWD/.tmp/node/$spec
bin=$dir/node_modules/node-$platform/bin
if [ ! -x "$bin/node" ]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix "$dir" "node-$platform@$spec" >/dev/null
fi
export PATH="$bin:$PATH"
echo "node $(node --version) from npm node-$platform@$spec"

# No import may crash on a Node version `engines` allows.
for pkg in core redis express koa; do
  node --input-type=module -e "await import('./packages/$pkg/dist/index.js')"
  node -e "require('./packages/$pkg/dist/index.cjs')"
done
node --input-type=module -e "await import('./packages/cli/dist/index.js')"
node packages/cli/bin/tokenkit.js token --hex 8 >/dev/null

# Examples start (Express on memory, Koa on Redis), the CLI binary, one Redis suite.
timeout 300 pnpm exec vitest run --reporter=default test/e2e/start-script.test.ts test/cli/binary.test.ts test/redis/conformance-standalone.test.ts
