"""Write the analyst notebooks from the cells below (stored without outputs).

Run ``.venv/bin/python notebooks/_build.py`` after editing; review this file, not the JSON.
The notebooks use only the public ``parkgis`` API (``notebooks/README.md``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
%matplotlib inline
import datetime as dt

import folium
import matplotlib.pyplot as plt
import pandas as pd

import parkgis

parkgis.use_chinese_font()  # CJK labels (Debian: fonts-noto-cjk)
pd.set_option("display.max_columns", 30)
conn = parkgis.connect()  # PARKGIS_DATABASE_URL, else the private cluster (make db)
AS_OF = parkgis.reference_date(conn)  # the demo park's fixed day, else today
print("分析日期 / analysis date:", AS_OF)"""

SETUP_MD = (
    "**运行方式**：`make notebooks` 载入演示园区并打开 Jupyter；设置环境变量 "
    "`PARKGIS_DATABASE_URL` 即可改用正式数据库。本笔记本只读取数据（分析事务最后回滚）。\n\n"
    "**How to run**: `make notebooks` loads the demo park and opens Jupyter; set "
    "`PARKGIS_DATABASE_URL` to point it at the real database. The notebook only reads "
    "(its transaction is rolled back at the end)."
)

CLOSE = """\
conn.rollback()  # nothing of this analysis is kept in the database
conn.close()"""


def md(text: str) -> nbformat.NotebookNode:
    """A markdown cell."""
    return new_markdown_cell(text.strip())


def code(text: str) -> nbformat.NotebookNode:
    """A code cell."""
    return new_code_cell(text.strip())


NB01 = [
    md("""
# 01 闲置与低效用地清查 / Idle and inefficient land inventory

依据《闲置土地处置办法》（国土资源部令第53号）：约定开工日期满一年未动工即为闲置土地（第二条）；
闲置满一年按土地出让价款的 20% 征收闲置费，满两年可无偿收回（第十四条）；政府原因造成的闲置不适用
（第八条）。安徽省（皖政〔2022〕54号）要求每年处置不少于 15% 的闲置和批而未供土地。

Under MLR Order 53 (2012), land is idle one year after the agreed start date without
construction (Art. 2); after one full year an idle-land fee of 20 % of the land price is due,
after two years the land may be recovered without compensation (Art. 14), unless the government
caused the delay (Art. 8). Anhui (皖政〔2022〕54号) asks every county to dispose of at least 15 %
of its idle and approved-but-unsupplied land each year.
"""),
    md(SETUP_MD),
    code(SETUP),
    md("""
## 1. 按状态统计 / By status
被锁定的土地：闲置、低效、破产财产，以及约定开工满一年仍未动工的“应认定闲置”候选地块。

Locked land: idle, inefficient, in a bankruptcy estate, and candidates not yet declared idle.
"""),
    code("""
idle = parkgis.idle_land(conn, AS_OF)
idle["category"] = idle["status"].where(~idle["candidate"], "candidate")
by_status = idle.groupby("category").agg(parcels=("plot_no", "count"), area_mu=("area_mu", "sum"))
by_status.round(1)
"""),
    code("""
names = {**parkgis.code_labels(conn, "land_status"), "candidate": "应认定闲置"}
ax = by_status["area_mu"].rename(index=names).sort_values().plot.barh(color="#d73027")
ax.set_xlabel("面积（亩） / area (mu)")
ax.set_title("锁定土地面积（按状态） / Locked land by status")
plt.tight_layout()
plt.show()
"""),
    md("""
## 2. 闲置时长 / Age of idleness
闲置起始日期（`idle_since`）起算的年数；1 年、2 年两条线分别是征收闲置费与无偿收回的门槛。

Years since `idle_since`; the lines at one and two years are the fee and recovery thresholds.
"""),
    code("""
aged = idle.dropna(subset=["idle_years"])
ax = aged["idle_years"].plot.hist(bins=range(0, int(aged["idle_years"].max()) + 2), color="#fc8d59")
for years, label in ((1, "征收闲置费 fee"), (2, "无偿收回 recovery")):
    ax.axvline(years, color="black", linestyle="--")
    ax.text(years + 0.05, ax.get_ylim()[1] * 0.9, label)
ax.set_xlabel("闲置年数 / years idle")
ax.set_ylabel("地块数 / parcels")
ax.set_title("闲置时长分布 / Age of idleness")
plt.show()
"""),
    md("""
## 3. 应征闲置费与可收回土地 / Fees due and recovery eligibility
"""),
    code("""
summary = pd.DataFrame({
    "地块数 parcels": [
        int(idle["fee_due"].sum()),
        int(idle["recovery_eligible"].sum()),
        int(idle["government_cause_applies"].sum()),
    ],
    "面积（亩） area_mu": [
        idle.loc[idle["fee_due"], "area_mu"].sum(),
        idle.loc[idle["recovery_eligible"], "area_mu"].sum(),
        idle.loc[idle["government_cause_applies"], "area_mu"].sum(),
    ],
}, index=["应征闲置费 fee due", "可无偿收回 recovery eligible", "政府原因 government cause"])
print(f"应征闲置费合计 / fees due in total: {idle['fee_yuan'].sum():,.0f} 元 yuan")
summary.round(1)
"""),
    code("""
fees = idle[idle["fee_due"]].nlargest(10, "fee_yuan").set_index("plot_no")["fee_yuan"] / 1e4
ax = fees.sort_values().plot.barh(color="#b2182b")
ax.set_xlabel("闲置费（万元） / idle-land fee (10k yuan)")
ax.set_title("闲置费最高的 10 宗地 / The ten largest fees due")
plt.tight_layout()
plt.show()
"""),
    code("""
columns = ["plot_no", "holder_name", "status", "area_mu", "idle_since", "idle_years",
           "fee_yuan", "recovery_eligible", "recovery_eligible_from", "case_no"]
idle.sort_values("idle_years", ascending=False)[columns].head(15)
"""),
    md("""
## 4. 处置率与 15% 目标 / Disposal rate against the 15 % target
处置率 = 当年离开闲置或批而未供状态的面积 ÷ 存量（依据历史记录）。

Disposal rate = area that left the idle or approved-unsupplied status in the year, over the
stock (from the change history).
"""),
    code("""
rates = parkgis.disposal_rates(conn, range(AS_OF.year - 2, AS_OF.year + 1)).set_index("year")
if not rates["disposed_parcels"].any():
    print("历史记录中没有处置（状态变更）记录：处置率为 0。\\n"
          "No disposal (status change) in the history: the rate is 0.")
rates
"""),
    code("""
ax = (rates["rate"] * 100).plot.bar(color="#4575b4", rot=0)
ax.axhline(rates["target"].iloc[0] * 100, color="#d73027", linestyle="--", label="目标 target 15%")
ax.set_ylabel("处置率（%） / disposal rate (%)")
ax.set_title("闲置和批而未供土地处置率 / Disposal rate")
ax.set_ylim(0, max(20, float(rates["rate"].max() or 0) * 110))
ax.legend()
plt.show()
"""),
    md("""
## 5. 地图 / Map
红色：闲置；橙色：低效；紫色：破产财产。点击地块查看详情。

Red: idle; orange: inefficient; purple: bankruptcy estate. Click a parcel for details.
"""),
    code("""
parkgis.maps.layer_map(conn, "idle_land", role="land_bureau")
"""),
    code(CLOSE),
]

NB02 = [
    md("""
# 02 僵尸企业甄别与土地释放 / Zombie firms and land release

僵尸企业甄别以信号和证据为准（连续亏损、用电接近零、无纳税或欠税、社保欠缴、被执行、停产停建、
OECD 利息保障倍数测试），从不只给一个标签。亩均效益评价（皖经信运行〔2021〕108号）按排名分
A/B/C/D 类。破产企业的土地经《企业破产法》程序（第一百一十二条拍卖）或闲置土地收回回到市场。

Zombie screening is a list of signals with their evidence (losses in a row, electricity near zero,
no tax or arrears, social-insurance arrears, enforcement, stopped production, the OECD interest
coverage test), never a bare label. Per-mu efficiency classes A-D rank the firms (Anhui 2021
No. 108). Land of failed firms comes back through bankruptcy (Enterprise Bankruptcy Law Art. 112)
or the recovery of idle land.
"""),
    md(SETUP_MD),
    code(SETUP),
    md("""
## 1. 甄别结果 / Screening results
"""),
    code("""
screen = parkgis.screen_firms(conn, as_of=AS_OF)
print("指标年度 / indicator year:", screen.attrs["year"])
print("规则版本 / rules:", screen.attrs["rules_version"])
VERDICTS = {"likely_zombie": "疑似僵尸企业", "watch": "关注", "none": "无异常"}
screen["firm_status"] = screen["firm_status"].map(parkgis.code_labels(conn, "firm_status"))
(screen.assign(verdict=screen["class"].map(VERDICTS))
 .groupby("verdict").agg(firms=("firm_id", "count"), land_mu=("land_mu", "sum")).round(1))
"""),
    code("""
signals = screen.loc[screen["class"] != "none", "signals_zh"].str.split("、").explode()
ax = signals[signals != ""].value_counts().sort_values().plot.barh(color="#762a83")
ax.set_xlabel("企业数 / firms")
ax.set_title("疑似僵尸与关注企业的信号 / Signals of likely zombies and firms to watch")
plt.tight_layout()
plt.show()
"""),
    code("""
columns = ["rank", "name", "firm_status", "land_mu", "score", "signals_zh"]
screen[screen["class"] == "likely_zombie"][columns].head(15)
"""),
    md("""
## 2. 亩均效益分类（按年度） / Efficiency classes by year
"""),
    code("""
eff = parkgis.efficiency_classes(conn, as_of=AS_OF)
classes = pd.crosstab(eff["year"], eff["class"])
ax = classes.plot.bar(stacked=True, rot=0, color=["#1a9850", "#91cf60", "#fc8d59", "#d73027"])
ax.set_ylabel("企业数 / firms")
ax.set_title("亩均效益 A/B/C/D 分类 / Per-mu efficiency classes")
plt.show()
classes
"""),
    md("""
## 3. D 类与僵尸企业占用的土地 / Land held by D-class and zombie firms
以最近一年的 D 类企业和“疑似僵尸企业”为准，合计其名下地块。

D-class firms of the latest year and likely zombies, with the parcels they hold.
"""),
    code("""
latest = eff["year"].max()
d_class = set(eff.loc[(eff["year"] == latest) & (eff["class"] == "D"), "firm_id"])
zombies = set(screen.loc[screen["class"] == "likely_zombie", "firm_id"])
parcels = parkgis.read_layer(conn, "parcels", crs=4326)
held = parkgis.with_labels(conn, parcels[parcels["holder_firm_id"].isin(d_class | zombies)],
                           "parcels")
held["group"] = held["holder_firm_id"].map(
    lambda f: "两者 both" if f in d_class and f in zombies
    else ("D 类 D-class" if f in d_class else "僵尸 zombie"))
table = held.pivot_table(index="group", columns="status", values="area_mu", aggfunc="sum",
                         fill_value=0)
ax = table.plot.barh(stacked=True)
ax.set_xlabel("面积（亩） / area (mu)")
ax.set_title(f"D 类（{latest}）与僵尸企业的土地 / Their land by status")
plt.tight_layout()
plt.show()
table.round(1)
"""),
    code("""
colours = {"两者 both": "#7b3294", "D 类 D-class": "#fc8d59", "僵尸 zombie": "#d73027"}
m = folium.Map(tiles="OpenStreetMap")
folium.GeoJson(
    held[["plot_no", "group", "status", "area_mu", "geometry"]].to_json(),
    style_function=lambda f: {"color": colours[f["properties"]["group"]], "weight": 1,
                              "fillOpacity": 0.6},
    tooltip=folium.GeoJsonTooltip(["plot_no", "group", "status", "area_mu"]),
).add_to(m)
if len(held):
    x0, y0, x1, y1 = held.total_bounds
    m.fit_bounds([[y0, x0], [y1, x1]])
m
"""),
    md("""
## 4. 破产案件 / Bankruptcy cases
"""),
    code("""
cases = parkgis.bankruptcy_cases(conn, AS_OF)
cases[["case_no", "debtor_name", "stage_zh", "parcels", "area_mu", "next_deadline_on",
       "overdue_deadlines", "overdue_tasks", "expected_release_on"]]
"""),
    code("""
ax = cases.groupby("stage_zh")["area_mu"].sum().sort_values().plot.barh(color="#7b3294")
ax.set_xlabel("面积（亩） / area (mu)")
ax.set_title("破产财产土地（按阶段） / Estate land by case stage")
plt.tight_layout()
plt.show()
"""),
    md("""
## 5. 释放计划（按季度） / Release pipeline by quarter
预计回到市场的日期：破产案件按阶段与联动任务估算，闲置土地按收回程序估算。

Expected return to the market: cases from their stage and open joint tasks, idle land from the
recovery procedure.
"""),
    code("""
pipe = parkgis.release_pipeline(conn, AS_OF)
pipe = pipe.dropna(subset=["expected_release_on"])
pipe["quarter"] = pd.to_datetime(pipe["expected_release_on"]).dt.to_period("Q").astype(str)
reasons = {"bankruptcy_estate": parkgis.code_labels(conn, "land_status")["bankruptcy_estate"],
           "idle_recovery": "闲置土地收回"}
by_quarter = pipe.pivot_table(index="quarter", columns="reason", values="area_mu",
                              aggfunc="sum", fill_value=0).rename(columns=reasons)
ax = by_quarter.plot.bar(stacked=True, rot=45, color=["#7b3294", "#d73027"])
ax.set_ylabel("面积（亩） / area (mu)")
ax.set_title("预计释放土地（按季度） / Land expected back on the market")
plt.tight_layout()
plt.show()
by_quarter.round(1)
"""),
    code(CLOSE),
]

NB03 = [
    md("""
# 03 排水管网与道路 / Drainage and roads

管道按《城镇排水管道检测与评估技术规程》（CJJ 181-2012）评估：结构性缺陷等级 I-IV 与修复指数
RI = 0.7F + 0.1K + 0.05E + 0.15T（第 8.3.1 条）；道路按 CJJ 36-2016 评定 PCI 与 RQI。修复计划在
预算内选择工程（混合整数规划，与“风险/成本”贪心排序对比），并列出每项工程解锁的地块。

Pipes are assessed under CJJ 181-2012: structural grades I-IV and the repair index
RI = 0.7F + 0.1K + 0.05E + 0.15T (§8.3.1); roads under CJJ 36-2016 (PCI, RQI). A repair plan picks
works within a budget (a MILP, compared with the greedy risk/cost ranking) and lists the land each
work unlocks.
"""),
    md(SETUP_MD),
    code(SETUP),
    md("""
## 1. CJJ 181 等级分布 / Grade distribution
"""),
    code("""
pipes = parkgis.assess_pipes(conn)
grades = {1: "I", 2: "II", 3: "III", 4: "IV"}
dist = pd.DataFrame({
    "结构性 structural": pipes["structural_grade"].map(grades).fillna("未检测 not inspected"),
    "功能性 functional": pipes["functional_grade"].map(grades).fillna("未检测 not inspected"),
}).apply(lambda s: s.value_counts()).fillna(0).astype(int)
print(f"已检测管段 / inspected segments: {pipes['inspected_on'].notna().sum()} / {len(pipes)}")
dist
"""),
    code("""
inspected = pipes.dropna(subset=["structural_grade"])
length = inspected.pivot_table(index="structural_grade", columns="system", values="length_m",
                               aggfunc="sum", fill_value=0).rename(index=grades) / 1000
ax = length.plot.bar(rot=0, color=["#8c510a", "#2166ac"])
ax.set_xlabel("结构性缺陷等级 / structural grade (CJJ 181-2012 §8.2)")
ax.set_ylabel("长度（km） / length (km)")
ax.set_title("管段结构等级 / Structural grade of inspected pipes")
plt.show()
"""),
    md("""
## 2. 各道路下管道的修复指数 / RI by street
RI 等级 III/IV（RI > 4）应尽快修复；下表为各街道的平均与最大 RI、III/IV 级长度。

RI grade III/IV (RI > 4) needs repair soon; per street: mean and max RI, length of grade III/IV.
"""),
    code("""
ri = inspected.assign(urgent_m=inspected["length_m"].where(inspected["ri_grade"] >= 3, 0))
by_street = ri.groupby(ri["street"].fillna("（无道路） no road")).agg(
    segments=("code", "count"), mean_ri=("ri", "mean"), max_ri=("ri", "max"),
    urgent_m=("urgent_m", "sum")).sort_values("mean_ri", ascending=False)
ax = by_street["mean_ri"].head(15).sort_values().plot.barh(color="#d6604d")
ax.axvline(4, color="black", linestyle="--", label="RI = 4（III 级 / grade III）")
ax.set_xlabel("平均 RI / mean repair index")
ax.set_title("各道路管道的平均修复指数 / Mean RI by street")
ax.legend()
plt.tight_layout()
plt.show()
by_street.round(2).head(15)
"""),
    md("""
## 3. 道路状况 / Roads
"""),
    code("""
roads = parkgis.read_layer(conn, "roads", crs=4326)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
by_status = parkgis.with_labels(conn, roads, "roads").groupby("status")["length_m"].sum()
by_status.div(1000).plot.bar(ax=left, rot=0, color="#4d4d4d")
left.set_ylabel("长度（km） / length (km)")
left.set_title("道路建设状态 / Road status")
roads["pci"].dropna().plot.hist(ax=right, bins=20, color="#1b7837")
right.axvline(60, color="#d73027", linestyle="--", label="PCI 60（D 级 / grade D）")
right.set_xlabel("PCI")
right.set_title("路面状况指数 / Pavement condition (CJJ 36-2016)")
right.legend()
plt.tight_layout()
plt.show()
"""),
    md("""
## 4. 两个预算下的修复计划 / The repair plan for two budgets
预算是分析参数，可按实际财政安排修改。计划保存在本次分析的事务中，最后回滚。

The budgets are parameters of the analysis; the plans are stored in this session's transaction,
rolled back at the end.

目标 `blend` 同时考虑风险降低与解锁土地，所以只按风险/成本排序的贪心法可能降低更多风险，
但解锁的土地更少。The `blend` objective weighs land unlocked as well as risk removed, so the
greedy risk/cost ranking may remove more risk while unlocking less land.
"""),
    code("""
BUDGETS_YUAN = [2_000_000, 8_000_000]
plans = {
    b: parkgis.plan_repairs(conn, b, years=1, objective="blend", today=AS_OF) for b in BUDGETS_YUAN
}
totals = pd.DataFrame({
    f"{b / 1e4:,.0f} 万元": {
        "工程数 works": t["works"],
        "费用（万元） cost": t["cost_yuan"] / 1e4,
        "风险降低 risk reduction": t["risk_reduction"],
        "解锁土地（亩） land unlocked": t["land_unlocked_mu"],
        "解锁地块 parcels": len(t["parcels_unlocked"]),
        "解锁项目 enquiries": len(t["enquiries_unlocked"]),
        "贪心法风险降低 greedy risk reduction": t["greedy"]["risk_reduction"],
    }
    for b, t in ((b, p.attrs["totals"]) for b, p in plans.items())
})
totals.round(2)
"""),
    code("""
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
risk = totals.loc[["风险降低 risk reduction", "贪心法风险降低 greedy risk reduction"]]
risk.T.plot.bar(ax=left, rot=0)
left.set_title("风险降低：优化 vs 贪心 / Risk reduction: MILP vs greedy")
totals.loc["解锁土地（亩） land unlocked"].plot.bar(ax=right, rot=0, color="#1a9850")
right.set_ylabel("亩 / mu")
right.set_title("解锁土地 / Land unlocked")
plt.tight_layout()
plt.show()
"""),
    code("""
big = plans[BUDGETS_YUAN[-1]]
big[["seq", "work_kind", "code", "street", "method", "cost_yuan", "risk_reduction",
     "land_unlocked_mu", "parcels"]]
"""),
    md("""
## 5. 地图 / Maps
管网（按系统着色），以及较大预算计划中的工程（红色）和它们解锁的地块（绿色）。

The network (coloured by system); the works of the larger plan (red) and the land they unlock
(green).
"""),
    code("""
parkgis.maps.layer_map(conn, "pipes", role="infrastructure")
"""),
    code("""
m = parkgis.maps.layer_map(conn, "roads", role="infrastructure")
pipe_codes = big.loc[big["pipe_segment_id"].notna(), "code"].tolist()
road_codes = big.loc[big["road_segment_id"].notna(), "code"].tolist()
unlocked = [p for p in ",".join(big["parcels"]).split(",") if p]
for layer, codes, key, colour in (("pipes", pipe_codes, "code", "#d73027"),
                                  ("roads", road_codes, "code", "#d73027"),
                                  ("parcels", unlocked, "plot_no", "#1a9850")):
    if codes:
        gdf = parkgis.read_layer(conn, layer, where={key: codes}, crs=4326)
        folium.GeoJson(
            gdf[[key, "geometry"]].to_json(), name=layer,
            style_function=lambda f, c=colour: {"color": c, "weight": 5, "fillOpacity": 0.5},
            tooltip=folium.GeoJsonTooltip([key]),
        ).add_to(m)
m
"""),
    code(CLOSE),
]

NB04 = [
    md("""
# 04 招商供给与需求 / Investment supply against demand

把可供应的土地（净地、批而未供、已盘活以及释放计划中的地块）和空置标准化厂房，与近一年的招商
项目需求比较：按面积段和厂房规格（楼面荷载、净高）看哪里供给不足；再用匹配引擎看每个项目为何
找不到合适的地块或厂房。

Available land (ready, approved-unsupplied, released, and land in the release pipeline) and
vacant standard-factory units, against the investor enquiries of the last year: by size band and
building spec (floor load, clear height), where does supply fall short; then the matching engine
says why each enquiry finds no site.
"""),
    md(SETUP_MD),
    code(SETUP),
    md("""
## 1. 近一年的招商项目 / Enquiries of the last year
"""),
    code("""
enquiries = parkgis.read_layer(conn, "enquiries")
since = pd.Timestamp(AS_OF - dt.timedelta(days=365))
recent = enquiries[enquiries["received_on"] >= since].copy()
print(f"近一年项目 / enquiries since {since.date()}: {len(recent)}")
recent[["code", "project_name", "industry_code", "site_kind", "land_mu_min", "land_mu_max",
        "floor_area_m2_min", "floor_load_kn_m2_min", "clear_height_m_min", "status"]]
"""),
    md("""
## 2. 土地：按面积段的供需 / Land by size band
面积段（亩）是分析参数。需求按项目的最小用地面积计入所在面积段。

The size bands (mu) are parameters. Demand counts each enquiry in the band of its minimum area.
"""),
    code("""
LAND_BANDS_MU = [0, 10, 20, 50, 100, 10_000]
band_labels = [f"{a}-{b}" if b < 10_000 else f">{a}"
               for a, b in zip(LAND_BANDS_MU, LAND_BANDS_MU[1:])]
parcels = parkgis.read_layer(conn, "parcels", crs=4326)
ready = parcels[parcels["status"].isin(["available", "approved_unsupplied", "released"])]
pipeline = parkgis.release_pipeline(conn, AS_OF)
wants_land = recent[recent["site_kind"].isin(["land", "either"]) & recent["land_mu_min"].notna()]

def by_band(values, bands, labels):
    return pd.cut(values, bands, labels=labels).value_counts()

land = pd.DataFrame({
    "现有供给 ready": by_band(ready["area_mu"], LAND_BANDS_MU, band_labels),
    "释放计划 pipeline": by_band(pipeline["area_mu"], LAND_BANDS_MU, band_labels),
    "需求 enquiries": by_band(wants_land["land_mu_min"], LAND_BANDS_MU, band_labels),
}).reindex(band_labels).fillna(0).astype(int)
land["缺口 shortfall"] = (land["需求 enquiries"] - land["现有供给 ready"]).clip(lower=0)
ax = land[["现有供给 ready", "释放计划 pipeline", "需求 enquiries"]].plot.bar(
    rot=0, color=["#1a9850", "#91cf60", "#d73027"])
ax.set_xlabel("面积段（亩） / size band (mu)")
ax.set_ylabel("地块或项目数 / parcels or enquiries")
ax.set_title("土地供需（按面积段） / Land supply and demand by size")
plt.show()
land
"""),
    md("""
## 3. 厂房：按面积与规格的供需 / Buildings by size and spec
对每个需要厂房的项目，统计满足面积、楼面荷载、净高各项要求的空置单元数，以及同时满足全部要求的单元数。

For each enquiry wanting a building: vacant units meeting its floor area, floor load and clear
height one by one, and all together.
"""),
    code("""
units = parkgis.read_layer(conn, "units", crs=4326)
vacant = units[units["status"] == "vacant"]
wants_building = recent[recent["site_kind"].isin(["building", "either"])]
rows = []
for _, e in wants_building.fillna({"floor_area_m2_min": 0, "floor_load_kn_m2_min": 0,
                                   "clear_height_m_min": 0}).iterrows():
    area = vacant["area_m2"] >= e["floor_area_m2_min"]
    load = vacant["floor_load_kn_m2"] >= e["floor_load_kn_m2_min"]
    height = vacant["clear_height_m"] >= e["clear_height_m_min"]
    rows.append({"code": e["code"], "面积 area": int(area.sum()),
                 "荷载 floor load": int(load.sum()), "净高 clear height": int(height.sum()),
                 "全部 all": int((area & load & height).sum())})
spec = pd.DataFrame(rows).set_index("code")
ax = spec.plot.bar(rot=0, color=["#4575b4", "#91bfdb", "#fee090", "#d73027"])
ax.set_ylabel("满足要求的空置单元 / vacant units meeting it")
ax.set_title(f"空置厂房单元（共 {len(vacant)}）对各项目的满足情况 / Vacant units per requirement")
plt.show()
spec
"""),
    code("""
FLOOR_BANDS_M2 = [0, 500, 1000, 2000, 5000, 100_000]
floor_labels = [f"{a}-{b}" if b < 100_000 else f">{a}"
                for a, b in zip(FLOOR_BANDS_M2, FLOOR_BANDS_M2[1:])]
floor = pd.DataFrame({
    "空置单元 vacant units": by_band(vacant["area_m2"], FLOOR_BANDS_M2, floor_labels),
    "需求 enquiries": by_band(wants_building["floor_area_m2_min"], FLOOR_BANDS_M2, floor_labels),
}).reindex(floor_labels).fillna(0).astype(int)
ax = floor.plot.bar(rot=0, color=["#4575b4", "#d73027"])
ax.set_xlabel("建筑面积段（m²） / floor area band (m²)")
ax.set_title("厂房供需（按面积段） / Building supply and demand by size")
plt.show()
floor
"""),
    md("""
## 4. 匹配引擎：为何找不到 / The matching engine: why no site
对每个仍在洽谈或已推荐的项目运行匹配，统计被淘汰地块的原因（首次运行会刷新场地数据，约需十几秒）。

Each open or shortlisted enquiry is matched; the reasons candidates were rejected are counted
(the first match refreshes the site facts, which takes a few seconds).
"""),
    code("""
# An enquiry whose wanted-by date has passed is refused by matching: update it first.
wanted = pd.to_datetime(recent["wanted_by"]).dt.date
active = recent[recent["status"].isin(["open", "shortlist"]) & (wanted >= AS_OF)]
results, reasons = [], {}
for code in active["code"]:
    sites = parkgis.match(conn, code, role="land_bureau", as_of=AS_OF)
    results.append({"code": code, "fits": int(sites["fit"].sum()),
                    "near misses": int((~sites["fit"]).sum()),
                    "rejected": sites.attrs["rejected"]["count"]})
    reasons[code] = sites.attrs["rejected"]["reasons"]
matched = pd.DataFrame(results).set_index("code")
why = pd.DataFrame(reasons).fillna(0).astype(int)
ax = why.sum(axis=1).sort_values().plot.barh(color="#d73027")
ax.set_xlabel("被淘汰的候选场地次数 / candidate rejections")
ax.set_title("供给不足的原因（硬性约束） / Why supply falls short (hard constraints)")
plt.tight_layout()
plt.show()
matched
"""),
    md("""
## 5. 地图：可供应土地与空置厂房 / Map: land on offer and vacant units
"""),
    code("""
m = parkgis.maps.layer_map(conn, "parcels", role="promotion", where={"status": "available"})
shown = ["code", "area_m2", "floor_load_kn_m2", "clear_height_m"]
folium.GeoJson(
    vacant[[*shown, "geometry"]].to_json(), name="空置厂房 vacant units",
    style_function=lambda f: {"color": "#4575b4", "weight": 2, "fillOpacity": 0.6},
    tooltip=folium.GeoJsonTooltip(shown),
).add_to(m)
m
"""),
    code(CLOSE),
]

NOTEBOOKS = {
    "01_idle_land_inventory.ipynb": NB01,
    "02_zombie_firms_and_release.ipynb": NB02,
    "03_drainage_and_roads.ipynb": NB03,
    "04_investment_supply.ipynb": NB04,
}


def build(folder: Path = HERE) -> list[Path]:
    """Write every notebook (no outputs) into ``folder``; return their paths."""
    written = []
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=cells,
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                "language_info": {"name": "python"},
            },
        )
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{i:02d}"  # stable ids: rebuilding changes nothing
        nbformat.validate(nb)
        path = folder / name
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p)
