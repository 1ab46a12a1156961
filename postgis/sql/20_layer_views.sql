-- Views that are layers of the catalogue (layers/idle_land.toml, layers/cases.toml).
-- parkgis.release owns their logic; rebuilt after every migration.
-- security_invoker: a view reads its tables with the rights of the caller, so the
-- row-level security of postgis/sql/70_security.sql applies through it (a plain view
-- would read them as its owner, who is not subject to the policies).

CREATE VIEW logic.idle_land WITH (security_invoker = true) AS
SELECT p.id,
       p.zone_code,
       p.plot_no,
       p.parcel_code,
       p.status,
       p.land_use_code,
       p.area_m2,
       p.area_mu,
       p.holder_firm_id,
       f.name AS holder_name,
       p.agreed_start_on,
       p.actual_start_on,
       p.idle_since,
       p.government_cause,
       p.land_price_yuan,
       p.geom
  FROM public.parcel p
  LEFT JOIN public.firm f ON f.id = p.holder_firm_id
 WHERE p.status IN (SELECT code FROM public.land_status WHERE is_locked);
COMMENT ON VIEW logic.idle_land IS 'Locked land: idle (MLR Order 53), inefficient, bankruptcy estate';

CREATE VIEW logic.case_parcels WITH (security_invoker = true) AS
SELECT cp.id,
       c.id AS case_id,
       c.zone_code,
       c.case_no,
       c.application_no,
       c.court,
       c.procedure,
       c.stage,
       c.administrator,
       c.expected_release_on,
       f.name AS debtor_name,
       p.id AS parcel_id,
       p.plot_no,
       p.area_m2,
       p.area_mu,
       p.tenure,
       t.in_bankruptcy_estate AS in_estate,
       p.geom
  FROM public.case_parcel cp
  JOIN public.bankruptcy_case c ON c.id = cp.case_id
  JOIN public.firm f ON f.id = c.debtor_firm_id
  JOIN public.parcel p ON p.id = cp.parcel_id
  LEFT JOIN public.tenure t ON t.code = p.tenure;
COMMENT ON VIEW logic.case_parcels IS 'Parcels of bankruptcy cases; allocated (划拨) land flagged outside the estate';
