/**
 * Lua helper shared by `use` and `consume`: does the stored hash equal any
 * candidate, in constant time?
 *
 * Why not `==`: Lua interns strings, and interning a new ARGV string compares
 * it with `memcmp` against same-bucket strings, which stops at the first
 * differing byte; a plain `if a == b` per candidate would also reveal which
 * secret version matched. So every byte pair is folded into one accumulator
 * over the full candidate length, against EVERY candidate, with no early
 * exit: the time depends only on the candidates' lengths (public: `v<n>$` +
 * a fixed-size digest), never on how many leading bytes of a guess were right.
 * Lengths are folded in too, so a prefix never matches.
 *
 * The fold is a sum of squared byte differences (zero iff all bytes are
 * equal) rather than `bit.bor(acc, bit.bxor(a, b))`: the same branch-free
 * XOR-accumulate idea, but plain VM arithmetic instead of two C calls per
 * byte through the sandbox's global table — about a third of the time per
 * comparison (bench/RESULTS.md, "Design choices"), which matters on the
 * one-round-trip verify path.
 * Missing bytes (shorter stored value) count as 256, which no byte equals.
 *
 * Hash values are stored and passed as JSON text (`"v1$…"`), so both sides
 * carry the same quotes and no decoding is needed.
 */
export const CONSTANT_TIME_LUA = `
local byte = string.byte
local function matches_any(stored, first, last)
  local a = { byte(stored, 1, -1) }
  local la = #stored
  local hit = 0
  for i = first, last do
    local c = ARGV[i]
    local lc = #c
    local b = { byte(c, 1, -1) }
    local diff = (la - lc) * (la - lc)
    for j = 1, lc do
      local d = (a[j] or 256) - b[j]
      diff = diff + d * d
    end
    -- Both arms do the same work, so which candidate matched is not visible either.
    if diff == 0 then hit = 1 else hit = hit + 0 end
  end
  return hit == 1
end
`;
