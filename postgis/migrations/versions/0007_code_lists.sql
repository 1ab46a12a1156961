-- Code lists for the coded columns that were CHECK lists (words, not codes: every value a
-- person reads has a label in a code table). Each CHECK becomes a foreign key.

CREATE TABLE zone_kind (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO zone_kind VALUES
  ('district', '区县', 'District'),
  ('park',     '园区', 'Park'),
  ('subzone',  '片区', 'Sub-zone');

CREATE TABLE encumbrance_kind (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO encumbrance_kind VALUES
  ('mortgage', '抵押', 'Mortgage'),
  ('seizure',  '查封', 'Seizure');

CREATE TABLE inspection_direction (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO inspection_direction VALUES
  ('downstream', '顺流', 'Downstream'),
  ('upstream',   '逆流', 'Upstream');

CREATE TABLE inspection_method (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
COMMENT ON TABLE inspection_method IS 'Pipe inspection methods, CJJ 181-2012 §3 (CCTV, QV periscope, sonar, visual)';
INSERT INTO inspection_method VALUES
  ('cctv',   '电视检测（CCTV）',   'CCTV'),
  ('qv',     '管道潜望镜检测（QV）', 'Periscope (QV)'),
  ('sonar',  '声纳检测',           'Sonar'),
  ('visual', '目视检查',           'Visual');

CREATE TABLE site_kind (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO site_kind VALUES
  ('land',     '土地',       'Land'),
  ('building', '厂房',       'Building'),
  ('either',   '土地或厂房', 'Land or building');

CREATE TABLE applicant_kind (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
COMMENT ON TABLE applicant_kind IS 'Who may apply for bankruptcy, Enterprise Bankruptcy Law Art. 7';
INSERT INTO applicant_kind VALUES
  ('debtor',     '债务人',       'Debtor'),
  ('creditor',   '债权人',       'Creditor'),
  ('liquidator', '清算责任人',   'Person liable for liquidation');

CREATE TABLE closing_outcome (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO closing_outcome VALUES
  ('sold',        '土地已变价',   'Land sold'),
  ('recovered',   '土地已收回',   'Land recovered'),
  ('reorganised', '重整成功',     'Reorganised'),
  ('other',       '其他',         'Other');

CREATE TABLE auction_mode (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO auction_mode VALUES
  ('online_auction', '网络司法拍卖', 'Online judicial auction'),
  ('negotiated',     '变卖',         'Sale by negotiation');

CREATE TABLE auction_result (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO auction_result VALUES
  ('pending',   '待拍卖', 'Pending'),
  ('sold',      '成交',   'Sold'),
  ('failed',    '流拍',   'Failed (no bid)'),
  ('withdrawn', '撤拍',   'Withdrawn');

CREATE TABLE repair_objective (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO repair_objective VALUES
  ('risk',  '降低风险',     'Reduce risk'),
  ('land',  '盘活土地',     'Unlock land'),
  ('blend', '风险与土地兼顾', 'Risk and land');

CREATE TABLE work_kind (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO work_kind VALUES
  ('pipe_repair',    '管道修复',   'Pipe repair'),
  ('road_complete',  '道路贯通',   'Road completion'),
  ('road_resurface', '路面修复',   'Road resurfacing');

ALTER TABLE zone DROP CONSTRAINT zone_kind_check,
  ADD CONSTRAINT zone_kind_fkey FOREIGN KEY (kind) REFERENCES zone_kind (code);
ALTER TABLE encumbrance DROP CONSTRAINT encumbrance_kind_check,
  ADD CONSTRAINT encumbrance_kind_fkey FOREIGN KEY (kind) REFERENCES encumbrance_kind (code);
ALTER TABLE inspection DROP CONSTRAINT inspection_direction_check,
  ADD CONSTRAINT inspection_direction_fkey FOREIGN KEY (direction) REFERENCES inspection_direction (code);
ALTER TABLE inspection DROP CONSTRAINT inspection_method_check,
  ADD CONSTRAINT inspection_method_fkey FOREIGN KEY (method) REFERENCES inspection_method (code);
ALTER TABLE investor_enquiry DROP CONSTRAINT investor_enquiry_site_kind_check,
  ADD CONSTRAINT investor_enquiry_site_kind_fkey FOREIGN KEY (site_kind) REFERENCES site_kind (code);
ALTER TABLE bankruptcy_case DROP CONSTRAINT bankruptcy_case_applicant_kind_check,
  ADD CONSTRAINT bankruptcy_case_applicant_kind_fkey FOREIGN KEY (applicant_kind) REFERENCES applicant_kind (code);
ALTER TABLE bankruptcy_case DROP CONSTRAINT bankruptcy_case_closing_outcome_check,
  ADD CONSTRAINT bankruptcy_case_closing_outcome_fkey FOREIGN KEY (closing_outcome) REFERENCES closing_outcome (code);
ALTER TABLE auction DROP CONSTRAINT auction_mode_check,
  ADD CONSTRAINT auction_mode_fkey FOREIGN KEY (mode) REFERENCES auction_mode (code);
ALTER TABLE auction DROP CONSTRAINT auction_result_check,
  ADD CONSTRAINT auction_result_fkey FOREIGN KEY (result) REFERENCES auction_result (code);
ALTER TABLE repair_plan DROP CONSTRAINT repair_plan_objective_check,
  ADD CONSTRAINT repair_plan_objective_fkey FOREIGN KEY (objective) REFERENCES repair_objective (code);
ALTER TABLE repair_plan_item DROP CONSTRAINT repair_plan_item_work_kind_check,
  ADD CONSTRAINT repair_plan_item_work_kind_fkey FOREIGN KEY (work_kind) REFERENCES work_kind (code);
