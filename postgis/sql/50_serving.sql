-- Change counters for the serving caches (parkgis.serving): tiles, counts and extents
-- are cached per layer change version, read from public.layer_change.
-- Rebuilt after every migration: the triggers are re-attached to every table of public.

CREATE FUNCTION logic.bump_layer_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Statement level: one log row per statement, however many rows it touched.
    -- Insert-only: no row lock shared between concurrent writers.
    INSERT INTO public.layer_change (table_name) VALUES (TG_TABLE_NAME);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION logic.bump_layer_change() IS
  'AFTER ... FOR EACH STATEMENT: log a change of the table (cache invalidation)';

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT tablename FROM pg_tables
         WHERE schemaname = 'public'
           AND tablename NOT IN ('history', 'layer_change', 'alembic_version', 'spatial_ref_sys',
                                 'web_session')
    LOOP
        EXECUTE format(
            'CREATE TRIGGER bump_layer_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            'ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION logic.bump_layer_change()', t);
    END LOOP;
END
$$;

-- Tables a relation reads, through views (recursively): the change versions of a layer.
CREATE FUNCTION logic.relation_tables(rel regclass) RETURNS SETOF text LANGUAGE sql STABLE AS $$
    WITH RECURSIVE deps(oid) AS (
        SELECT rel::oid
        UNION
        SELECT d.refobjid
          FROM deps
          JOIN pg_rewrite r ON r.ev_class = deps.oid
          JOIN pg_depend d ON d.objid = r.oid
                          AND d.classid = 'pg_rewrite'::regclass
                          AND d.refclassid = 'pg_class'::regclass
         WHERE d.refobjid <> deps.oid
    )
    SELECT c.relname::text
      FROM deps
      JOIN pg_class c ON c.oid = deps.oid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'
$$;
COMMENT ON FUNCTION logic.relation_tables(regclass) IS
  'Base tables of schema public a table or view reads (views followed recursively)';

-- The change log only needs its newest row per table to tell versions apart, but it is
-- insert-only (no writer waits on a shared row), so it grows by one row per writing
-- statement. `parkgis db compact` (run it daily, e.g. from cron) keeps the newest row per
-- table: every version changes once (the count drops), so caches refill, never go stale.
CREATE FUNCTION logic.compact_layer_change() RETURNS bigint LANGUAGE sql AS $$
    WITH newest AS (
        SELECT table_name, max(id) AS id FROM public.layer_change GROUP BY table_name
    ), gone AS (
        DELETE FROM public.layer_change c USING newest n
         WHERE c.table_name = n.table_name AND c.id < n.id
        RETURNING 1
    )
    SELECT count(*) FROM gone
$$;
COMMENT ON FUNCTION logic.compact_layer_change() IS
  'Keep the newest layer_change row per table (parkgis db compact); returns rows removed';
