"""Words: the trade's search synonyms and the English for spec values that appear in part names.

Synonym groups are generic terms (刹车片 = 制动片 = brake pad), not part types, so a search for
"刹车片" finds front and rear pads alike; the loader stores each group under one number."""

from __future__ import annotations

# Generic trade terms that mean the same thing in a search box (one group per line).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("刹车片", "制动片", "刹车皮", "brake pad", "brake pads"),
    ("刹车盘", "制动盘", "刹车碟", "brake disc", "brake rotor"),
    ("刹车油", "制动液", "刹车液", "brake fluid"),
    ("卡钳", "制动钳", "刹车分泵", "brake caliper"),
    ("电子手刹电机", "电子驻车电机", "EPB motor"),
    ("电池冷却液", "电池防冻液", "低电导冷却液", "battery coolant", "EV coolant"),
    ("电子水泵", "电池水泵", "电动冷却泵", "electric water pump"),
    ("膨胀水壶", "副水箱", "expansion tank", "coolant reservoir"),
    ("电池冷却板", "液冷板", "cold plate"),
    ("机油滤清器", "机滤", "机油格", "oil filter"),
    ("空气滤清器", "空滤", "空气格", "air filter"),
    ("空调滤清器", "空调滤芯", "空调格", "cabin filter", "pollen filter"),
    ("燃油滤清器", "汽滤", "汽油滤芯", "fuel filter"),
    ("雨刮片", "雨刷", "雨刮", "雨刷片", "wiper blade", "wiper"),
    ("玻璃水", "玻璃清洗液", "雨刷精", "washer fluid"),
    ("减震器", "避震器", "减振器", "shock absorber", "damper", "strut"),
    ("摆臂", "控制臂", "三角臂", "control arm", "wishbone"),
    ("稳定杆连杆", "平衡杆球头", "sway bar link", "stabilizer link"),
    ("衬套", "胶套", "bushing", "bush"),
    ("减震器顶胶", "顶胶", "strut mount", "top mount"),
    ("转向拉杆球头", "方向机外球头", "横拉杆球头", "tie rod end"),
    ("轮毂轴承", "轮毂单元", "hub bearing", "wheel bearing"),
    ("润滑脂", "黄油", "grease"),
    ("蓄电池", "电瓶", "12V电池", "car battery", "battery"),
    ("火花塞", "火嘴", "spark plug"),
    ("点火线圈", "高压包", "ignition coil"),
    ("起动机", "启动机", "马达", "starter motor"),
    ("保险丝", "保险片", "熔断丝", "fuse"),
    ("灯泡", "灯胆", "bulb"),
    ("氧传感器", "含氧传感器", "O2 sensor", "lambda sensor"),
    ("倒车雷达", "泊车雷达", "parking sensor", "PDC"),
    ("保险杠", "保杠", "杠皮", "bumper"),
    ("后视镜", "倒车镜", "反光镜", "mirror"),
    ("大灯", "前照灯", "头灯", "headlight", "headlamp"),
    ("尾灯", "后尾灯", "tail light", "tail lamp"),
    ("翼子板", "叶子板", "fender", "wing"),
    ("发动机盖", "引擎盖", "机盖", "hood", "bonnet"),
    ("中网", "进气格栅", "grille"),
    ("密封条", "胶条", "weatherstrip", "seal strip"),
    ("原子灰", "腻子", "补土", "body filler", "putty"),
    ("轮胎", "车胎", "tyre", "tire"),
    ("冬季轮胎", "雪地胎", "冬季胎", "winter tyre", "snow tire"),
    ("缺气保用轮胎", "防爆胎", "run flat tire", "run-flat tyre"),
    ("胎压传感器", "胎压监测", "TPMS"),
    ("气门嘴", "气门芯", "valve stem"),
    ("平衡块", "配重块", "wheel weight", "balance weight"),
)

# English for the spec values that appear in part names (anything not listed is already ASCII).
EN_VALUE: dict[str, str] = {
    "左前": "Front Left", "右前": "Front Right", "左后": "Rear Left", "右后": "Rear Right", "左": "Left",
    "右": "Right", "主驾侧": "Driver Side", "副驾侧": "Passenger Side", "后窗": "Rear Window",
    "前窗": "Windscreen", "前轮": "Front", "后轮": "Rear", "前": "Front", "后": "Rear",
    "前衬套": "Front Bush", "后衬套": "Rear Bush", "前氧": "Upstream", "后氧": "Downstream",
    "前保险杠": "Front Bumper", "免维护": "Maintenance-free", "舒适静音": "Comfort", "运动操控": "Sport",
    "节油经济": "Eco", "蓝色": "Blue", "粉色": "Pink", "绿色": "Green", "红色": "Red", "黑色": "Black",
    "黄色": "Yellow", "U型钩": "U-hook", "侧插式": "Side-pin", "按钮式": "Push-button",
    "窄钩式": "Narrow-hook", "标准插片": "Standard", "迷你插片": "Mini", "低矮迷你": "Low-profile Mini",
    "后保险杠": "Rear Bumper", "进水管": "Inlet", "出水管": "Outlet", "旁通管": "Bypass",
    "活性炭": "Activated Carbon", "无纺布": "Non-woven", "抗菌活性炭": "Antibacterial Carbon",
    "铱金": "Iridium", "铂金": "Platinum", "双铱金": "Double Iridium", "镍合金": "Nickel", "锂基": "Lithium",
    "复合锂基": "Lithium Complex", "极压锂基": "EP Lithium", "D型": "D-Profile", "P型": "P-Profile",
    "Z型": "Z-Profile", "B型": "B-Profile", "通用型": "General Purpose", "合金型": "Alloy",
    "细刮型": "Fine Finish", "橡胶卡扣式 TR413": "Snap-in TR413", "橡胶卡扣式 TR414": "Snap-in TR414",
    "金属螺母式 TR416": "Clamp-in TR416", "蘑菇钉 6mm": "Plug Patch 6mm", "蘑菇钉 8mm": "Plug Patch 8mm",
    "冷补胶片 75mm": "Cold Patch 75mm", "冷补胶片 55mm": "Cold Patch 55mm", "粘贴式锌块": "Adhesive Zinc",
    "粘贴式铁块": "Adhesive Steel", "卡扣式铅块": "Clip-on Lead",
}  # fmt: skip
# How a name_key value reads in a name, per key: (Chinese, English) templates.
NAME_TAG: dict[str, tuple[str, str]] = {
    "fp": ("冰点{}°C", "{}°C"), "a": ("{}A", "{}A"), "area": ("{}mm²", "{}mm2"), "ah": ("{}Ah", "{}Ah"),
    "bp": ("干沸点{}°C", "dry BP {}°C"),
}  # fmt: skip
