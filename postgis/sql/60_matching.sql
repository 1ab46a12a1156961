-- Investor-site matching (issue 5): per-site facts that need slow spatial joins, kept in a
-- materialized view so a match is one indexed query plus scoring (parkgis.matching).
--
-- Freshness: statement-level triggers on every layer the facts read mark them stale;
-- parkgis.matching.refresh_site_facts(conn) refreshes them, and every match refreshes
-- first when they are stale. Imports may call refresh_site_facts after a load so the
-- next match does not pay for it. Distances that are rules (frontage, radius) live in
-- parkgis/rules/matching.toml and are copied into logic.matching_params at each refresh.

CREATE TABLE logic.matching_params (
    -- No defaults: every value is written from the rules by logic.refresh_site_facts before
    -- the facts are computed (one number, one place: the TOML).
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    neighbour_radius_m double precision,
    neighbour_sample integer,
    -- Two units on one floor are adjacent within this gap (m) between outlines.
    unit_gap_max_m double precision,
    -- Parcel statuses that are candidates (on offer now or in the release pipeline).
    offer_statuses text[],
    -- A downstream segment of this RI grade or worse blocks hand-over (repairs.toml
    -- [land_unlock] blocking_ri_grade).
    blocking_ri_grade smallint,
    -- Road frontage ([cjj36] of parkgis/rules/repairs.toml, logic.road_frontage_m).
    frontage_tolerance_m double precision,
    default_road_width_m double precision,
    -- The widest reach of any road (written at each refresh): the index bound of the search.
    frontage_reach_max_m double precision,
    -- Industrial wastewater ([matching.wastewater]): connection systems that may take it,
    -- and how near a treatment plant (poi 'wwtp') the sewer's outfall must lie.
    industrial_sewer_systems text[],
    treatment_outfall_max_m double precision
);
INSERT INTO logic.matching_params DEFAULT VALUES;
COMMENT ON TABLE logic.matching_params IS
  'Copy of the rules the facts need (parkgis/rules/matching.toml), written before each refresh';

-- The one frontage rule (DOMAIN §8; parkgis.repairs.roads and the site facts both use it):
-- a site fronts a road when it lies within half the road's width (its red line, around
-- the stored centre line) plus a tolerance of the road's centre line. The width defaults
-- when the road has none. Inlined by the planner, so ST_DWithin keeps its index.
CREATE FUNCTION logic.road_frontage_m(
    width_m numeric, default_width_m double precision, tolerance_m double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(width_m::float8, default_width_m) / 2.0 + tolerance_m
$$;
COMMENT ON FUNCTION logic.road_frontage_m(numeric, double precision, double precision) IS
  'Distance from a road centre line within which a site fronts it: width / 2 + tolerance';

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

-- Only changes the facts depend on mark them stale: geometry, holders, service manholes,
-- the networks, the points of interest and firms' industries. Status, price and the
-- legal burdens (encumbrances, bankruptcy cases) are read live or kept in
-- logic.site_offer row by row, so everyday edits never force a full refresh.
DO $$
DECLARE
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        ['parcel', 'geom, holder_firm_id, storm_manhole_id, sewage_manhole_id'],
        ['building', 'geom, parcel_id'],
        ['road_segment', ''], ['manhole', ''], ['pipe_segment', ''], ['inspection', ''],
        ['poi', ''], ['firm', 'industry_code'],
        -- Unit outlines (logic.unit_adjacency); a unit's status or rent is not a fact.
        ['building_unit', 'geom, building_id, floor'],
        -- Code lists the offer rows and the visitors' row filters read (rarely edited).
        ['land_use', ''], ['land_status', ''], ['fire_hazard_class', '']] LOOP
        EXECUTE format(
            'CREATE TRIGGER site_facts_stale AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE%s '
            'ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION logic.mark_site_facts_stale()',
            CASE WHEN spec[2] = '' THEN '' ELSE ' OF ' || spec[2] END, spec[1]);
    END LOOP;
END
$$;

CREATE MATERIALIZED VIEW logic.site_facts AS
WITH sites AS (
    SELECT 'parcel'::text AS site_kind, p.id AS site_id, p.id AS parcel_id, p.geom::geometry AS geom,
           p.storm_manhole_id, p.sewage_manhole_id
      FROM public.parcel p
    UNION ALL
    -- A building's access, frontage and drainage are those of the parcel it stands on
    -- (its outline, set back from the parcel's edge, fronts nothing); the outline only
    -- where no parcel holds it.
    SELECT 'building', b.id, coalesce(b.parcel_id, host.id), coalesce(hp.geom, b.geom)::geometry,
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
           -- Reaches an outfall at a treatment plant (the plant's inlet).
           bool_or(dm.is_outfall AND EXISTS (
               SELECT 1 FROM public.poi t
                WHERE t.kind = 'wwtp'
                  AND ST_DWithin(t.geom, dm.geom,
                                 (SELECT treatment_outfall_max_m FROM logic.matching_params))))
               AS reaches_treatment,
           count(l.ri_grade) AS inspected,
           max(l.ri_grade) AS worst_grade,
           coalesce(jsonb_agg(jsonb_build_object(
               'id', ps.id, 'code', ps.code, 'system', ps.system, 'ri', l.ri,
               'ri_grade', l.ri_grade, 'length_m', ps.length_m, 'diameter_mm', ps.diameter_mm,
               'inspected_on', l.inspected_on) ORDER BY ps.id)
               FILTER (WHERE l.ri_grade >= (SELECT blocking_ri_grade FROM logic.matching_params)),
               '[]'::jsonb) AS bad_segments
      FROM walk wk
      JOIN public.pipe_segment ps ON ps.id = wk.seg_id
      JOIN public.manhole dm ON dm.id = ps.to_manhole_id
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
       -- Industrial wastewater: a connection of an accepted system whose sewer reaches a
       -- treatment plant (NULL: no sewer connection at all).
       (SELECT m.system = ANY (prm.industrial_sewer_systems) AND coalesce(dw.reaches_treatment, false)
          FROM public.manhole m WHERE m.id = s.sewage_mh) AS sewer_takes_industrial,
       ds.worst_grade AS storm_worst_grade,
       ds.inspected AS storm_inspected,
       dw.worst_grade AS sewage_worst_grade,
       dw.inspected AS sewage_inspected,
       coalesce(ds.bad_segments, '[]'::jsonb) || coalesce(dw.bad_segments, '[]'::jsonb)
           AS bad_segments,
       coalesce(nb.divisions, '{}'::jsonb) AS neighbour_divisions
  FROM served s
  CROSS JOIN logic.matching_params prm
  LEFT JOIN LATERAL (
        -- The nearest complete road the site fronts (none: no access, NULL distance).
        SELECT r.id, ST_Distance(r.geom, s.geom) AS dist
          FROM public.road_segment r JOIN public.road_status rs ON rs.code = r.status
         WHERE rs.gives_access
           AND ST_DWithin(r.geom, s.geom, prm.frontage_reach_max_m)
           AND ST_DWithin(r.geom, s.geom, logic.road_frontage_m(
                   r.width_m, prm.default_road_width_m, prm.frontage_tolerance_m))
         ORDER BY r.geom <-> s.geom LIMIT 1) acc ON true
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
-- Sites with neighbours of one industry division (the same-chain score of a match).
CREATE INDEX site_facts_neighbour_divisions_idx ON logic.site_facts USING gin (neighbour_divisions);
COMMENT ON MATERIALIZED VIEW logic.site_facts IS
  'Per parcel and building: road access and distances, downstream drainage state (worst '
  'CJJ 181 RI grade to the outfall), neighbouring industries (legal burdens are read live)';

-- Parcels sharing a boundary, with the shared length (m): the adjacency the matching
-- engine walks to offer adjacent parcels together when one alone is too small.
CREATE MATERIALIZED VIEW logic.parcel_adjacency AS
WITH pairs AS (
    SELECT a.id AS a_id, b.id AS b_id,
           ST_Length(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))) AS shared_m
      FROM public.parcel a
      JOIN public.parcel b ON b.id > a.id AND ST_Intersects(a.geom, b.geom)
)
SELECT a_id AS parcel_id, b_id AS other_id, shared_m FROM pairs WHERE shared_m > 0
UNION ALL
SELECT b_id, a_id, shared_m FROM pairs WHERE shared_m > 0
WITH NO DATA;
CREATE UNIQUE INDEX parcel_adjacency_key ON logic.parcel_adjacency (parcel_id, other_id);
COMMENT ON MATERIALIZED VIEW logic.parcel_adjacency IS
  'Pairs of parcels sharing a boundary line and its length in m (both directions)';

-- Units on one floor of one building whose outlines lie within the rule's gap (a shared
-- wall or a corridor apart): the members of adjacent-unit combinations.
CREATE MATERIALIZED VIEW logic.unit_adjacency AS
SELECT a.id AS unit_id, b.id AS other_id
  FROM public.building_unit a
  JOIN public.building_unit b
    ON b.building_id = a.building_id AND b.floor = a.floor AND b.id <> a.id
 WHERE ST_DWithin(a.geom, b.geom, (SELECT unit_gap_max_m FROM logic.matching_params))
WITH NO DATA;
CREATE UNIQUE INDEX unit_adjacency_key ON logic.unit_adjacency (unit_id, other_id);
COMMENT ON MATERIALIZED VIEW logic.unit_adjacency IS
  'Pairs of units on one floor within matching_params.unit_gap_max_m (both directions)';

-- The bankruptcy case whose estate holds a parcel now (the latest open one), read live.
-- security_invoker: a request sees only the cases its role may see (row-level security).
CREATE VIEW logic.parcel_estate_case WITH (security_invoker = true) AS
SELECT DISTINCT ON (cp.parcel_id)
       cp.parcel_id, c.id AS case_id, c.case_no, c.stage AS case_stage,
       st.label_zh AS case_stage_zh, st.label_en AS case_stage_en,
       c.expected_release_on AS case_expected_release_on, c.court AS case_court
  FROM public.case_parcel cp
  JOIN public.bankruptcy_case c ON c.id = cp.case_id AND c.stage <> 'closed'
  JOIN public.case_stage st ON st.code = c.stage
  JOIN public.parcel p ON p.id = cp.parcel_id
  LEFT JOIN public.tenure tn ON tn.code = p.tenure
 WHERE coalesce(tn.in_bankruptcy_estate, true)
 ORDER BY cp.parcel_id, c.applied_on DESC, c.id DESC;

-- Every single candidate site (parcels of the offer statuses, vacant units of complete
-- buildings, complete buildings with every unit vacant) with the figures a match checks
-- and scores, independent of any enquiry. logic.site_offer keeps these rows: rebuilt
-- with the facts and kept current row by row by the triggers below, so a match scans
-- one narrow table instead of joining the layers.
CREATE VIEW logic.site_offer_source AS
SELECT 'parcel'::text AS kind, p.id AS site_id, p.plot_no AS label,
       p.zone_code, p.area_mu::float8 AS area_mu, p.area_m2::float8 AS area_m2,
       p.land_use_code, lu.industrial_class::int AS industrial_class, lu.is_industrial,
       lu.code LIKE '1101%' AS is_logistics,
       coalesce(p.permitted_industries, '{}') AS permitted,
       p.list_price_yuan_per_mu::float8 AS price_yuan_per_mu,
       NULL::float8 AS rent_yuan_m2_month, NULL::float8 AS floor_load_kn_m2,
       NULL::float8 AS clear_height_m, NULL::float8 AS column_grid_m, NULL::float8 AS crane_t,
       NULL::float8 AS freight_lift_t, p.power_capacity_kva::float8 AS power_kva,
       NULL::int AS fire_rank, NULL::text AS fire_class, NULL::int AS storeys,
       NULL::int AS min_floor, p.plot_ratio_max::float8 AS plot_ratio_max, p.status,
       NULL::date AS vacant_from,
       -- What the expected return depends on (parkgis.release.returns computes it).
       rs.agreed_start_on, rs.supplied_on, rs.actual_start_on, rs.work_stopped_on,
       rs.developed_share, rs.invested_share, rs.allocated, rs.government_cause, rs.in_case,
       rs.case_release_on,
       f.access_road_dist_m, f.arterial_dist_m, f.highway_dist_m, f.rail_dist_m,
       f.sewage_dist_m, f.storm_worst_grade, f.sewage_worst_grade,
       f.storm_inspected::int AS storm_inspected, f.sewage_inspected::int AS sewage_inspected,
       f.sewer_takes_industrial,
       'parcel'::text AS facts_kind, ARRAY[p.id] AS facts_ids,
       -- Units only: vacant units on the same floor and the largest of them (combinations).
       NULL::int AS floor_vacant, NULL::float8 AS floor_largest_m2
  FROM public.parcel p
  JOIN public.land_use lu ON lu.code = p.land_use_code
  LEFT JOIN logic.site_facts f ON f.site_kind = 'parcel' AND f.site_id = p.id
  JOIN logic.parcel_return_source rs ON rs.parcel_id = p.id
 WHERE p.status = ANY (CAST((SELECT offer_statuses FROM logic.matching_params) AS text[]))
UNION ALL
SELECT 'unit', u.id, u.code, u.zone_code, NULL::float8, u.area_m2::float8,
       hp.land_use_code, lu.industrial_class::int, lu.is_industrial, lu.code LIKE '1101%',
       coalesce(hp.permitted_industries, '{}'), NULL::float8,
       u.rent_yuan_m2_month::float8,
       u.floor_load_kn_m2::float8, u.clear_height_m::float8,
       least(u.column_grid_x_m, u.column_grid_y_m)::float8, u.crane_t::float8,
       u.freight_lift_t::float8, u.power_kva::float8, fc.hazard_rank::int, b.design_fire_class,
       b.storeys::int, u.floor::int, NULL::float8, u.status, u.vacant_from,
       NULL::date, NULL::date, NULL::date, NULL::date, NULL::float8, NULL::float8,
       NULL::boolean, NULL::boolean, NULL::boolean, NULL::date,
       f.access_road_dist_m, f.arterial_dist_m, f.highway_dist_m, f.rail_dist_m,
       f.sewage_dist_m, f.storm_worst_grade, f.sewage_worst_grade, f.storm_inspected::int,
       f.sewage_inspected::int, f.sewer_takes_industrial,
       'building', ARRAY[b.id], fl.vacant::int, fl.largest
  FROM public.building_unit u
  JOIN public.building b ON b.id = u.building_id AND b.status = 'complete'
  JOIN public.fire_hazard_class fc ON fc.code = b.design_fire_class
  CROSS JOIN LATERAL (
        SELECT count(*) AS vacant, max(v.area_m2)::float8 AS largest
          FROM public.building_unit v
         WHERE v.building_id = u.building_id AND v.floor = u.floor AND v.status = 'vacant') fl
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id
  LEFT JOIN public.parcel hp ON hp.id = f.parcel_id
  LEFT JOIN public.land_use lu ON lu.code = hp.land_use_code
 WHERE u.status = 'vacant'
UNION ALL
SELECT 'building', b.id, b.code, b.zone_code, NULL::float8,
       b.total_floor_area_m2::float8, hp.land_use_code, lu.industrial_class::int,
       lu.is_industrial, lu.code LIKE '1101%',
       coalesce(hp.permitted_industries, '{}'), NULL::float8, x.rent,
       x.load, x.height, x.grid, x.crane, x.lift, x.power, fc.hazard_rank::int,
       b.design_fire_class, b.storeys::int, x.min_floor, NULL::float8, 'vacant', x.vacant_from,
       NULL::date, NULL::date, NULL::date, NULL::date, NULL::float8, NULL::float8,
       NULL::boolean, NULL::boolean, NULL::boolean, NULL::date,
       f.access_road_dist_m, f.arterial_dist_m, f.highway_dist_m, f.rail_dist_m,
       f.sewage_dist_m, f.storm_worst_grade, f.sewage_worst_grade, f.storm_inspected::int,
       f.sewage_inspected::int, f.sewer_takes_industrial,
       'building', ARRAY[b.id], NULL::int, NULL::float8
  FROM public.building b
  JOIN public.fire_hazard_class fc ON fc.code = b.design_fire_class
  JOIN LATERAL (
        -- The weakest floor counts; rent weighted by area.
        SELECT sum(u.rent_yuan_m2_month * u.area_m2)::float8 / sum(u.area_m2)::float8 AS rent,
               min(u.floor_load_kn_m2)::float8 AS load, min(u.clear_height_m)::float8 AS height,
               min(least(u.column_grid_x_m, u.column_grid_y_m))::float8 AS grid,
               max(u.crane_t)::float8 AS crane, max(u.freight_lift_t)::float8 AS lift,
               sum(u.power_kva)::float8 AS power, min(u.floor)::int AS min_floor,
               max(u.vacant_from) AS vacant_from, bool_and(u.status = 'vacant') AS all_vacant
          FROM public.building_unit u WHERE u.building_id = b.id) x ON x.all_vacant
  LEFT JOIN logic.site_facts f ON f.site_kind = 'building' AND f.site_id = b.id
  LEFT JOIN public.parcel hp ON hp.id = f.parcel_id
  LEFT JOIN public.land_use lu ON lu.code = hp.land_use_code
 WHERE b.status = 'complete';

CREATE TABLE logic.site_offer AS SELECT * FROM logic.site_offer_source WITH NO DATA;
ALTER TABLE logic.site_offer ADD PRIMARY KEY (kind, site_id);
-- The transaction that wrote each row: a reader that copied the offer at snapshot S reads
-- back only the rows S could not see (parkgis.matching.offer; the PgQ way of following a
-- table without locks).
ALTER TABLE logic.site_offer ADD COLUMN written_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX site_offer_written_idx ON logic.site_offer (written_xid);
-- Rows the triggers removed (also those written again at once), stamped the same way.
CREATE TABLE logic.site_offer_gone (
    kind text NOT NULL,
    site_id bigint NOT NULL,
    written_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX site_offer_gone_written_idx ON logic.site_offer_gone (written_xid);
COMMENT ON TABLE logic.site_offer_gone IS
  'Offer rows removed by logic.sync_site_offer since the last full rebuild (readers follow it)';
-- A new generation at each full rebuild: copies of an older generation are reloaded whole.
CREATE TABLE logic.site_offer_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    generation uuid NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO logic.site_offer_state DEFAULT VALUES;

-- parkgis db compact: empty the removal log. Copies that might still need it are of the
-- old generation, so the next match of every worker copies the offer whole again.
CREATE FUNCTION logic.compact_site_offer_gone() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
BEGIN
    DELETE FROM logic.site_offer_gone;
    GET DIAGNOSTICS removed = ROW_COUNT;
    IF removed > 0 THEN
        UPDATE logic.site_offer_state SET generation = gen_random_uuid();
    END IF;
    RETURN removed;
END
$$;
COMMENT ON FUNCTION logic.compact_site_offer_gone() IS
  'Empty logic.site_offer_gone and start a new offer generation (parkgis db compact)';
COMMENT ON TABLE logic.site_offer IS
  'Candidate sites with their match figures (logic.site_offer_source), kept current by triggers';

-- Recompute the offer rows of the given parcels, buildings and units, and of everything
-- that depends on them (buildings on a parcel take its land use; a building's row
-- depends on all its units). Owner rights: it must see every case to date a release.
CREATE FUNCTION logic.sync_site_offer(parcels bigint[], buildings bigint[], units bigint[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, logic, pg_temp AS $$
DECLARE
    bld bigint[];
    unt bigint[];
BEGIN
    IF NOT (SELECT relispopulated FROM pg_class WHERE oid = 'logic.site_facts'::regclass) THEN
        RETURN;  -- the first refresh builds the whole offer
    END IF;
    bld := coalesce(buildings, '{}')
        || coalesce((SELECT array_agg(b.id) FROM building b WHERE b.parcel_id = ANY (parcels)), '{}')
        || coalesce((SELECT array_agg(f.site_id) FROM logic.site_facts f
                      WHERE f.site_kind = 'building' AND f.parcel_id = ANY (parcels)), '{}')
        || coalesce((SELECT array_agg(u.building_id) FROM building_unit u
                      WHERE u.id = ANY (units)), '{}');
    unt := coalesce(units, '{}')
        || coalesce((SELECT array_agg(u.id) FROM building_unit u WHERE u.building_id = ANY (bld)),
                    '{}');
    WITH gone AS (
        DELETE FROM logic.site_offer o
         WHERE (o.kind = 'parcel' AND o.site_id = ANY (parcels))
            OR (o.kind = 'building' AND o.site_id = ANY (bld))
            OR (o.kind = 'unit' AND o.site_id = ANY (unt))
        RETURNING o.kind, o.site_id)
    INSERT INTO logic.site_offer_gone (kind, site_id) SELECT kind, site_id FROM gone;
    INSERT INTO logic.site_offer
    SELECT * FROM logic.site_offer_source s
     WHERE (s.kind = 'parcel' AND s.site_id = ANY (parcels))
        OR (s.kind = 'building' AND s.site_id = ANY (bld))
        OR (s.kind = 'unit' AND s.site_id = ANY (unt));
END
$$;

-- Statement triggers: collect the ids a statement touched (old and new rows) and sync.
-- TG_ARGV[0]: which id the table gives (parcel | building | unit | case_parcel | case).
CREATE FUNCTION logic.site_offer_changed() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, logic, pg_temp AS $$
DECLARE
    ids bigint[];
    extra bigint[] := '{}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(%s) FROM new_rows', TG_ARGV[1]) INTO ids;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(%s) FROM old_rows', TG_ARGV[1]) INTO ids;
    ELSE
        EXECUTE format('SELECT array_agg(x) FROM (SELECT %1$s AS x FROM new_rows UNION '
                       'SELECT %1$s FROM old_rows) y', TG_ARGV[1]) INTO ids;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'parcel' THEN
        PERFORM logic.sync_site_offer(ids, '{}', '{}');
    ELSIF TG_ARGV[0] = 'building' THEN
        PERFORM logic.sync_site_offer('{}', ids, '{}');
    ELSIF TG_ARGV[0] = 'unit' THEN
        IF TG_OP <> 'INSERT' THEN  -- a deleted unit's building is found from the old rows
            SELECT array_agg(building_id) INTO extra FROM old_rows;
        END IF;
        PERFORM logic.sync_site_offer('{}', coalesce(extra, '{}'), ids);
    ELSIF TG_ARGV[0] = 'case' THEN
        SELECT array_agg(cp.parcel_id) INTO extra FROM public.case_parcel cp
         WHERE cp.case_id = ANY (ids);
        PERFORM logic.sync_site_offer(coalesce(extra, '{}'), '{}', '{}');
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    spec text[];
BEGIN
    FOREACH spec SLICE 1 IN ARRAY ARRAY[
        ['parcel', 'parcel', 'id'], ['building', 'building', 'id'],
        ['building_unit', 'unit', 'id'], ['case_parcel', 'parcel', 'parcel_id'],
        ['bankruptcy_case', 'case', 'id']] LOOP
        EXECUTE format('CREATE TRIGGER site_offer_insert AFTER INSERT ON public.%I '
                       'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION logic.site_offer_changed(%L, %L)',
                       spec[1], spec[2], spec[3]);
        EXECUTE format('CREATE TRIGGER site_offer_update AFTER UPDATE ON public.%I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION logic.site_offer_changed(%L, %L)',
                       spec[1], spec[2], spec[3]);
        EXECUTE format('CREATE TRIGGER site_offer_delete AFTER DELETE ON public.%I '
                       'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT '
                       'EXECUTE FUNCTION logic.site_offer_changed(%L, %L)',
                       spec[1], spec[2], spec[3]);
    END LOOP;
END
$$;

-- The refresh, run as the owner of the views (SECURITY DEFINER) so requests that run as the
-- non-owner application role can bring the facts up to date before a match.
CREATE FUNCTION logic.refresh_site_facts(
    radius_m double precision, sample integer, statuses text[], unit_gap_m double precision,
    blocking_grade smallint, frontage_tolerance double precision,
    default_width double precision, sewer_systems text[], treatment_outfall_m double precision)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, logic, pg_temp AS $$
BEGIN
    UPDATE logic.matching_params
       SET neighbour_radius_m = radius_m, neighbour_sample = sample, offer_statuses = statuses,
           unit_gap_max_m = unit_gap_m, blocking_ri_grade = blocking_grade,
           frontage_tolerance_m = frontage_tolerance, default_road_width_m = default_width,
           frontage_reach_max_m = (
               SELECT coalesce(max(logic.road_frontage_m(r.width_m, default_width,
                                                         frontage_tolerance)),
                               logic.road_frontage_m(NULL, default_width, frontage_tolerance))
                 FROM road_segment r),
           industrial_sewer_systems = sewer_systems,
           treatment_outfall_max_m = treatment_outfall_m;
    IF (SELECT relispopulated FROM pg_class WHERE oid = 'logic.site_facts'::regclass) THEN
        REFRESH MATERIALIZED VIEW CONCURRENTLY logic.site_facts;
        REFRESH MATERIALIZED VIEW CONCURRENTLY logic.parcel_adjacency;
        REFRESH MATERIALIZED VIEW CONCURRENTLY logic.unit_adjacency;
    ELSE
        REFRESH MATERIALIZED VIEW logic.site_facts;
        REFRESH MATERIALIZED VIEW logic.parcel_adjacency;
        REFRESH MATERIALIZED VIEW logic.unit_adjacency;
    END IF;
    -- TRUNCATE, not DELETE: a rebuild must not leave a table of dead rows to scan.
    TRUNCATE logic.site_offer, logic.site_offer_gone;
    INSERT INTO logic.site_offer SELECT * FROM logic.site_offer_source;
    UPDATE logic.site_offer_state SET generation = gen_random_uuid();
    ANALYZE logic.site_offer;
    UPDATE logic.site_facts_state SET stale = false, refreshed_at = now();
END
$$;
COMMENT ON FUNCTION logic.refresh_site_facts(double precision, integer, text[], double precision,
                                             smallint, double precision, double precision,
                                             text[], double precision) IS
  'Refresh logic.site_facts and the adjacency views, rebuild logic.site_offer';
