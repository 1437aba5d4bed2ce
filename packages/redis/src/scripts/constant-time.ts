/**
 * Lua helper shared by `use` and `consume`: does the stored hash equal any
 * candidate, in constant time?
 *
 * Why not `==`: Lua interns strings, and interning a new ARGV string compares
 * it with `memcmp` against same-bucket strings, which stops at the first
 * differing byte; a plain `if a == b` branch per candidate would also reveal
 * which secret version matched. So the bytes are XOR-accumulated with
 * `bit.bxor`/`bit.bor` over the full candidate length, against EVERY
 * candidate, with no early exit: the time depends only on the candidates'
 * lengths (public: `v<n>$` + fixed-size digest), never on how many leading
 * bytes of a guess were right. Lengths are folded into the difference too,
 * so a prefix never matches.
 *
 * Hash values are stored and passed as JSON text (`"v1$…"`), so both sides
 * carry the same quotes and no decoding is needed.
 */
export const CONSTANT_TIME_LUA = `
local function matches_any(stored, first, last)
  local a = { string.byte(stored, 1, -1) }
  local la = #stored
  local hit = 0
  for i = first, last do
    local c = ARGV[i]
    local lc = #c
    local diff = bit.bxor(la, lc)
    local b = { string.byte(c, 1, -1) }
    for j = 1, lc do
      diff = bit.bor(diff, bit.bxor(a[j] or 0, b[j]))
    end
    if diff == 0 then hit = 1 else hit = bit.bor(hit, 0) end
  end
  return hit == 1
end
`;
