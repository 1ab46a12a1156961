"""Invented Chinese names for the demo: roads, firms, people, banks, law firms."""

from __future__ import annotations

import numpy as np

#: Main roads running north-south, then east-west (invented, in the local style).
NS_ROADS = ("烈山大道", "华鑫路", "龙山路", "宏业路", "青龙山路", "凤凰山路", "金山路", "鑫源路")
EW_ROADS = ("凤凰山路", "榴园路", "兴业大道", "相王路", "铁佛路", "古饶路", "东山路", "石榴路")

#: Industry codes (GB/T 4754-2017 classes) with the word a firm name uses, by park theme.
INDUSTRIES: dict[str, tuple[tuple[str, str], ...]] = {
    "食品加工": (
        ("C1311", "面粉"),
        ("C1391", "淀粉制品"),
        ("C1411", "食品"),
        ("C1524", "乳业"),
        ("C1512", "酒业"),
    ),
    "机械制造": (
        ("C3311", "钢结构"),
        ("C3441", "泵业"),
        ("C3511", "矿山机械"),
        ("C3525", "模具"),
        ("C3670", "汽车零部件"),
    ),
    "高新技术": (
        ("C3831", "线缆"),
        ("C3976", "光电科技"),
        ("C4011", "智能控制"),
        ("C3824", "电子科技"),
    ),
    "新材料": (("C3073", "陶铝新材料"), ("C3021", "建材"), ("C2922", "塑业"), ("C2614", "化工")),
    "装备制造": (("C3411", "锅炉"), ("C3599", "智能装备"), ("C3811", "电机")),
    "纺织": (("C1711", "纺织"), ("C1713", "印染"), ("C1810", "服饰")),
}

_BRAND_A = "华宏鑫恒泰通达瑞丰盛金源兴隆昌凯信德佳润久安中联新天汇锦嘉"
_BRAND_B = "业达源泰鑫丰盛华通邦力科瑞锐创旭晟弘宇诚辉祥翔越峰鼎"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红海波宁"

BANKS = (
    "中国工商银行淮北分行",
    "中国农业银行淮北分行",
    "中国建设银行淮北分行",
    "中国银行淮北分行",
    "淮北农村商业银行",
    "徽商银行淮北分行",
)
LAW_FIRMS = (
    "安徽淮海律师事务所",
    "安徽相山律师事务所",
    "安徽华人律师事务所（淮北）",
    "北京盈科（淮北）律师事务所",
)
INSPECTION_CONTRACTORS = (
    "安徽管通检测技术有限公司",
    "淮北市市政工程检测中心",
    "合肥中科管道检测有限公司",
)
#: Courts that seize land; their case-number codes come from the ``court`` table.
COURTS_ENFORCING = ("烈山区人民法院", "相山区人民法院", "杜集区人民法院", "淮北市中级人民法院")


def brand(rng: np.random.Generator) -> str:
    """A two-character trade name (字号)."""
    return str(rng.choice(list(_BRAND_A))) + str(rng.choice(list(_BRAND_B)))


def person(rng: np.random.Generator) -> str:
    """A plausible personal name."""
    given = "".join(rng.choice(list(_GIVEN), size=int(rng.integers(1, 3))))
    return str(rng.choice(list(_SURNAMES))) + given


def firm_name(rng: np.random.Generator, word: str) -> str:
    """A firm name like 淮北华鑫新材料有限公司."""
    place = str(rng.choice(["淮北", "淮北", "安徽", "淮北市烈山区"]))
    suffix = str(rng.choice(["有限公司", "有限公司", "科技有限公司", "股份有限公司"]))
    if word.endswith("科技") and suffix.startswith("科技"):
        suffix = "有限公司"
    return f"{place}{brand(rng)}{word}{suffix}"


def phone(rng: np.random.Generator) -> str:
    """A mobile number (invented)."""
    return (
        "1"
        + str(rng.choice(["38", "39", "55", "58", "77", "80", "99"]))
        + "".join(str(d) for d in rng.integers(0, 10, size=8))
    )
