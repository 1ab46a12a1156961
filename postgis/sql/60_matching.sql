-- Investor-site matching (issue 5): per-site facts that need slow spatial joins, kept in a
-- materialized view so a match is one indexed query plus scoring (parkgis.matching).
--
-- Freshness: statement-level triggers on every layer the facts read mark them stale;
-- parkgis.matching.refresh_site_facts(conn) refreshes them, and every match refreshes
-- first when they are stale. Imports may call refresh_site_facts after a load so the
-- next match does not pay for it. Distances that are rules (frontage, radius) live in
-- parkgis/rules/matching.toml and are copied into logic.matching_params at each refresh.

CREATE TABLE logic.matching_params (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    neighbour_radius_m double precision NOT NULL DEFAULT 1000,
    neighbour_sample integer NOT NULL DEFAULT 50
);
INSERT INTO logic.matching_params DEFAULT VALUES;
COMMENT ON TABLE logic.matching_params IS
  'Copy of the rules the facts need (parkgis/rules/matching.toml), written before each refresh';

CREATE AGGREGATE logic.jsonb_concat_agg(jsonb) (
    SFUNC = jsonb_concat, STYPE = jsonb, INITCOND = '[]'
);
COMMENT ON AGGREGATE logic.jsonb_concat_agg(jsonb) IS 'Concatenate jsonb arrays (facts of combined sites)';

CREATE TABLE logic.site_facts_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    stale boolean NOT NULL DEFAULT true,
    refreshed_at timestamptz
);
INSERT INTO logic.site_facts_state DEFAULT VALUES;

CREATE FUNCTION logic.mark_site_facts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- WHERE NOT stale: an already-stale flag takes no row lock, so concurrent writers
    -- do not queue behind each other here.
    UPDATE logic.site_facts_state SET stale = true WHERE NOT stale;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['parcel', 'building', 'road_segment', 'manhole', 'pipe_segment',
                             'inspection', 'encumbrance', 'bankruptcy_case', 'case_parcel',
                             'joint_task', 'poi', 'firm'] LOOP
        EXECUTE format(
            'CREATE TRIGGER site_facts_stale AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
            'ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION logic.mark_site_facts_stale()', t);
    END LOOP;
END
$$;

CREATE MATERIALIZED VIEW logic.site_facts AS
WITH sites AS (
    SELECT 'parcel'::text AS site_kind, p.id AS site_id, p.id AS parcel_id, p.geom::geometry AS geom,
           p.storm_manhole_id, p.sewage_manhole_id
      FROM public.parcel p
    UNION ALL
    SELECT 'building', b.id, coalesce(b.parcel_id, host.id), b.geom::geometry,
           hp.storm_manhole_id, hp.sewage_manhole_id
      FROM public.building b
      LEFT JOIN LATERAL (
            SELECT p.id FROM public.parcel p
             WHERE b.parcel_id IS NULL AND ST_Intersects(p.geom, ST_PointOnSurface(b.geom))
             LIMIT 1) host ON true
      LEFT JOIN public.parcel hp ON hp.id = coalesce(b.parcel_id, host.id)
),
served AS (
    SELECT s.*,
           coalesce(s.storm_manhole_id, (
               SELECT m.id FROM public.manhole m WHERE m.system IN ('storm', 'combined')
                ORDER BY m.geom <-> s.geom LIMIT 1)) AS storm_mh,
           coalesce(s.sewage_manhole_id, (
               SELECT m.id FROM public.manhole m WHERE m.system IN ('sewage', 'combined')
                ORDER BY m.geom <-> s.geom LIMIT 1)) AS sewage_mh
      FROM sites s
),
latest AS (
    SELECT DISTINCT ON (i.pipe_segment_id) i.pipe_segment_id, i.ri, i.ri_grade, i.inspected_on
      FROM public.inspection i
     WHERE i.ri_grade IS NOT NULL
     ORDER BY i.pipe_segment_id, i.inspected_on DESC, i.id DESC
),
-- Walk down the pipe graph (from_manhole_id -> to_manhole_id) from every service manhole
-- to the outfall. A depth cap, not a path array, stops cycles in badly digitised networks
-- (loops are reported by `parkgis network check`): a path array costs length squared per
-- start, which does not scale to 100 000 parcels.
walk AS MATERIALIZED (
    WITH RECURSIVE w(start_id, manhole_id, seg_id, depth) AS (
        SELECT m.id, m.id, NULL::bigint, 0
          FROM public.manhole m
         WHERE m.id IN (SELECT storm_mh FROM served UNION SELECT sewage_mh FROM served)
        UNION ALL
        SELECT w.start_id, ps.to_manhole_id, ps.id, w.depth + 1
          FROM w
          JOIN public.manhole cur ON cur.id = w.manhole_id AND NOT cur.is_outfall
          JOIN public.pipe_segment ps ON ps.from_manhole_id = w.manhole_id
         WHERE w.depth < 2000
    )
    SELECT DISTINCT start_id, seg_id FROM w WHERE seg_id IS NOT NULL
),
downstream AS (
    SELECT wk.start_id,
           count(*) AS segments,
           count(l.ri_grade) AS inspected,
           max(l.ri_grade) AS worst_grade,
           coalesce(jsonb_agg(jsonb_build_object(
               'id', ps.id, 'code', ps.code, 'system', ps.system, 'ri', l.ri,
               'ri_grade', l.ri_grade, 'length_m', ps.length_m, 'diameter_mm', ps.diameter_mm,
               'inspected_on', l.inspected_on) ORDER BY ps.id)
               FILTER (WHERE l.ri_grade >= 3), '[]'::jsonb) AS bad_segments
      FROM walk wk
      JOIN public.pipe_segment ps ON ps.id = wk.seg_id
      LEFT JOIN latest l ON l.pipe_segment_id = ps.id
     GROUP BY wk.start_id
)
SELECT s.site_kind,
       s.site_id,
       s.parcel_id,
       acc.id AS access_road_id,
       acc.dist AS access_road_dist_m,
       nr.id AS nearest_road_id,
       nr.code AS nearest_road_code,
       nr.name AS nearest_road_name,
       nr.status AS nearest_road_status,
       nr.planned_completion_on AS nearest_road_planned_on,
       nr.dist AS nearest_road_dist_m,
       art.dist AS arterial_dist_m,
       hw.dist AS highway_dist_m,
       rl.dist AS rail_dist_m,
       s.storm_mh AS storm_manhole_id,
       s.sewage_mh AS sewage_manhole_id,
       (SELECT ST_Distance(m.geom, s.geom) FROM public.manhole m WHERE m.id = s.sewage_mh)
           AS sewage_dist_m,
       ds.worst_grade AS storm_worst_grade,
       ds.inspected AS storm_inspected,
       dw.worst_grade AS sewage_worst_grade,
       dw.inspected AS sewage_inspected,
       coalesce(ds.bad_segments, '[]'::jsonb) || coalesce(dw.bad_segments, '[]'::jsonb)
           AS bad_segments,
       coalesce(enc.items, '[]'::jsonb) AS encumbrances,
       bc.id AS case_id,
       bc.case_no,
       bc.stage AS case_stage,
       bc.stage_zh AS case_stage_zh,
       bc.stage_en AS case_stage_en,
       bc.expected_release_on AS case_expected_release_on,
       coalesce(bc.open_tasks, '[]'::jsonb) AS case_open_tasks,
       coalesce(nb.divisions, '{}'::jsonb) AS neighbour_divisions
  FROM served s
  CROSS JOIN logic.matching_params prm
  LEFT JOIN LATERAL (
        SELECT r.id, ST_Distance(r.geom, s.geom) AS dist
          FROM public.road_segment r JOIN public.road_status rs ON rs.code = r.status
         WHERE rs.gives_access ORDER BY r.geom <-> s.geom LIMIT 1) acc ON true
  LEFT JOIN LATERAL (
        SELECT r.id, r.code, r.name, r.status, r.planned_completion_on,
               ST_Distance(r.geom, s.geom) AS dist
          FROM public.road_segment r ORDER BY r.geom <-> s.geom LIMIT 1) nr ON true
  LEFT JOIN LATERAL (
        SELECT ST_Distance(r.geom, s.geom) AS dist
          FROM public.road_segment r JOIN public.road_status rs ON rs.code = r.status
         WHERE r.road_class = 'arterial' AND rs.gives_access
         ORDER BY r.geom <-> s.geom LIMIT 1) art ON true
  LEFT JOIN LATERAL (
        SELECT ST_Distance(p.geom, s.geom) AS dist FROM public.poi p
         WHERE p.kind = 'highway_entrance' ORDER BY p.geom <-> s.geom LIMIT 1) hw ON true
  LEFT JOIN LATERAL (
        SELECT ST_Distance(p.geom, s.geom) AS dist FROM public.poi p
         WHERE p.kind = 'rail_siding' ORDER BY p.geom <-> s.geom LIMIT 1) rl ON true
  LEFT JOIN downstream ds ON ds.start_id = s.storm_mh
  LEFT JOIN downstream dw ON dw.start_id = s.sewage_mh
  LEFT JOIN LATERAL (
        SELECT jsonb_agg(jsonb_build_object(
                   'id', e.id, 'kind', e.kind, 'holder', e.holder, 'reference_no', e.reference_no,
                   'amount_yuan', e.amount_yuan, 'registered_on', e.registered_on)
                   ORDER BY e.registered_on, e.id) AS items
          FROM public.encumbrance e
         WHERE e.parcel_id = s.parcel_id AND NOT e.lifted) enc ON true
  LEFT JOIN LATERAL (
        SELECT c.id, c.case_no, c.stage, st.label_zh AS stage_zh, st.label_en AS stage_en,
               c.expected_release_on,
               (SELECT jsonb_agg(jsonb_build_object(
                           'id', t.id, 'kind', t.kind, 'title', t.title,
                           'department_code', t.department_code, 'department_zh', d.label_zh,
                           'deadline_on', t.deadline_on, 'blocks_stage', t.blocks_stage)
                           ORDER BY t.deadline_on, t.id)
                  FROM public.joint_task t
                  JOIN public.task_status ts ON ts.code = t.status AND ts.is_open
                  JOIN public.department d ON d.code = t.department_code
                 WHERE t.case_id = c.id) AS open_tasks
          FROM public.case_parcel cp
          JOIN public.bankruptcy_case c ON c.id = cp.case_id AND c.stage <> 'closed'
          JOIN public.case_stage st ON st.code = c.stage
          JOIN public.parcel p ON p.id = cp.parcel_id
          LEFT JOIN public.tenure tn ON tn.code = p.tenure
         WHERE cp.parcel_id = s.parcel_id AND coalesce(tn.in_bankruptcy_estate, true)
         ORDER BY c.applied_on DESC, c.id DESC LIMIT 1) bc ON true
  LEFT JOIN LATERAL (
        -- Among the nearest held parcels within the radius (at most neighbour_sample of
        -- them, found by the GiST index in distance order): bounded work per site.
        SELECT jsonb_object_agg(div, n) AS divisions
          FROM (SELECT substr(f.industry_code, 1, 3) AS div, count(DISTINCT f.id) AS n
                  FROM (SELECT o.holder_firm_id
                          FROM public.parcel o
                         WHERE o.holder_firm_id IS NOT NULL
                           AND ST_DWithin(o.geom, s.geom, prm.neighbour_radius_m)
                           AND o.id IS DISTINCT FROM s.parcel_id
                         ORDER BY o.geom <-> s.geom
                         LIMIT prm.neighbour_sample) near
                  JOIN public.firm f ON f.id = near.holder_firm_id
                 WHERE f.industry_code ~ '^[A-T][0-9]{2}'
                 GROUP BY 1) x) nb ON true
WITH NO DATA;

CREATE UNIQUE INDEX site_facts_key ON logic.site_facts (site_kind, site_id);
CREATE INDEX site_facts_parcel_idx ON logic.site_facts (parcel_id);
COMMENT ON MATERIALIZED VIEW logic.site_facts IS
  'Per parcel and building: road access and distances, downstream drainage state (worst '
  'CJJ 181 RI grade to the outfall), open encumbrances, bankruptcy case, neighbouring industries';
