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
-- an EXISTS over unnest() cost ~5x more per verification.
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

-- The record as the Store contract returns it: a record that tracks redeemers
-- ('usedBy' key present) gets them from the redeemers table, in redeem order.
CREATE OR REPLACE FUNCTION "tokenkit".with_redeemers(p_ns text, p_id text, p_data jsonb) RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
  SELECT CASE WHEN jsonb_typeof(p_data->'usedBy') = 'array' THEN jsonb_set(p_data, '{usedBy}', coalesce(
    (SELECT jsonb_agg(d.subject ORDER BY d.seq) FROM "tokenkit".redeemers d WHERE d.ns = p_ns AND d.id = p_id), '[]'::jsonb))
  ELSE p_data END
$fn$;

-- put: write a record (only if absent or expired when p_if_absent); its
-- 'usedBy' array goes to the redeemers table.
CREATE OR REPLACE FUNCTION "tokenkit".put(p_ns text, p_id text, p_data jsonb, p_ttl_ms double precision, p_if_absent boolean)
RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
  v_used jsonb := p_data->'usedBy';
  v_expires timestamptz := CASE WHEN p_ttl_ms IS NULL THEN NULL ELSE now() + greatest(0, p_ttl_ms) * interval '1 millisecond' END;
  v_inserted boolean;
BEGIN
  IF jsonb_typeof(v_used) = 'array' THEN p_data := jsonb_set(p_data, '{usedBy}', '[]'::jsonb); END IF;
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
  IF jsonb_typeof(v_used) = 'array' AND jsonb_array_length(v_used) > 0 THEN
    INSERT INTO "tokenkit".redeemers (ns, id, subject)
    SELECT p_ns, p_id, e.value FROM jsonb_array_elements_text(v_used) WITH ORDINALITY AS e(value, n) ORDER BY e.n
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN true;
END
$fn$;

-- update: merge p_patch into a live record (dropping p_drop keys) in one
-- UPDATE; p_ttl_mode 0 keeps the TTL, 1 sets p_ttl_ms, 2 removes it.
CREATE OR REPLACE FUNCTION "tokenkit".update(p_ns text, p_id text, p_patch jsonb, p_drop text[], p_ttl_mode integer, p_ttl_ms double precision)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  v_used jsonb := p_patch->'usedBy';
  v_data jsonb;
BEGIN
  IF jsonb_typeof(v_used) = 'array' THEN p_patch := jsonb_set(p_patch, '{usedBy}', '[]'::jsonb); END IF;
  UPDATE "tokenkit".records r SET data = (r.data - p_drop) || p_patch,
    expires_at = CASE p_ttl_mode WHEN 0 THEN r.expires_at
      WHEN 1 THEN now() + greatest(0, p_ttl_ms) * interval '1 millisecond' ELSE NULL END
  WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now())
  RETURNING r.data INTO v_data;
  IF NOT FOUND THEN RETURN NULL; END IF;
  IF v_used IS NOT NULL THEN
    DELETE FROM "tokenkit".redeemers WHERE ns = p_ns AND id = p_id;
    IF jsonb_typeof(v_used) = 'array' THEN
      INSERT INTO "tokenkit".redeemers (ns, id, subject)
      SELECT p_ns, p_id, e.value FROM jsonb_array_elements_text(v_used) WITH ORDINALITY AS e(value, n) ORDER BY e.n
      ON CONFLICT DO NOTHING;
    END IF;
  END IF;
  RETURN "tokenkit".with_redeemers(p_ns, p_id, v_data);
END
$fn$;

-- consume: delete a live record whose hash matches; of concurrent callers the
-- first DELETE wins and the others find no row. An expired record is deleted
-- too and reported as EXPIRED.
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
-- order hash, revokedAt, expiresAt, scopes, rate limit (counts the attempt),
-- maxUses, subject, email; a counted use locks the row (FOR UPDATE) before
-- its checks, so concurrent uses queue on it and never overspend. OUT
-- parameters and plain assignments (no RETURN QUERY): an unmetered
-- verification runs one cached index lookup and a few simple expressions.
CREATE OR REPLACE FUNCTION "tokenkit".use(p_ns text, p_id text, p_hashes text[], p_now double precision, p_scopes text[],
  p_subject text, p_email text, p_retain_ms double precision, OUT status text, OUT retry_ms bigint, OUT record jsonb)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_data jsonb;
  v_counted boolean;
  v_rule jsonb;
  v_window double precision;
  v_count bigint;
  v_reset timestamptz;
  v_max numeric;
  v_uses numeric;
BEGIN
  SELECT r.data INTO v_data FROM "tokenkit".records r WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now());
  IF NOT FOUND OR NOT "tokenkit".hash_matches(v_data, p_hashes) THEN status := 'NOT_FOUND'; RETURN; END IF;
  v_counted := p_subject IS NOT NULL OR v_data->>'maxUses' IS NOT NULL;
  IF v_counted THEN
    SELECT r.data INTO v_data FROM "tokenkit".records r WHERE r.ns = p_ns AND r.id = p_id AND (r.expires_at IS NULL OR r.expires_at > now()) FOR UPDATE;
    IF NOT FOUND OR NOT "tokenkit".hash_matches(v_data, p_hashes) THEN status := 'NOT_FOUND'; RETURN; END IF;
    v_counted := p_subject IS NOT NULL OR v_data->>'maxUses' IS NOT NULL;
  END IF;
  IF v_data->>'revokedAt' IS NOT NULL THEN status := 'REVOKED'; RETURN; END IF;
  IF v_data->>'expiresAt' IS NOT NULL AND p_now >= (v_data->>'expiresAt')::double precision THEN
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
    IF v_count > (v_rule->>'limit')::numeric THEN
      status := 'RATE_LIMITED';
      retry_ms := greatest(1, ceil(extract(epoch FROM v_reset - now()) * 1000))::bigint;
      RETURN;
    END IF;
  END IF;
  v_max := (v_data->>'maxUses')::numeric;
  v_uses := coalesce((v_data->>'uses')::numeric, 0);
  IF v_max IS NOT NULL AND v_uses >= v_max THEN status := 'EXHAUSTED'; RETURN; END IF;
  IF p_subject IS NOT NULL AND EXISTS (
    SELECT 1 FROM "tokenkit".redeemers d WHERE d.ns = p_ns AND d.id = p_id AND d.subject = p_subject) THEN
    status := 'ALREADY_REDEEMED'; RETURN;
  END IF;
  IF v_data->>'email' IS NOT NULL AND v_data->>'email' IS DISTINCT FROM p_email THEN
    status := 'EMAIL_MISMATCH'; RETURN;
  END IF;
  status := 'OK';
  IF NOT v_counted THEN record := v_data; RETURN; END IF;
  v_data := jsonb_set(v_data, '{uses}', to_jsonb(v_uses + 1));
  IF p_subject IS NOT NULL THEN
    INSERT INTO "tokenkit".redeemers (ns, id, subject) VALUES (p_ns, p_id, p_subject);
    IF jsonb_typeof(v_data->'usedBy') IS DISTINCT FROM 'array' THEN v_data := v_data || '{"usedBy": []}'::jsonb; END IF;
  END IF;
  UPDATE "tokenkit".records r SET data = v_data,
    expires_at = CASE WHEN v_max IS NOT NULL AND v_uses + 1 >= v_max AND p_retain_ms IS NOT NULL
      THEN now() + greatest(0, p_retain_ms) * interval '1 millisecond' ELSE r.expires_at END
  WHERE r.ns = p_ns AND r.id = p_id;
  record := CASE WHEN p_subject IS NULL THEN v_data ELSE "tokenkit".with_redeemers(p_ns, p_id, v_data) END;
END
$fn$;
COMMIT;
