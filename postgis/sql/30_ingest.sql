-- Lookups of the import (parkgis.ingest): keys a file can name that are not one column.
-- Rebuilt after every migration.

CREATE VIEW logic.latest_inspection AS
SELECT DISTINCT ON (i.pipe_segment_id)
       i.id,
       s.code AS segment_code,
       i.inspected_on
  FROM public.inspection i
  JOIN public.pipe_segment s ON s.id = i.pipe_segment_id
 ORDER BY i.pipe_segment_id, i.inspected_on DESC, i.id DESC;
COMMENT ON VIEW logic.latest_inspection IS
  'The latest CCTV inspection of each pipe segment: a defect log names the segment code';
