"""Plausible Chinese names, phone numbers and 统一社会信用代码 for synthetic records.

Every function draws from the ``random.Random`` it is given, so a seed fixes every name.
Trade names are made of common auspicious syllables; they are not meant to match real firms.
"""

from __future__ import annotations

import random

from lanyan.core.codes import uscc_with_check_digit
from lanyan.registry.choices import UnitCategory

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶顾毛"
    "郝龚邵万钱严戴孔汤季仇卞缪"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉红建文斌宇浩凯健俊帆帅旭"
    "宁龙林欣海波峰晨亮瑞博嘉琪婷雪梅兵国庆春燕志立新成荣晓丹彬云飞振东海燕永红凤蓉颖"
)
TRADE = "丰华盛源鑫泰恒瑞海港宏达远兴隆祥新金德安嘉润东方民建立通宇博天成昌晟锦鸿裕富盈"
STREET = (
    "幸福",
    "健康",
    "人民",
    "青年",
    "建设",
    "和平",
    "团结",
    "友谊",
    "丰华",
    "永泰",
    "育红",
    "益民",
    "春晖",
    "海融",
    "黄海",
    "华丰",
    "金海",
    "东进",
    "西康",
    "南翔",
    "北辰",
    "银杏",
    "梅园",
    "工农",
    "振兴",
    "常新",
    "范公",
    "通商",
    "瑞丰",
    "新港",
    "光明",
    "长安",
)
VILLAGE_HEAD = "新东西南北中永兴同红胜团光丰盛安和联建民德富立友恒金川"
VILLAGE_TAIL = "丰兴安和联民德富星河港垦灶舍墩团园桥庄湾洋庙坝堰北东南"

# L27 names the pillar industries; key and high-risk units lean on them.
KEY_KINDS = (
    "纺织有限公司",
    "纸业有限公司",
    "热电有限公司",
    "电气有限公司",
    "化工有限公司",
    "机械制造有限公司",
    "购物中心",
    "商厦",
    "大酒店",
    "中学",
    "实验小学",
    "人民医院分院",
    "中医院",
    "养老院",
    "物流仓储有限公司",
    "农贸市场",
)
HIGH_RISK_KINDS = (
    "化工有限公司",
    "石化储运有限公司",
    "危险化学品仓储有限公司",
    "燃气有限公司",
    "商业综合体",
    "大型商场",
    "纺织印染有限公司",
)
CROWDED_KINDS = (
    "超市",
    "酒店",
    "宾馆",
    "幼儿园",
    "影城",
    "KTV",
    "网咖",
    "健身会所",
    "社区卫生服务中心",
    "敬老院",
    "浴场",
    "棋牌室",
    "小学",
    "培训学校",
)
# 九小场所: small shops, restaurants, hotels, salons, internet cafés, entertainment, schools,
# clinics and workshops.
NINE_SMALL_KINDS = (
    "便利店",
    "小吃店",
    "饭店",
    "旅社",
    "理发店",
    "美容美发店",
    "网吧",
    "歌舞厅",
    "托管班",
    "诊所",
    "五金店",
    "加工坊",
)
THREE_IN_ONE_KINDS = ("服装加工坊", "五金加工部", "家具作坊", "食品加工店", "电动车修理铺")
GENERAL_KINDS = (
    "贸易有限公司",
    "科技有限公司",
    "农业发展有限公司",
    "建材有限公司",
    "水产有限公司",
    "汽车维修有限公司",
    "食品有限公司",
    "包装有限公司",
)
RESIDENTIAL = ("花园", "苑", "新村", "名都", "嘉园", "公馆", "府")

KINDS = {
    UnitCategory.KEY: KEY_KINDS,
    UnitCategory.HIGH_RISK: HIGH_RISK_KINDS,
    UnitCategory.CROWDED: CROWDED_KINDS,
    UnitCategory.NINE_SMALL: NINE_SMALL_KINDS,
    UnitCategory.THREE_IN_ONE: THREE_IN_ONE_KINDS,
    UnitCategory.GENERAL: GENERAL_KINDS,
}
# Kinds that are public institutions (事业单位) and so carry a 12… code, not 91….
PUBLIC_INSTITUTION = ("中学", "实验小学", "人民医院分院", "中医院", "小学", "社区卫生服务中心")
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    """A mobile number shape (1 + operator digit + 9 digits); not a real subscriber."""
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def trade_name(rng: random.Random) -> str:
    a = rng.choice(TRADE)
    b = rng.choice(TRADE.replace(a, ""))
    return a + b


def village_name(rng: random.Random) -> str:
    a = rng.choice(VILLAGE_HEAD)
    return a + rng.choice(VILLAGE_TAIL.replace(a, ""))


def uscc(rng: random.Random, county: str, kind: str, category: UnitCategory) -> str:
    """A GB 32100-2015 code with a valid check digit: 91 enterprise, 92 individual business
    (九小 and 三合一), 12 public institution, 52 private non-enterprise (nursing homes)."""
    if kind in PUBLIC_INSTITUTION:
        head = "12"
    elif kind in ("养老院", "敬老院", "幼儿园", "托管班", "培训学校"):
        head = "52"
    elif category in (UnitCategory.NINE_SMALL, UnitCategory.THREE_IN_ONE):
        head = "92"
    else:
        head = "91"
    body = "".join(rng.choice(_USCC_BODY) for _ in range(9))
    return uscc_with_check_digit(f"{head}{county}{body}")


def unit_name(rng: random.Random, category: UnitCategory, town: str, kind: str) -> str:
    """A unit name shaped like the kind: companies carry the county, shops the town."""
    brand = trade_name(rng)
    if kind.endswith("有限公司"):
        return f"江苏{brand}{kind}" if rng.random() < 0.4 else f"盐城市大丰{brand}{kind}"
    if kind in PUBLIC_INSTITUTION:
        return f"大丰区{town}{brand}{kind}"
    if category in (UnitCategory.NINE_SMALL, UnitCategory.THREE_IN_ONE):
        return f"{town}{brand}{kind}"
    return f"大丰{brand}{kind}"


def residential_name(rng: random.Random) -> str:
    return trade_name(rng) + rng.choice(RESIDENTIAL)
