-- Row versions and the history of every change to a core table.
-- Rebuilt after every migration (parkgis.db.rebuild_sql): the logic schema is dropped
-- with CASCADE, so this file re-attaches the triggers to every core table.

CREATE FUNCTION logic.actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('parkgis.actor', true), ''), session_user::text)
$$;
COMMENT ON FUNCTION logic.actor() IS 'The acting user: the API sets parkgis.actor per request, else the DB user';

CREATE FUNCTION logic.bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Generated columns are not yet computed in NEW: compare without them (TG_ARGV).
    IF (to_jsonb(NEW) - coalesce(TG_ARGV, '{}'::text[]) - 'version' - 'updated_at')
       IS DISTINCT FROM (to_jsonb(OLD) - coalesce(TG_ARGV, '{}'::text[]) - 'version' - 'updated_at') THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION logic.bump_version() IS
  'Optimistic concurrency: every real update increments version; TG_ARGV = generated columns';

CREATE FUNCTION logic.record_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    key_of_r text;
    key_of_n text;
    same_key text;
BEGIN
    -- One INSERT ... SELECT per statement over the transition tables: a bulk load of
    -- 100 000 rows writes its history in one pass instead of 100 000 trigger calls.
    SELECT string_agg(format('%L, r.%I', c, c), ', '),
           string_agg(format('%L, n.%I', c, c), ', '),
           string_agg(format('o.%I = n.%I', c, c), ' AND ')
      INTO key_of_r, key_of_n, same_key
      FROM unnest(TG_ARGV) AS c;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format(
            'INSERT INTO public.history (table_name, row_key, op, actor, before, after) '
            'SELECT %L, jsonb_build_object(%s), ''INSERT'', logic.actor(), NULL, '
            'to_jsonb(r) - ''key_hash'' FROM new_rows r', TG_TABLE_NAME, key_of_r);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format(
            'INSERT INTO public.history (table_name, row_key, op, actor, before, after) '
            'SELECT %L, jsonb_build_object(%s), ''DELETE'', logic.actor(), '
            'to_jsonb(r) - ''key_hash'', NULL FROM old_rows r', TG_TABLE_NAME, key_of_r);
    ELSE
        EXECUTE format(
            'INSERT INTO public.history (table_name, row_key, op, actor, before, after) '
            'SELECT %L, jsonb_build_object(%s), ''UPDATE'', logic.actor(), b, a '
            'FROM (SELECT n.*, to_jsonb(o) - ''key_hash'' AS b, to_jsonb(n) - ''key_hash'' AS a '
            '      FROM old_rows o JOIN new_rows n ON %s) AS n '
            'WHERE b IS DISTINCT FROM a', TG_TABLE_NAME, key_of_n, same_key);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION logic.record_history() IS
  'AFTER ... FOR EACH STATEMENT with transition tables: one history row per changed row; '
  'TG_ARGV = key columns';

-- The tracked tables come from the layer catalogue (history = true in layers/*.toml and
-- layers/_tables.toml): parkgis.db.rebuild_sql writes them into logic.history_table
-- before this file runs, so a table is tracked by saying so once, in the catalogue.
DO $$
DECLARE
    tracked record;
    args text;
    generated text;
BEGIN
    FOR tracked IN SELECT table_name, key_columns FROM logic.history_table ORDER BY table_name LOOP
        SELECT string_agg(quote_literal(c), ', ') INTO args
          FROM unnest(tracked.key_columns) AS c;
        SELECT coalesce(string_agg(quote_literal(attname), ', '), '') INTO generated
          FROM pg_attribute
         WHERE attrelid = format('public.%I', tracked.table_name)::regclass AND attgenerated <> '';
        EXECUTE format(
            'CREATE TRIGGER bump_version BEFORE UPDATE ON public.%I '
            'FOR EACH ROW EXECUTE FUNCTION logic.bump_version(%s)', tracked.table_name, generated);
        -- PostgreSQL allows transition tables on single-event triggers only: three triggers.
        EXECUTE format(
            'CREATE TRIGGER record_history AFTER INSERT ON public.%I REFERENCING NEW TABLE AS '
            'new_rows FOR EACH STATEMENT EXECUTE FUNCTION logic.record_history(%s)',
            tracked.table_name, args);
        EXECUTE format(
            'CREATE TRIGGER record_history_update AFTER UPDATE ON public.%I REFERENCING OLD '
            'TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT '
            'EXECUTE FUNCTION logic.record_history(%s)', tracked.table_name, args);
        EXECUTE format(
            'CREATE TRIGGER record_history_delete AFTER DELETE ON public.%I REFERENCING OLD '
            'TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION logic.record_history(%s)',
            tracked.table_name, args);
    END LOOP;
END
$$;

CREATE VIEW logic.tracked_tables AS
    SELECT DISTINCT c.relname::text AS table_name
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE t.tgname = 'record_history' AND NOT t.tgisinternal;
