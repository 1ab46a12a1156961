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

-- A computed column typed in by hand is refused: only parkgis.repairs (which sets
-- parkgis.assessing for its transaction) may write assessed_at.
CREATE FUNCTION logic.guard_assessment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.assessed_at IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.assessed_at IS DISTINCT FROM OLD.assessed_at)
       AND coalesce(current_setting('parkgis.assessing', true), '') <> 'on' THEN
        RAISE EXCEPTION 'inspection % : CJJ 181 scores are computed by parkgis repairs assess, never typed in', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

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
