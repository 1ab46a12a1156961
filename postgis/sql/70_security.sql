-- Row-level security: the second wall around the court's case data (issue 9).
--
-- The first wall is parkgis itself: the layer catalogue's roles, fields and row filters
-- and the checks of parkgis.release, written into every query. This file makes the
-- database refuse the same rows on its own, so that a route that forgets a WHERE clause
-- still cannot show one court's cases to another court, a department the mortgages of a
-- case it has no task in, or anything of a case to the public.
--
-- How it works
--   * Requests run as the role parkgis_app (NOLOGIN, not the owner of any table):
--     api/deps.py get_conn does SET LOCAL ROLE parkgis_app and sets, transaction-local,
--     parkgis.role, parkgis.court and parkgis.department from the API key's user.
--   * The policies below read those settings, and what the caller's role may do from the
--     role table (its capability columns, migration 0006) through logic.app_can: no role
--     is named here, so a new role is a row of that table. Unset settings mean the public
--     role, which sees no row of the protected tables.
--   * The owner (the user parkgis connects as: migrations, the command line, the demo
--     loader, the authentication lookup of app_user) is not subject to the policies
--     (no FORCE ROW LEVEL SECURITY): administrators act as the owner.
--   * Settings are ordinary custom parameters: SQL running as parkgis_app could change
--     them. The wall stops queries that forget a predicate, not arbitrary SQL; CQL2,
--     property filters and every value are bound parameters (parkgis.serving).
--
-- Rebuilt after every migration (parkgis.db.rebuild_sql). The logic schema is dropped
-- with CASCADE first, which drops the policies that use its functions; everything
-- outside logic is written to be re-run: the role is created only when missing,
-- grants and ENABLE are idempotent, each policy is dropped (IF EXISTS) and recreated.
--
-- Without CREATEROLE (an external server whose administrator did not create the role)
-- the migration still succeeds: the role is not created, requests keep running as the
-- owner with the first wall only, and `parkgis db status` and /readyz report
-- row_security inactive with the reason (parkgis.db.row_security_status).

-- 1. The role ---------------------------------------------------------------------------

CREATE FUNCTION logic.ensure_app_role(role_name text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                           'NOBYPASSRLS', role_name);
        EXCEPTION
            -- Roles are cluster-wide: another database's migration created it meanwhile.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE '% cannot create role % (needs CREATEROLE): row-level security '
                             'stays inactive; an administrator can run: CREATE ROLE % NOLOGIN; '
                             'GRANT % TO %; then parkgis db migrate',
                             current_user, role_name, role_name, role_name, current_user;
                RETURN 'cannot create';
        END;
    END IF;
    -- The connecting user must be a member to SET ROLE (superusers always are).
    IF NOT pg_catalog.pg_has_role(current_user, role_name, 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT %I TO %I', role_name, current_user);
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- granted meanwhile
            WHEN insufficient_privilege THEN
                RAISE NOTICE '% cannot join role %: row-level security stays inactive; an '
                             'administrator can run: GRANT % TO %',
                             current_user, role_name, role_name, current_user;
                RETURN 'not a member';
        END;
    END IF;
    RETURN 'ready';
END
$$;
COMMENT ON FUNCTION logic.ensure_app_role(text) IS
  'Create the non-owner request role when missing and make the current user a member; '
  'returns ready, cannot create or not a member (never fails)';

SELECT logic.ensure_app_role('parkgis_app');

-- 2. The caller, as the API set it for this transaction ------------------------------

CREATE FUNCTION logic.app_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(current_setting('parkgis.role', true), ''), 'public')
$$;
COMMENT ON FUNCTION logic.app_role() IS
  'Role of the API user of this transaction (parkgis.role); public when unset';

CREATE FUNCTION logic.app_court() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('parkgis.court', true), '')
$$;
COMMENT ON FUNCTION logic.app_court() IS 'Court of a court-role API user (parkgis.court)';

CREATE FUNCTION logic.app_department() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('parkgis.department', true), '')
$$;
COMMENT ON FUNCTION logic.app_department() IS
  'Department code of a department-role API user (parkgis.department)';

-- What the caller's role may do: one capability column of the role table (migration 0006
-- documents them). An unknown role has none; an unknown capability is an error, so a typo
-- in a policy fails loudly instead of refusing silently. Policies call it as
-- (SELECT logic.app_can('...')), evaluated once per statement.
CREATE FUNCTION logic.app_can(capability text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    caps jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                    WHERE attrelid = 'public.role'::regclass AND attname = capability
                      AND atttypid = 'boolean'::regtype AND NOT attisdropped) THEN
        RAISE EXCEPTION 'unknown capability %', capability
            USING HINT = 'a boolean column of table role (migration 0006)';
    END IF;
    SELECT to_jsonb(r) INTO caps FROM public.role r WHERE r.code = logic.app_role();
    RETURN coalesce((caps ->> capability)::boolean, false);
END
$$;
COMMENT ON FUNCTION logic.app_can(text) IS
  'Whether the role of this transaction''s API user has a capability (a boolean column of role)';

CREATE FUNCTION logic.sees_all_cases() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT logic.app_can('sees_all_cases')
$$;
COMMENT ON FUNCTION logic.sees_all_cases() IS
  'Whether the caller''s role reads every case (role.sees_all_cases)';

-- The cases of a court or of a department, read as the owner: a policy of joint_task
-- that read bankruptcy_case under its own policy (and back) would recurse.
CREATE FUNCTION logic.scope_case_ids() RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN logic.app_can('court_scoped') THEN ARRAY(
            SELECT c.id FROM public.bankruptcy_case c WHERE c.court = logic.app_court())
        WHEN logic.app_can('department_scoped') THEN ARRAY(
            SELECT DISTINCT t.case_id FROM public.joint_task t
             WHERE t.department_code = logic.app_department())
        ELSE '{}'::bigint[]
    END
$$;
COMMENT ON FUNCTION logic.scope_case_ids() IS
  'Ids of the cases a court''s user (its court) or a department''s (it has a joint task) may see';

CREATE FUNCTION logic.scope_parcel_ids() RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY(SELECT DISTINCT cp.parcel_id FROM public.case_parcel cp
                  WHERE cp.case_id = ANY (logic.scope_case_ids()))
$$;
COMMENT ON FUNCTION logic.scope_parcel_ids() IS
  'Parcels of the cases in the caller''s scope (their encumbrances are visible to it)';

CREATE FUNCTION logic.scope_firm_ids() RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY(SELECT DISTINCT c.debtor_firm_id FROM public.bankruptcy_case c
                  WHERE c.id = ANY (logic.scope_case_ids()) AND c.debtor_firm_id IS NOT NULL)
$$;
COMMENT ON FUNCTION logic.scope_firm_ids() IS
  'Debtors of the cases in the caller''s scope (the firms a court or a department works on)';

-- A user of a court-scoped role belongs to one court, of a department-scoped role to one
-- department; no other user has a court (the role row says which, migration 0006).
CREATE FUNCTION logic.check_user_scope() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r public.role;
BEGIN
    SELECT * INTO r FROM public.role WHERE code = NEW.role;
    IF r.court_scoped IS DISTINCT FROM (NEW.court IS NOT NULL) THEN
        RAISE EXCEPTION 'user % of role %: a court is %', NEW.name, NEW.role,
            CASE WHEN r.court_scoped THEN 'required' ELSE 'not allowed' END
            USING ERRCODE = 'check_violation';
    END IF;
    IF r.department_scoped AND NEW.department_code IS NULL THEN
        RAISE EXCEPTION 'user % of role %: a department is required', NEW.name, NEW.role
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS app_user_scope ON public.app_user;
CREATE TRIGGER app_user_scope BEFORE INSERT OR UPDATE OF role, court, department_code
    ON public.app_user FOR EACH ROW EXECUTE FUNCTION logic.check_user_scope();

-- 3. The two sanctioned openings (SECURITY DEFINER, narrow) ---------------------------

-- A department or the land bureau closing a joint task moves the case's expected release
-- date (parkgis.release.pipeline.refresh_expected_release), but may not update the case
-- row: this writes that one column, for a case in the caller's scope. Called outside a
-- SET ROLE (the owner: command line, demo) it writes any case.
CREATE FUNCTION logic.set_expected_release(target bigint, release_on date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('role') <> 'none'
       AND NOT (logic.app_can('manages_tasks') OR target = ANY (logic.scope_case_ids())) THEN
        RAISE EXCEPTION 'case % is outside the scope of role %', target, logic.app_role()
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'row-level security policy of bankruptcy_case (postgis/sql/70_security.sql)';
    END IF;
    UPDATE public.bankruptcy_case SET expected_release_on = release_on WHERE id = target;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION logic.set_expected_release(bigint, date) IS
  'Write bankruptcy_case.expected_release_on for a case in the caller''s scope';

-- The public release pipeline (/release/pipeline) says when estate land is expected back
-- on the market: a parcel and a date, never the case, its court, debtor or creditors.
CREATE FUNCTION logic.case_release_dates()
RETURNS TABLE (parcel_id bigint, expected_release_on date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT cp.parcel_id, min(c.expected_release_on)
      FROM public.case_parcel cp
      JOIN public.bankruptcy_case c ON c.id = cp.case_id
      JOIN public.parcel p ON p.id = cp.parcel_id
     WHERE c.stage <> 'closed' AND p.status <> 'released'
     GROUP BY cp.parcel_id
$$;
COMMENT ON FUNCTION logic.case_release_dates() IS
  'Parcels of open cases and their expected release date (nothing else of the case)';

-- 4. Policies ------------------------------------------------------------------------
-- No TO clause: they bind every role but the owner (and superusers), so a restore into a
-- cluster without parkgis_app still succeeds. Permissive policies of one command are OR-ed.

-- Cases: read by the roles that read every case and in the caller's scope; written by the
-- roles that write cases, each within what it reads (a court: its own court's cases).
ALTER TABLE public.bankruptcy_case ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS scope_read ON public.bankruptcy_case;
DROP POLICY IF EXISTS scope_insert ON public.bankruptcy_case;
DROP POLICY IF EXISTS scope_update ON public.bankruptcy_case;
DROP POLICY IF EXISTS scope_delete ON public.bankruptcy_case;
CREATE POLICY scope_read ON public.bankruptcy_case FOR SELECT USING (
    (SELECT logic.app_can('sees_all_cases'))
    OR ((SELECT logic.app_can('court_scoped')) AND court = logic.app_court())
    OR ((SELECT logic.app_can('department_scoped'))
        AND id = ANY ((SELECT logic.scope_case_ids())::bigint[])));
CREATE POLICY scope_insert ON public.bankruptcy_case FOR INSERT WITH CHECK (
    (SELECT logic.app_can('writes_cases'))
    AND ((SELECT logic.app_can('sees_all_cases'))
         OR ((SELECT logic.app_can('court_scoped')) AND court = logic.app_court())));
CREATE POLICY scope_update ON public.bankruptcy_case FOR UPDATE USING (
    (SELECT logic.app_can('writes_cases'))
    AND ((SELECT logic.app_can('sees_all_cases'))
         OR ((SELECT logic.app_can('court_scoped')) AND court = logic.app_court())))
    WITH CHECK (
    (SELECT logic.app_can('writes_cases'))
    AND ((SELECT logic.app_can('sees_all_cases'))
         OR ((SELECT logic.app_can('court_scoped')) AND court = logic.app_court())));
CREATE POLICY scope_delete ON public.bankruptcy_case FOR DELETE USING (
    (SELECT logic.app_can('writes_cases'))
    AND ((SELECT logic.app_can('sees_all_cases'))
         OR ((SELECT logic.app_can('court_scoped')) AND court = logic.app_court())));

-- Rows of a case: read in the case's scope, written by the roles that write cases within it.
DO $$
DECLARE
    t text;
    read_rule CONSTANT text :=
        '(SELECT logic.app_can(''sees_all_cases'')) '
        'OR case_id = ANY ((SELECT logic.scope_case_ids())::bigint[])';
    write_rule CONSTANT text :=
        '(SELECT logic.app_can(''writes_cases'')) AND ((SELECT logic.app_can(''sees_all_cases'')) '
        'OR case_id = ANY ((SELECT logic.scope_case_ids())::bigint[]))';
BEGIN
    FOREACH t IN ARRAY ARRAY['case_event', 'case_parcel', 'auction'] LOOP
        EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS scope_read ON public.%I', t);
        EXECUTE format('DROP POLICY IF EXISTS scope_insert ON public.%I', t);
        EXECUTE format('DROP POLICY IF EXISTS scope_update ON public.%I', t);
        EXECUTE format('DROP POLICY IF EXISTS scope_delete ON public.%I', t);
        EXECUTE format('CREATE POLICY scope_read ON public.%I FOR SELECT USING (%s)', t, read_rule);
        EXECUTE format('CREATE POLICY scope_insert ON public.%I FOR INSERT WITH CHECK (%s)',
                       t, write_rule);
        EXECUTE format('CREATE POLICY scope_update ON public.%I FOR UPDATE USING (%s) '
                       'WITH CHECK (%s)', t, write_rule, write_rule);
        EXECUTE format('CREATE POLICY scope_delete ON public.%I FOR DELETE USING (%s)',
                       t, write_rule);
    END LOOP;
END
$$;

-- Joint tasks: read in the case's scope (a department sees the other tasks of its cases,
-- as in the dossier); written by the roles that manage tasks (imports, their own tasks)
-- and those that write the case; a department's role updates only its own department's
-- tasks and cannot hand them on.
ALTER TABLE public.joint_task ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS scope_read ON public.joint_task;
DROP POLICY IF EXISTS scope_insert ON public.joint_task;
DROP POLICY IF EXISTS scope_update ON public.joint_task;
DROP POLICY IF EXISTS department_update ON public.joint_task;
DROP POLICY IF EXISTS scope_delete ON public.joint_task;
CREATE POLICY scope_read ON public.joint_task FOR SELECT USING (
    (SELECT logic.app_can('sees_all_cases'))
    OR case_id = ANY ((SELECT logic.scope_case_ids())::bigint[]));
CREATE POLICY scope_insert ON public.joint_task FOR INSERT WITH CHECK (
    (SELECT logic.app_can('manages_tasks'))
    OR ((SELECT logic.app_can('writes_cases'))
        AND case_id = ANY ((SELECT logic.scope_case_ids())::bigint[])));
CREATE POLICY scope_update ON public.joint_task FOR UPDATE USING (
    (SELECT logic.app_can('manages_tasks'))
    OR ((SELECT logic.app_can('writes_cases'))
        AND case_id = ANY ((SELECT logic.scope_case_ids())::bigint[])))
    WITH CHECK (
    (SELECT logic.app_can('manages_tasks'))
    OR ((SELECT logic.app_can('writes_cases'))
        AND case_id = ANY ((SELECT logic.scope_case_ids())::bigint[])));
CREATE POLICY department_update ON public.joint_task FOR UPDATE USING (
    (SELECT logic.app_can('department_scoped')) AND department_code = logic.app_department())
    WITH CHECK (
    (SELECT logic.app_can('department_scoped')) AND department_code = logic.app_department());
CREATE POLICY scope_delete ON public.joint_task FOR DELETE USING (
    (SELECT logic.app_can('manages_tasks'))
    OR ((SELECT logic.app_can('writes_cases'))
        AND case_id = ANY ((SELECT logic.scope_case_ids())::bigint[])));

-- Encumbrances (mortgage holders and amounts, seizures): every one for the roles that read
-- all cases; for a court's or a department's role those on the parcels of its cases, and
-- for a court's its own seizures. Written by the roles that write encumbrances (the
-- registrar, imports); a court's role that writes cases writes only seizures it holds.
ALTER TABLE public.encumbrance ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS scope_read ON public.encumbrance;
DROP POLICY IF EXISTS scope_insert ON public.encumbrance;
DROP POLICY IF EXISTS scope_update ON public.encumbrance;
DROP POLICY IF EXISTS scope_delete ON public.encumbrance;
CREATE POLICY scope_read ON public.encumbrance FOR SELECT USING (
    (SELECT logic.app_can('sees_all_cases'))
    OR parcel_id = ANY ((SELECT logic.scope_parcel_ids())::bigint[])
    OR ((SELECT logic.app_can('court_scoped')) AND kind = 'seizure'
        AND holder = logic.app_court()));
CREATE POLICY scope_insert ON public.encumbrance FOR INSERT WITH CHECK (
    (SELECT logic.app_can('writes_encumbrances'))
    OR ((SELECT logic.app_can('court_scoped')) AND (SELECT logic.app_can('writes_cases'))
        AND kind = 'seizure' AND holder = logic.app_court()));
CREATE POLICY scope_update ON public.encumbrance FOR UPDATE USING (
    (SELECT logic.app_can('writes_encumbrances'))
    OR ((SELECT logic.app_can('court_scoped')) AND (SELECT logic.app_can('writes_cases'))
        AND kind = 'seizure' AND holder = logic.app_court()))
    WITH CHECK (
    (SELECT logic.app_can('writes_encumbrances'))
    OR ((SELECT logic.app_can('court_scoped')) AND (SELECT logic.app_can('writes_cases'))
        AND kind = 'seizure' AND holder = logic.app_court()));
CREATE POLICY scope_delete ON public.encumbrance FOR DELETE USING (
    (SELECT logic.app_can('writes_encumbrances'))
    OR ((SELECT logic.app_can('court_scoped')) AND (SELECT logic.app_can('writes_cases'))
        AND kind = 'seizure' AND holder = logic.app_court()));

-- History holds the before and after of every row, case data included: the history of
-- the protected tables is read by the roles that read every case (users' by the roles
-- that administer); requests append (the history triggers run as the caller) and never
-- rewrite it.
ALTER TABLE public.history ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS scope_read ON public.history;
DROP POLICY IF EXISTS append ON public.history;
CREATE POLICY scope_read ON public.history FOR SELECT USING (
    table_name <> ALL (ARRAY['bankruptcy_case', 'case_event', 'case_parcel', 'auction',
                             'joint_task', 'encumbrance', 'app_user'])
    OR (SELECT logic.app_can('administers'))
    OR ((SELECT logic.app_can('sees_all_cases')) AND table_name <> 'app_user'));
CREATE POLICY append ON public.history FOR INSERT WITH CHECK (true);

-- 5. Grants ----------------------------------------------------------------------------
-- Everything of schemas public and logic that is not an extension's (PostGIS keeps its
-- own), minus: app_user and web_session (API keys and sign-in sessions: read by the
-- owner's authentication connection only),
-- writes to history (append only) and to alembic_version.

DO $$
DECLARE
    r record;
BEGIN
    IF to_regrole('parkgis_app') IS NULL THEN
        RAISE NOTICE 'role parkgis_app does not exist: no grants (row-level security inactive)';
        RETURN;
    END IF;
    GRANT USAGE ON SCHEMA public, logic TO parkgis_app;
    FOR r IN
        SELECT c.oid::regclass AS rel, c.relkind
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('public', 'logic')
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                            WHERE d.classid = 'pg_catalog.pg_class'::regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO parkgis_app', r.rel);
        ELSIF r.relkind IN ('v', 'm') THEN
            EXECUTE format('GRANT SELECT ON %s TO parkgis_app', r.rel);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO parkgis_app', r.rel);
        END IF;
    END LOOP;
    REVOKE ALL ON public.app_user FROM parkgis_app;
    IF to_regclass('public.web_session') IS NOT NULL THEN
        REVOKE ALL ON public.web_session FROM parkgis_app;
    END IF;
    -- The roles' capabilities decide what the policies let through: read, never written.
    REVOKE INSERT, UPDATE, DELETE ON public.role FROM parkgis_app;
    REVOKE UPDATE, DELETE ON public.history FROM parkgis_app;
    REVOKE INSERT, UPDATE, DELETE ON public.alembic_version FROM parkgis_app;
    REVOKE INSERT, UPDATE, DELETE ON public.court FROM parkgis_app;  -- the court code list
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA logic TO parkgis_app;
    -- Imports stage rows in a temporary table (parkgis.ingest.load); PUBLIC has TEMP by
    -- default, but a server may have revoked it.
    BEGIN
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO parkgis_app', current_database());
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot grant TEMPORARY on database % to parkgis_app', current_database();
    END;
END
$$;

-- Functions that run as the owner: for the owner and the request role only.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'logic' AND p.prosecdef
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
