-- Court and department scope of users, for the row-level security of postgis/sql/70_security.sql.
-- {srid} is the storage CRS (unused here; kept so every migration file is read the same way).
--
-- A court user (role 'court') belongs to exactly one court and sees only that court's
-- bankruptcy cases; every other role has no court. Court users issued before this
-- migration get the court of the cases when the database holds cases of one court only;
-- otherwise '未指定法院 unassigned', a court no case has, so they see nothing until an
-- administrator issues them a new key with `parkgis users add NAME --role court --court ...`.

ALTER TABLE app_user ADD COLUMN court text;
COMMENT ON COLUMN app_user.court IS
  'Court a court-role user belongs to (bankruptcy_case.court); NULL for every other role';

UPDATE app_user
   SET court = coalesce(
           (SELECT min(court) FROM bankruptcy_case HAVING count(DISTINCT court) = 1),
           '未指定法院 unassigned')
 WHERE role = 'court';

ALTER TABLE app_user
    ADD CONSTRAINT app_user_court_check
    CHECK ((role = 'court') = (court IS NOT NULL) AND (court IS NULL OR length(btrim(court)) > 0));

-- The court policies filter on it.
CREATE INDEX bankruptcy_case_court_idx ON bankruptcy_case (court);
