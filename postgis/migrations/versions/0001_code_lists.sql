-- Code lists: value tables with Chinese and English labels (the TEKSI habit).
-- Every enumerated column of the core tables references one of these.

CREATE TABLE land_use (
    code text PRIMARY KEY CHECK (code ~ '^[0-9]{2,6}$'),
    label_zh text NOT NULL,
    label_en text NOT NULL,
    industrial_class smallint CHECK (industrial_class BETWEEN 1 AND 3),
    is_industrial boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE land_use IS
  'Land-use codes of the 国土空间调查、规划、用途管制用地用海分类指南 (2023); industrial_class 1-3 = 一/二/三类工业用地';

INSERT INTO land_use (code, label_zh, label_en, industrial_class, is_industrial) VALUES
  ('1001',   '工业用地',       'Industrial land',                       NULL, true),
  ('100101', '一类工业用地',   'Industrial land, class 1 (little nuisance)', 1, true),
  ('100102', '二类工业用地',   'Industrial land, class 2',              2, true),
  ('100103', '三类工业用地',   'Industrial land, class 3 (heavy nuisance)', 3, true),
  ('1101',   '物流仓储用地',   'Logistics and warehousing land',        NULL, false),
  ('0901',   '商业用地',       'Commercial land',                       NULL, false),
  ('0701',   '城镇住宅用地',   'Urban residential land',                NULL, false),
  ('1207',   '城镇道路用地',   'Urban road land',                       NULL, false),
  ('1402',   '防护绿地',       'Protective green space',                NULL, false),
  ('1310',   '排水用地',       'Drainage facility land',                NULL, false);

CREATE TABLE land_status (
    code text PRIMARY KEY,
    label_zh text NOT NULL,
    label_en text NOT NULL,
    is_public boolean NOT NULL DEFAULT false,
    is_locked boolean NOT NULL DEFAULT false
);
COMMENT ON COLUMN land_status.is_public IS 'shown to anonymous visitors of the investment-promotion view';
COMMENT ON COLUMN land_status.is_locked IS 'land held back from use (idle, inefficient, bankruptcy estate)';
INSERT INTO land_status (code, label_zh, label_en, is_public, is_locked) VALUES
  ('available',           '净地',           'Available (serviced, ready to supply)', true,  false),
  ('approved_unsupplied', '批而未供',       'Approved, not yet supplied',            true,  false),
  ('in_use',              '在用',           'In use',                                false, false),
  ('idle',                '闲置土地',       'Idle land',                             false, true),
  ('inefficient',         '低效用地',       'Inefficient land',                      false, true),
  ('bankruptcy_estate',   '破产财产',       'In a bankruptcy estate',                false, true),
  ('released',            '已盘活',         'Released back to the market',           true,  false);

CREATE TABLE tenure (
    code text PRIMARY KEY,
    label_zh text NOT NULL,
    label_en text NOT NULL,
    in_bankruptcy_estate boolean NOT NULL
);
COMMENT ON COLUMN tenure.in_bankruptcy_estate IS
  'allocated (划拨) land is not part of a bankruptcy estate; the government may take it back';
INSERT INTO tenure VALUES
  ('transfer',   '出让', 'Granted (transferred for a fee)', true),
  ('allocation', '划拨', 'Allocated (no fee)',              false),
  ('lease',      '租赁', 'Leased from the state',           true),
  ('collective', '集体', 'Collective land',                 true);

CREATE TABLE fire_hazard_class (
    code text PRIMARY KEY,
    label_zh text NOT NULL,
    label_en text NOT NULL,
    hazard_rank smallint NOT NULL UNIQUE CHECK (hazard_rank BETWEEN 1 AND 5),
    description_zh text NOT NULL
);
COMMENT ON TABLE fire_hazard_class IS
  'Production fire-hazard classes, GB 50016-2014 §3.1.1; hazard_rank 1 = 甲 (most hazardous). '
  'A building designed for a class may host a process of that class or a higher rank.';
INSERT INTO fire_hazard_class VALUES
  ('jia',  '甲', 'Class A (jia)',  1, '闪点<28℃的液体；爆炸下限<10%的气体'),
  ('yi',   '乙', 'Class B (yi)',   2, '闪点28~60℃的液体；爆炸下限≥10%的气体；可燃粉尘'),
  ('bing', '丙', 'Class C (bing)', 3, '闪点≥60℃的液体；可燃固体'),
  ('ding', '丁', 'Class D (ding)', 4, '不燃物质，热加工'),
  ('wu',   '戊', 'Class E (wu)',   5, '不燃物质，常温加工');

CREATE TABLE building_status (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO building_status VALUES
  ('planned', '规划', 'Planned'),
  ('under_construction', '在建', 'Under construction'),
  ('complete', '已建成', 'Complete'),
  ('derelict', '废弃', 'Derelict');

CREATE TABLE unit_status (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    is_public boolean NOT NULL DEFAULT false
);
INSERT INTO unit_status VALUES
  ('vacant',   '空置',   'Vacant',   true),
  ('reserved', '已预订', 'Reserved', false),
  ('let',      '已出租', 'Let',      false),
  ('sold',     '已出售', 'Sold',     false);

CREATE TABLE road_class (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    cjj36_class text NOT NULL
);
INSERT INTO road_class VALUES
  ('arterial',  '主干路', 'Arterial road',  'arterial'),
  ('secondary', '次干路', 'Secondary road', 'secondary'),
  ('branch',    '支路',   'Branch road',    'branch');

CREATE TABLE road_status (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    gives_access boolean NOT NULL
);
COMMENT ON COLUMN road_status.gives_access IS 'a parcel fronting such a road has access (DOMAIN §8)';
INSERT INTO road_status VALUES
  ('planned',            '规划',   'Planned',            false),
  ('under_construction', '在建',   'Under construction', false),
  ('complete',           '已建成', 'Complete',           true),
  ('dead_end',           '断头路', 'Dead end',           false);

CREATE TABLE drainage_system (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO drainage_system VALUES
  ('storm',    '雨水', 'Storm water'),
  ('sewage',   '污水', 'Sewage'),
  ('combined', '合流', 'Combined');

CREATE TABLE pipe_material (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO pipe_material VALUES
  ('rc',        '钢筋混凝土管', 'Reinforced concrete'),
  ('concrete',  '混凝土管',     'Concrete'),
  ('hdpe',      'HDPE双壁波纹管', 'HDPE twin-wall corrugated'),
  ('upvc',      'UPVC管',       'uPVC'),
  ('ductile',   '球墨铸铁管',   'Ductile iron'),
  ('clay',      '陶土管',       'Vitrified clay'),
  ('brick',     '砖砌',         'Brick');

CREATE TABLE soil_class (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    t_score numeric NOT NULL CHECK (t_score IN (0, 6, 8, 10))
);
COMMENT ON TABLE soil_class IS 'Soil factor T of the repair index, CJJ 181-2012 §8.3 (Table 8.3.x)';
INSERT INTO soil_class VALUES
  ('ordinary',            '一般土层',                       'Ordinary soil', 0),
  ('loess_1_2',           'I、II级湿陷性黄土/弱膨胀土',       'Collapsible loess I/II, weak expansive soil', 6),
  ('loess_3',             'III级湿陷性黄土/中膨胀土/淤泥质土/红黏土', 'Loess III, medium expansive soil, silty clay, red clay', 8),
  ('loess_4',             '粉砂层/IV级湿陷性黄土/强膨胀土/淤泥', 'Silty sand, loess IV, strong expansive soil, silt', 10);

CREATE TABLE area_class (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    k_score numeric NOT NULL CHECK (k_score IN (0, 3, 6, 10))
);
COMMENT ON TABLE area_class IS 'Area importance K of the repair/maintenance index, CJJ 181-2012 §8.3';
INSERT INTO area_class VALUES
  ('centre',   '中心商业区/甲类民用建筑附近', 'Business centre or near class-A buildings', 10),
  ('arterial', '交通干道/乙类建筑附近',       'Arterial road or near class-B buildings',   6),
  ('road',     '其他行车道路/丙类建筑附近',   'Other traffic road or near class-C buildings', 3),
  ('other',    '其他区域',                   'Elsewhere', 0);

CREATE TABLE defect_code (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    kind text NOT NULL CHECK (kind IN ('structural', 'functional')),
    label_zh text NOT NULL,
    label_en text NOT NULL,
    max_grade smallint NOT NULL CHECK (max_grade BETWEEN 1 AND 4),
    clause text NOT NULL
);
COMMENT ON TABLE defect_code IS 'CCTV defect codes of CJJ 181-2012 (Tables 8.2.1 and 8.2.2)';
CREATE TABLE defect_score (
    code text NOT NULL REFERENCES defect_code (code),
    grade smallint NOT NULL CHECK (grade BETWEEN 1 AND 4),
    score numeric NOT NULL CHECK (score >= 0),
    PRIMARY KEY (code, grade)
);
COMMENT ON TABLE defect_score IS 'Score P of a defect of a given grade, CJJ 181-2012 Tables 8.2.1/8.2.2';
INSERT INTO defect_code VALUES
  ('PL', 'structural', '破裂',         'Fracture',                 4, 'CJJ 181-2012 Table 8.2.1'),
  ('BX', 'structural', '变形',         'Deformation',              4, 'CJJ 181-2012 Table 8.2.1'),
  ('FS', 'structural', '腐蚀',         'Corrosion',                3, 'CJJ 181-2012 Table 8.2.1'),
  ('CK', 'structural', '错口',         'Offset joint',             4, 'CJJ 181-2012 Table 8.2.1'),
  ('QF', 'structural', '起伏',         'Sag',                      4, 'CJJ 181-2012 Table 8.2.1'),
  ('TJ', 'structural', '脱节',         'Open joint',               4, 'CJJ 181-2012 Table 8.2.1'),
  ('TL', 'structural', '接口材料脱落', 'Joint material loss',      2, 'CJJ 181-2012 Table 8.2.1'),
  ('AJ', 'structural', '支管暗接',     'Hidden lateral connection',3, 'CJJ 181-2012 Table 8.2.1'),
  ('CR', 'structural', '异物穿入',     'Intruding object',         3, 'CJJ 181-2012 Table 8.2.1'),
  ('SL', 'structural', '渗漏',         'Infiltration / leakage',   4, 'CJJ 181-2012 Table 8.2.1'),
  ('CJ', 'functional', '沉积',         'Deposits',                 4, 'CJJ 181-2012 Table 8.2.2'),
  ('JG', 'functional', '结垢',         'Encrustation',             4, 'CJJ 181-2012 Table 8.2.2'),
  ('ZW', 'functional', '障碍物',       'Obstacle',                 4, 'CJJ 181-2012 Table 8.2.2'),
  ('CQ', 'functional', '残墙、坝根',   'Remaining wall / dam root',4, 'CJJ 181-2012 Table 8.2.2'),
  ('SG', 'functional', '树根',         'Roots',                    4, 'CJJ 181-2012 Table 8.2.2'),
  ('FZ', 'functional', '浮渣',         'Scum',                     3, 'CJJ 181-2012 Table 8.2.2 (recorded, scored 0)');
INSERT INTO defect_score (code, grade, score) VALUES
  ('PL',1,0.5),('PL',2,2),('PL',3,5),('PL',4,10),
  ('BX',1,1),('BX',2,2),('BX',3,5),('BX',4,10),
  ('FS',1,0.5),('FS',2,2),('FS',3,5),
  ('CK',1,0.5),('CK',2,2),('CK',3,5),('CK',4,10),
  ('QF',1,0.5),('QF',2,2),('QF',3,5),('QF',4,10),
  ('TJ',1,1),('TJ',2,3),('TJ',3,5),('TJ',4,10),
  ('TL',1,1),('TL',2,3),
  ('AJ',1,0.5),('AJ',2,2),('AJ',3,5),
  ('CR',1,0.5),('CR',2,2),('CR',3,5),
  ('SL',1,0.5),('SL',2,2),('SL',3,5),('SL',4,10),
  ('CJ',1,0.5),('CJ',2,2),('CJ',3,5),('CJ',4,10),
  ('JG',1,0.5),('JG',2,2),('JG',3,5),('JG',4,10),
  ('ZW',1,0.1),('ZW',2,2),('ZW',3,5),('ZW',4,10),
  ('CQ',1,1),('CQ',2,3),('CQ',3,5),('CQ',4,10),
  ('SG',1,0.5),('SG',2,2),('SG',3,5),('SG',4,10),
  ('FZ',1,0),('FZ',2,0),('FZ',3,0);

CREATE TABLE firm_status (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO firm_status VALUES
  ('operating',     '正常经营', 'Operating'),
  ('half_stopped',  '半停产',   'Partly stopped'),
  ('stopped',       '停产',     'Stopped'),
  ('in_bankruptcy', '破产程序中', 'In bankruptcy proceedings'),
  ('deregistered',  '已注销',   'Deregistered');

CREATE TABLE case_procedure (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO case_procedure VALUES
  ('liquidation',    '破产清算', 'Liquidation'),
  ('reorganisation', '破产重整', 'Reorganisation'),
  ('conciliation',   '破产和解', 'Conciliation');

CREATE TABLE case_stage (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    seq smallint NOT NULL UNIQUE
);
INSERT INTO case_stage VALUES
  ('application',          '申请',               'Application',                      1),
  ('accepted',             '已受理',             'Accepted',                         2),
  ('claims_period',        '债权申报期',         'Claims declaration period',        3),
  ('first_meeting',        '第一次债权人会议',   'First creditors'' meeting',        4),
  ('plan_or_declaration',  '重整计划/宣告破产',  'Reorganisation plan or bankruptcy declaration', 5),
  ('asset_disposal',       '财产变价',           'Disposal of the estate',           6),
  ('distribution',         '财产分配',           'Distribution',                     7),
  ('closed',               '终结',               'Closed',                           8);

CREATE TABLE department (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL
);
INSERT INTO department VALUES
  ('court',          '烈山区人民法院',       'Lieshan District People''s Court'),
  ('natural_res',    '自然资源和规划局',     'Natural Resources and Planning Bureau'),
  ('tax',            '税务局',               'Tax Bureau'),
  ('hrss',           '人力资源和社会保障局', 'Human Resources and Social Security Bureau'),
  ('market',         '市场监督管理局',       'Market Regulation Bureau'),
  ('dev_reform',     '发展和改革委员会',     'Development and Reform Commission'),
  ('ecology',        '生态环境分局',         'Ecology and Environment Bureau'),
  ('housing',        '住房和城乡建设局',     'Housing and Urban-Rural Development Bureau'),
  ('finance',        '财政局',               'Finance Bureau'),
  ('utilities',      '供电供水公司',         'Power and water utilities'),
  ('park_committee', '开发区管委会',         'Development Zone Administrative Committee'),
  ('public_security','公安分局',             'Public Security Bureau');

CREATE TABLE task_kind (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL,
    default_department text NOT NULL REFERENCES department (code),
    blocks_stage text REFERENCES case_stage (code)
);
COMMENT ON TABLE task_kind IS 'Joint tasks of the court-government mechanism, 发改财金规〔2021〕274号';
INSERT INTO task_kind VALUES
  ('lift_seizure',      '解除查封',               'Lift seizures',                     'court',          'asset_disposal'),
  ('tax_clearance',     '税费清缴与纳税信用修复', 'Tax claims and tax-credit repair',  'tax',            NULL),
  ('utility_arrears',   '水电欠费处置',           'Utility arrears',                   'utilities',      'asset_disposal'),
  ('worker_resettlement','职工安置与欠薪',         'Worker resettlement and wage arrears','hrss',         'asset_disposal'),
  ('property_transfer', '不动产登记与过户',       'Property registration and transfer','natural_res',    'distribution'),
  ('credit_repair',     '信用修复',               'Credit repair',                     'dev_reform',     NULL),
  ('deregistration',    '企业注销',               'Deregistration',                    'market',         'closed'),
  ('land_replanning',   '土地重新规划',           'Re-planning of the land',           'natural_res',    NULL),
  ('environmental',     '环境评估与污染治理',     'Environmental assessment',          'ecology',        'asset_disposal'),
  ('cost_fund',         '破产费用保障资金',       'Fund for bankruptcy costs',         'finance',        NULL);

CREATE TABLE task_status (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL, is_open boolean NOT NULL);
INSERT INTO task_status VALUES
  ('open',        '待办',   'Open',        true),
  ('in_progress', '办理中', 'In progress', true),
  ('done',        '已完成', 'Done',        false),
  ('cancelled',   '已取消', 'Cancelled',   false);

CREATE TABLE enquiry_status (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL, is_open boolean NOT NULL);
INSERT INTO enquiry_status VALUES
  ('open',      '洽谈中', 'Open',      true),
  ('shortlist', '已推荐', 'Sites proposed', true),
  ('signed',    '已签约', 'Signed',    false),
  ('lost',      '已流失', 'Lost',      false),
  ('withdrawn', '已撤回', 'Withdrawn', false);

CREATE TABLE role (
    code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL, rank smallint NOT NULL
);
INSERT INTO role VALUES
  ('public',         '公众/投资者', 'Public / investor',     0),
  ('promotion',      '招商人员',    'Investment promotion',  1),
  ('infrastructure', '基础设施部门', 'Infrastructure',       1),
  ('department',     '政府部门',    'Government department', 1),
  ('land_bureau',    '自然资源局',  'Land bureau',           2),
  ('court',          '法院/管理人', 'Court / administrator', 2),
  ('admin',          '管理员',      'Administrator',         9);

CREATE TABLE poi_kind (code text PRIMARY KEY, label_zh text NOT NULL, label_en text NOT NULL);
INSERT INTO poi_kind VALUES
  ('highway_entrance', '高速出入口', 'Highway entrance'),
  ('rail_siding',      '铁路专用线', 'Rail siding'),
  ('park_gate',        '园区大门',   'Park gate'),
  ('wwtp',             '污水处理厂', 'Wastewater treatment plant'),
  ('substation',       '变电站',     'Substation');
