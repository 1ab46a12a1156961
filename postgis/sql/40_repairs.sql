-- Drainage repairs (parkgis.repairs): the latest assessment of each pipe segment and the
-- triggers that mark an assessment stale when its inputs change.
--
-- The CJJ 181-2012 computation has ONE implementation, in Python (parkgis.repairs.cjj181),
-- called by every write path of parkgis.repairs. These triggers make any other writer
-- (imports, psql, the demo loader) safe: a change to a defect, or to the segment's
-- diameter, soil class, area class or geometry, sets inspection.assessed_at = NULL, and
-- `parkgis repairs assess` (parkgis.repairs.assess.assess_all) recomputes stale rows.

-- Statement-level triggers with transition tables: one UPDATE per statement however
-- many defects it wrote (a row-level trigger would fire the statement triggers of
-- inspection once per defect, which made bulk loads quadratic).
CREATE FUNCTION logic.mark_inspection_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE public.inspection SET assessed_at = NULL
         WHERE id IN (SELECT inspection_id FROM new_rows) AND assessed_at IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE public.inspection SET assessed_at = NULL
         WHERE id IN (SELECT inspection_id FROM new_rows
                      UNION SELECT inspection_id FROM old_rows) AND assessed_at IS NOT NULL;
    ELSE
        UPDATE public.inspection SET assessed_at = NULL
         WHERE id IN (SELECT inspection_id FROM old_rows) AND assessed_at IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION logic.mark_inspection_stale() IS
  'Defects changed: their inspections'' CJJ 181 assessments are stale (assessed_at = NULL)';

CREATE TRIGGER mark_inspection_stale_ins AFTER INSERT ON public.defect
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION logic.mark_inspection_stale();
CREATE TRIGGER mark_inspection_stale_upd AFTER UPDATE ON public.defect
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION logic.mark_inspection_stale();
CREATE TRIGGER mark_inspection_stale_del AFTER DELETE ON public.defect
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION logic.mark_inspection_stale();

CREATE FUNCTION logic.mark_segment_inspections_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.inspection i SET assessed_at = NULL
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE i.pipe_segment_id = n.id AND i.assessed_at IS NOT NULL
       AND (n.diameter_mm, n.soil_class, n.area_class, n.length_m)
           IS DISTINCT FROM (o.diameter_mm, o.soil_class, o.area_class, o.length_m);
    RETURN NULL;
END
$$;

CREATE TRIGGER mark_segment_inspections_stale AFTER UPDATE ON public.pipe_segment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION logic.mark_segment_inspections_stale();

-- The CJJ 181-2012 assessment columns of an inspection are written by one function only.
--
-- Design (issue 14 item 15): the computation is Python (parkgis.repairs.cjj181); its only
-- write path is logic.store_assessment(jsonb), called at top level by
-- parkgis.repairs.assess._store. The guard trigger accepts a change to a computed column
-- only when the outermost frame of the call stack (PG_CONTEXT) is that function. A session
-- flag (set_config) was the alternative, rejected: any client can set it, and a flag left
-- on at session level lets every later hand UPDATE through. The call stack cannot be
-- forged: a hand UPDATE, a DO block or another function shows up as its own outermost
-- frame, and only the owner of the logic schema can create a function of that name. It
-- does not stop a caller who runs logic.store_assessment itself with made-up numbers:
-- that is the assessment's write path, and the role grants are its wall.
-- Setting assessed_at to NULL (stale, by the triggers above) stays allowed.
CREATE FUNCTION logic.store_assessment(results jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    stored integer;
BEGIN
    UPDATE public.inspection i
       SET s_score = v.s_score, smax_score = v.smax_score, f_score = v.f_score,
           sm_density = v.sm_density, structural_grade = v.structural_grade,
           y_score = v.y_score, ymax_score = v.ymax_score, g_score = v.g_score,
           functional_grade = v.functional_grade, k_score = v.k_score, e_score = v.e_score,
           t_score = v.t_score, ri = v.ri, ri_grade = v.ri_grade, mi = v.mi,
           mi_grade = v.mi_grade, assessed_at = now()
      FROM jsonb_to_recordset(results) AS v(
           id bigint, s_score numeric, smax_score numeric, f_score numeric,
           sm_density numeric, structural_grade smallint, y_score numeric, ymax_score numeric,
           g_score numeric, functional_grade smallint, k_score numeric, e_score numeric,
           t_score numeric, ri numeric, ri_grade smallint, mi numeric, mi_grade smallint)
     WHERE i.id = v.id;
    GET DIAGNOSTICS stored = ROW_COUNT;
    RETURN stored;
END
$$;
COMMENT ON FUNCTION logic.store_assessment(jsonb) IS
  'The only writer of the CJJ 181 columns of inspection (parkgis.repairs.assess); one object per inspection';

CREATE FUNCTION logic.guard_assessment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stack text;
    typed boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        typed := num_nonnulls(
            NEW.s_score, NEW.smax_score, NEW.f_score, NEW.sm_density, NEW.structural_grade,
            NEW.y_score, NEW.ymax_score, NEW.g_score, NEW.functional_grade, NEW.k_score,
            NEW.e_score, NEW.t_score, NEW.ri, NEW.ri_grade, NEW.mi, NEW.mi_grade,
            NEW.assessed_at) > 0;
    ELSE
        typed := ROW(NEW.s_score, NEW.smax_score, NEW.f_score, NEW.sm_density,
                     NEW.structural_grade, NEW.y_score, NEW.ymax_score, NEW.g_score,
                     NEW.functional_grade, NEW.k_score, NEW.e_score, NEW.t_score, NEW.ri,
                     NEW.ri_grade, NEW.mi, NEW.mi_grade)
                 IS DISTINCT FROM
                 ROW(OLD.s_score, OLD.smax_score, OLD.f_score, OLD.sm_density,
                     OLD.structural_grade, OLD.y_score, OLD.ymax_score, OLD.g_score,
                     OLD.functional_grade, OLD.k_score, OLD.e_score, OLD.t_score, OLD.ri,
                     OLD.ri_grade, OLD.mi, OLD.mi_grade)
              OR (NEW.assessed_at IS NOT NULL AND NEW.assessed_at IS DISTINCT FROM OLD.assessed_at);
    END IF;
    IF typed THEN
        GET DIAGNOSTICS stack = PG_CONTEXT;
        -- The last line is the outermost frame.
        IF regexp_replace(stack, '^.*\n', '') NOT LIKE
           'PL/pgSQL function logic.store_assessment(jsonb) line % at SQL statement' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'check_violation',
                CONSTRAINT = 'inspection_assessment_computed',
                MESSAGE = format(
                    '检测记录 %s 的 CJJ 181-2012 评估结果（S、F、Y、G 分值，RI、MI 及其等级）'
                    '由 parkgis repairs assess 计算，不能手工填写或修改 / inspection %s: the '
                    'CJJ 181-2012 assessment (S, F, Y, G scores, RI, MI and their grades) is '
                    'computed by parkgis repairs assess, never typed in', NEW.id, NEW.id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION logic.guard_assessment() IS
  'Refuses a CJJ 181 column written outside logic.store_assessment (see the design note above)';

CREATE TRIGGER guard_assessment BEFORE INSERT OR UPDATE ON public.inspection
    FOR EACH ROW EXECUTE FUNCTION logic.guard_assessment();

CREATE VIEW logic.pipe_assessment AS
SELECT DISTINCT ON (i.pipe_segment_id) i.*
  FROM public.inspection i
 ORDER BY i.pipe_segment_id, i.inspected_on DESC, i.id DESC;
COMMENT ON VIEW logic.pipe_assessment IS
  'The latest inspection of each pipe segment with its CJJ 181 assessment (parkgis.repairs)';

CREATE VIEW logic.pipes AS
SELECT s.id, s.zone_code, s.code, s.system, s.from_manhole_id, s.to_manhole_id,
       s.diameter_mm, s.material, s.up_invert_level_m, s.down_invert_level_m, s.length_m,
       s.year_built, s.soil_class, s.area_class, s.road_segment_id,
       li.inspected_on, li.structural_grade, li.functional_grade, li.f_score, li.g_score,
       li.sm_density, li.ri, li.ri_grade, li.mi, li.mi_grade,
       (li.id IS NOT NULL AND li.assessed_at IS NULL) AS assessment_stale,
       s.geom
  FROM public.pipe_segment s
  LEFT JOIN LATERAL (
        SELECT i.* FROM public.inspection i
         WHERE i.pipe_segment_id = s.id
         ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1) li ON true;
COMMENT ON VIEW logic.pipes IS
  'Pipe segments with the CJJ 181-2012 grades, RI and MI of their latest inspection (infrastructure map)';
