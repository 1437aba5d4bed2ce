-- tokenkit PostgresStore schema (schema "tokenkit"). Generated from packages/postgres/src/schema.ts:
-- the same SQL PostgresStore.migrate() and `tokenkit migrate` run. Idempotent; safe to run concurrently.
-- Another schema: replace "tokenkit" throughout, or use `tokenkit migrate --schema <name>`.
-- Regenerate: UPDATE_SQL=1 npx vitest run test/postgres/schema.test.ts
BEGIN;
SELECT pg_advisory_xact_lock(1953196404, hashtext('tokenkit'));
CREATE SCHEMA IF NOT EXISTS "tokenkit";

CREATE TABLE IF NOT EXISTS "tokenkit".records (
  ns text NOT NULL,
  id text NOT NULL,
  data jsonb NOT NULL,
  expires_at timestamptz,
  subject text GENERATED ALWAYS AS (coalesce(data->>'ownerId', data->>'createdBy', data->>'userId')) STORED,
  PRIMARY KEY (ns, id)
);
CREATE INDEX IF NOT EXISTS records_expires_at ON "tokenkit".records (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_subject ON "tokenkit".records (ns, subject) WHERE subject IS NOT NULL;

CREATE TABLE IF NOT EXISTS "tokenkit".redeemers (
  ns text NOT NULL,
  id text NOT NULL,
  subject text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  redeemed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ns, id, subject),
  FOREIGN KEY (ns, id) REFERENCES "tokenkit".records (ns, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS redeemers_seq ON "tokenkit".redeemers (ns, id, seq);

CREATE TABLE IF NOT EXISTS "tokenkit".subjects (
  ns text NOT NULL,
  subject text NOT NULL,
  id text NOT NULL,
  expires_at timestamptz,
  PRIMARY KEY (ns, subject, id)
);
CREATE INDEX IF NOT EXISTS subjects_expires_at ON "tokenkit".subjects (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS "tokenkit".counters (
  kind smallint NOT NULL,
  ns text NOT NULL,
  key text NOT NULL,
  count bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (kind, ns, key)
);
CREATE INDEX IF NOT EXISTS counters_expires_at ON "tokenkit".counters (expires_at);

-- Does the record's hash equal one of the candidates? Compares SHA-256 digests
-- of both sides, so the time the comparison takes says nothing about how much
-- of the stored hash a candidate shares. A plpgsql loop of simple expressions:
-- an EXISTS over unnest() cost ~5x more per verification. (consume: a reset
-- token is never rotated, so only its hash counts.)
CREATE OR REPLACE FUNCTION "tokenkit".hash_matches(p_data jsonb, p_candidates text[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  v_digest bytea;
  v_candidate text;
  v_match boolean := false;
BEGIN
  IF jsonb_typeof(p_data->'hash') IS DISTINCT FROM 'string' THEN RETURN false; END IF;
  v_digest := sha256(convert_to(p_data->>'hash', 'UTF8'));
  FOREACH v_candidate IN ARRAY coalesce(p_candidates, '{}'::text[]) LOOP
    IF sha256(convert_to(v_candidate, 'UTF8')) = v_digest THEN v_match := true; END IF;
  END LOOP;
  RETURN v_match;
END
$fn$;

-- How the candidates relate to a record (use): 'match' when one equals its
-- hash, or its previousHash (the credential a rotation replaced) while
-- p_now < previousHashExpiresAt; 'previous-expired' when only the previous
-- hash matches and its grace has ended (the caller answers EXPIRED); else
-- 'none'. Digests as in hash_matches, and every comparison runs whenever a
-- previous hash exists, so timing does not tell which credential matched.
CREATE OR REPLACE FUNCTION "tokenkit".hash_match(p_data jsonb, p_candidates text[], p_now double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  v_digest bytea;
  v_previous bytea;
  v_candidate bytea;
  v_text text;
  v_current boolean := false;
  v_old boolean := false;
BEGIN
  IF jsonb_typeof(p_data->'hash') IS DISTINCT FROM 'string' THEN RETURN 'none'; END IF;
  v_digest := sha256(convert_to(p_data->>'hash', 'UTF8'));
  IF jsonb_typeof(p_data->'previousHash') = 'string' THEN
    v_previous := sha256(convert_to(p_data->>'previousHash', 'UTF8'));
  END IF;
  FOREACH v_text IN ARRAY coalesce(p_candidates, '{}'::text[]) LOOP
    v_candidate := sha256(convert_to(v_text, 'UTF8'));
    IF v_candidate = v_digest THEN v_current := true; END IF;
    IF v_candidate = v_previous THEN v_old := true; END IF;
  END LOOP;
  IF v_current THEN RETURN 'match'; END IF;
  IF NOT v_old THEN RETURN 'none'; END IF;
  IF p_data->>'previousHashExpiresAt' IS NOT NULL AND p_now < (p_data->>'previousHashExpiresAt')::double precision THEN
    RETURN 'match';
  END IF;
  RETURN 'previous-expired';
END
$fn$;

-- Functions of earlier versions of this schema: records no longer carry their
-- redeemers (with_redeemers), update() gained p_if_hash, use() reports the
-- rate-limit window (new OUT parameters: CREATE OR REPLACE cannot change them).
DROP FUNCTION IF EXISTS "tokenkit".with_redeemers(text, text, jsonb);
DROP FUNCTION IF EXISTS "tokenkit".update(text, text, jsonb, text[], integer, double precision);
DO $do$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_proc p
    WHERE p.oid = to_regprocedure('"tokenkit".use(text, text, text[], double precision, text[], text, text, double precision)')
      AND NOT ('rl_count' = ANY (coalesce(p.proargnames, '{}'::text[])))) THEN
    DROP FUNCTION "tokenkit".use(text, text, text[], double precision, text[], text, text, double precision);
  END IF;
END
$do$;

-- put: write a record (only if absent or expired when p_if_absent). A record
-- written over another one (or over an expired row) starts with an empty
-- used-by set: the old row's redeemers are deleted in the same call.
CREATE OR REPLACE FUNCTION "tokenkit".put(p_ns text, p_id text, p_data jsonb, p_ttl_ms double precision, p_if_absent boolean)
RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
  v_expires timestamptz := CASE WHEN p_ttl_ms IS NULL THEN NULL ELSE now() + greatest(0, p_ttl_ms) * interval '1 millisecond' END;
  v_inserted boolean;
BEGIN
  IF p_if_absent THEN
    INSERT INTO "tokenkit".records AS r (ns, id, data, expires_at) VALUES (p_ns, p_id, p_data, v_expires)
    ON CONFLICT (ns, id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at
      WHERE r.expires_at IS NOT NULL AND r.expires_at <= now()
    RETURNING (xmax = 0) INTO v_inserted;
    IF NOT FOUND THEN RETURN false; END IF;
  ELSE
    INSERT INTO "tokenkit".records AS r (ns, id, data, expires_at) VALUES (p_ns, p_id, p_data, v_expires)
    ON CONFLICT (ns, id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at
    RETURNING (xmax = 0) INTO v_inserted;
  END IF;
  IF NOT v_inserted THEN DELETE FROM "tokenkit".redeemers WHERE ns = p_ns AND id = p_id; END IF;
  RETURN true;
END
$fn$;

-- update: merge p_patch into a live record (dropping p_drop keys) in one
-- UPDATE; p_ttl_mode 0 keeps the TTL, 1 sets p_ttl_ms, 2 removes it (the
-- used-by set is read through its record, so it follows). With p_if_hash a
-- compare-and-set: only when the record's hash is exactly that string —
-- concurrent callers queue on the row lock and re-check it, so one wins.
CREATE OR REPLACE FUNCTION "tokenkit".update(p_ns text, p_id text, p_patch jsonb, p_drop text[], p_ttl_mode integer,
  p_ttl_ms double precision, p_if_hash text)
RETURNS jsonb LANGUAGE sql AS $fn$
  UPDATE "tokenkit".records r SET data = (r.data - p_drop) || p_patch,
    expires_at = CASE p_ttl_mode WHEN 0 THEN r.expires_at
      WHEN 1 THEN now() + greatest(0, p_ttl_ms) * interval '1 millisecond' ELSE NULL END
  WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now())
    AND (p_if_hash IS NULL OR r.data->'hash' = to_jsonb(p_if_hash))
  RETURNING r.data
$fn$;

-- consume: delete a live record whose hash matches (its counter too, its
-- redeemers by cascade); of concurrent callers the first DELETE wins and the
-- others find no row. An expired record is deleted too and reported as EXPIRED.
CREATE OR REPLACE FUNCTION "tokenkit".consume(p_ns text, p_id text, p_hashes text[], p_now double precision)
RETURNS TABLE (status text, record jsonb) LANGUAGE plpgsql AS $fn$
DECLARE
  v_data jsonb;
BEGIN
  DELETE FROM "tokenkit".records r WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now()) AND "tokenkit".hash_matches(r.data, p_hashes)
  RETURNING r.data INTO v_data;
  IF NOT FOUND THEN RETURN QUERY SELECT 'NOT_FOUND'::text, NULL::jsonb; RETURN; END IF;
  DELETE FROM "tokenkit".counters c WHERE c.kind = 1 AND c.ns = p_ns AND c.key = p_id;
  IF v_data->>'expiresAt' IS NOT NULL AND p_now >= (v_data->>'expiresAt')::double precision THEN
    RETURN QUERY SELECT 'EXPIRED'::text, NULL::jsonb; RETURN;
  END IF;
  RETURN QUERY SELECT 'OK'::text, v_data;
END
$fn$;

-- use: the guarded, counted use of the Store contract in one call. Checks in
-- order hash (or the previous hash within its grace), revokedAt, expiresAt
-- (or the previous hash's grace end), scopes, rate limit (counts the
-- attempt), maxUses, subject, email; a counted use locks the row (FOR UPDATE)
-- before its checks, so concurrent uses queue on it and never overspend. The
-- subject check is one primary-key probe of redeemers and the redeem one
-- insert: the same cost at any number of uses, and the record returned never
-- carries the set. With a rate limit, rl_count/rl_reset_ms report the window
-- after a success and rl_limit/rl_window the rule with RATE_LIMITED. OUT
-- parameters and plain assignments (no RETURN QUERY): an unmetered
-- verification runs one cached index lookup and a few simple expressions.
CREATE OR REPLACE FUNCTION "tokenkit".use(p_ns text, p_id text, p_hashes text[], p_now double precision, p_scopes text[],
  p_subject text, p_email text, p_retain_ms double precision, OUT status text, OUT retry_ms bigint, OUT record jsonb,
  OUT rl_count bigint, OUT rl_reset_ms bigint, OUT rl_limit double precision, OUT rl_window double precision)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_data jsonb;
  v_match text;
  v_counted boolean;
  v_rule jsonb;
  v_window double precision;
  v_count bigint;
  v_reset timestamptz;
  v_max numeric;
  v_uses numeric;
BEGIN
  SELECT r.data INTO v_data FROM "tokenkit".records r WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now());
  IF NOT FOUND THEN status := 'NOT_FOUND'; RETURN; END IF;
  v_match := "tokenkit".hash_match(v_data, p_hashes, p_now);
  IF v_match = 'none' THEN status := 'NOT_FOUND'; RETURN; END IF;
  v_counted := p_subject IS NOT NULL OR v_data->>'maxUses' IS NOT NULL;
  IF v_counted THEN
    SELECT r.data INTO v_data FROM "tokenkit".records r WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now()) FOR UPDATE;
    IF NOT FOUND THEN status := 'NOT_FOUND'; RETURN; END IF;
    v_match := "tokenkit".hash_match(v_data, p_hashes, p_now);
    IF v_match = 'none' THEN status := 'NOT_FOUND'; RETURN; END IF;
    v_counted := p_subject IS NOT NULL OR v_data->>'maxUses' IS NOT NULL;
  END IF;
  IF v_data->>'revokedAt' IS NOT NULL THEN status := 'REVOKED'; RETURN; END IF;
  IF v_match = 'previous-expired'
    OR (v_data->>'expiresAt' IS NOT NULL AND p_now >= (v_data->>'expiresAt')::double precision) THEN
    status := 'EXPIRED'; RETURN;
  END IF;
  IF cardinality(p_scopes) > 0 AND NOT (
    CASE WHEN jsonb_typeof(v_data->'scopes') = 'array' THEN v_data->'scopes' ELSE '[]'::jsonb END @> to_jsonb(p_scopes)) THEN
    status := 'INSUFFICIENT_SCOPE'; RETURN;
  END IF;
  v_rule := v_data->'rateLimit';
  IF jsonb_typeof(v_rule) = 'object' THEN
    v_window := greatest(1, ceil((v_rule->>'windowMs')::double precision));
    INSERT INTO "tokenkit".counters AS c (kind, ns, key, count, expires_at)
    VALUES (1, p_ns, p_id, 1, now() + v_window * interval '1 millisecond')
    ON CONFLICT (kind, ns, key) DO UPDATE SET
      count = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.count + 1 END,
      expires_at = CASE WHEN c.expires_at <= now() THEN excluded.expires_at ELSE c.expires_at END
    RETURNING c.count, c.expires_at INTO v_count, v_reset;
    rl_reset_ms := least(v_window, greatest(1, ceil(extract(epoch FROM v_reset - now()) * 1000)))::bigint;
    IF v_count > (v_rule->>'limit')::numeric THEN
      status := 'RATE_LIMITED';
      retry_ms := rl_reset_ms;
      rl_reset_ms := NULL;
      rl_limit := (v_rule->>'limit')::double precision;
      rl_window := (v_rule->>'windowMs')::double precision;
      RETURN;
    END IF;
    rl_count := v_count;
  END IF;
  v_max := (v_data->>'maxUses')::numeric;
  v_uses := coalesce((v_data->>'uses')::numeric, 0);
  IF v_max IS NOT NULL AND v_uses >= v_max THEN status := 'EXHAUSTED'; rl_count := NULL; rl_reset_ms := NULL; RETURN; END IF;
  IF p_subject IS NOT NULL AND EXISTS (
    SELECT 1 FROM "tokenkit".redeemers d WHERE d.ns = p_ns AND d.id = p_id AND d.subject = p_subject) THEN
    status := 'ALREADY_REDEEMED'; rl_count := NULL; rl_reset_ms := NULL; RETURN;
  END IF;
  IF v_data->>'email' IS NOT NULL AND v_data->>'email' IS DISTINCT FROM p_email THEN
    status := 'EMAIL_MISMATCH'; rl_count := NULL; rl_reset_ms := NULL; RETURN;
  END IF;
  status := 'OK';
  IF NOT v_counted THEN record := v_data; RETURN; END IF;
  v_data := jsonb_set(v_data, '{uses}', to_jsonb(v_uses + 1));
  IF p_subject IS NOT NULL THEN
    INSERT INTO "tokenkit".redeemers (ns, id, subject) VALUES (p_ns, p_id, p_subject);
  END IF;
  UPDATE "tokenkit".records r SET data = v_data,
    expires_at = CASE WHEN v_max IS NOT NULL AND v_uses + 1 >= v_max AND p_retain_ms IS NOT NULL
      THEN now() + greatest(0, p_retain_ms) * interval '1 millisecond' ELSE r.expires_at END
  WHERE r.ns = p_ns AND r.id = p_id;
  record := v_data;
END
$fn$;
COMMIT;
