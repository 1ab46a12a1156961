-- What the date a parcel comes back on the market depends on (issue 14 §4): its status,
-- its supply contract (the idle-land clock of MLR Order 53), a government cause (Art. 8),
-- allocated tenure (划拨) and the expected release of the open bankruptcy case holding it.
-- The date itself is computed once, by parkgis.release.returns, from these columns: the
-- pipeline, the idle-land ledger, the site pages, the brochures and matching (through
-- logic.site_offer) all read them here.
--
-- A plain view (not security_invoker): it reads the cases with its owner's rights, so
-- every caller gets the date of a case's land and nothing else of the case (no number,
-- court, debtor or stage), as logic.case_release_dates() does for the public pipeline.

CREATE VIEW logic.parcel_return_source AS
SELECT p.id AS parcel_id,
       p.status,
       coalesce(NOT tn.in_bankruptcy_estate, false) AS allocated,
       p.government_cause IS NOT NULL AS government_cause,
       p.agreed_start_on,
       p.supplied_on,
       p.actual_start_on,
       p.work_stopped_on,
       p.developed_share::float8 AS developed_share,
       p.invested_share::float8 AS invested_share,
       oc.parcel_id IS NOT NULL AS in_case,
       oc.expected_release_on AS case_release_on
  FROM public.parcel p
  LEFT JOIN public.tenure tn ON tn.code = p.tenure
  LEFT JOIN LATERAL (
        -- The latest open case holding the parcel (as logic.parcel_estate_case).
        SELECT cp.parcel_id, c.expected_release_on
          FROM public.case_parcel cp
          JOIN public.bankruptcy_case c ON c.id = cp.case_id AND c.stage <> 'closed'
         WHERE cp.parcel_id = p.id
         ORDER BY c.applied_on DESC, c.id DESC
         LIMIT 1) oc ON true;
COMMENT ON VIEW logic.parcel_return_source IS
  'Per parcel: what its expected return to the market depends on (parkgis.release.returns)';
