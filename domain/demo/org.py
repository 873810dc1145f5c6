"""The organisation: head office, regions, 25 stores, the central warehouse, virtual locations,
site distances and the 12 suppliers.

Stores sit at real approximate city coordinates so distance-based transfer suggestions look right
on a map; `size` is the relative business volume the demand generator scales by (big-city stores
are busier)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from domain.demo.specs import LocationSpec, SupplierSpec

ROAD_FACTOR = 1.25  # road km ≈ great-circle km × 1.25 for Chinese intercity driving


@dataclass(frozen=True)
class _Store:
    code: str
    region: str
    city_zh: str
    city_en: str
    district_zh: str
    district_en: str
    road_zh: str
    lat: float
    lon: float
    size: float


REGIONS: tuple[tuple[str, str, str], ...] = (
    ("R-N", "华北区", "North China Region"),
    ("R-E", "华东区", "East China Region"),
    ("R-S", "华南区", "South China Region"),
)

# fmt: off
_STORES: tuple[_Store, ...] = (
    _Store("S-BJ01", "R-N", "北京", "Beijing", "朝阳", "Chaoyang", "东三环北路", 39.9219, 116.4436, 1.9),
    _Store("S-BJ02", "R-N", "北京", "Beijing", "酒仙桥", "Jiuxianqiao", "酒仙桥路", 39.9700, 116.4900, 1.3),
    _Store("S-BJ03", "R-N", "北京", "Beijing", "亦庄", "Yizhuang", "荣华南路", 39.8120, 116.4750, 1.2),
    _Store("S-TJ01", "R-N", "天津", "Tianjin", "北辰", "Beichen", "京津公路", 39.2248, 117.1352, 1.2),
    _Store("S-SJ01", "R-N", "石家庄", "Shijiazhuang", "裕华", "Yuhua", "槐安东路", 38.0428, 114.5149, 0.8),
    _Store("S-JN01", "R-N", "济南", "Jinan", "历下", "Lixia", "经十路", 36.6512, 117.1201, 0.9),
    _Store("S-QD01", "R-N", "青岛", "Qingdao", "崂山", "Laoshan", "香港东路", 36.0671, 120.3826, 0.9),
    _Store("S-TY01", "R-N", "太原", "Taiyuan", "迎泽", "Yingze", "迎泽大街", 37.8633, 112.5631, 0.6),
    _Store("S-SH01", "R-E", "上海", "Shanghai", "浦东", "Pudong", "张杨路", 31.2215, 121.5440, 1.9),
    _Store("S-SH02", "R-E", "上海", "Shanghai", "闵行", "Minhang", "沪闵路", 31.1128, 121.3817, 1.4),
    _Store("S-SH03", "R-E", "上海", "Shanghai", "嘉定", "Jiading", "博园路", 31.3747, 121.2654, 1.1),
    _Store("S-HZ01", "R-E", "杭州", "Hangzhou", "滨江", "Binjiang", "江南大道", 30.2084, 120.2120, 1.3),
    _Store("S-NJ01", "R-E", "南京", "Nanjing", "建邺", "Jianye", "江东中路", 32.0045, 118.7334, 1.1),
    _Store("S-SU01", "R-E", "苏州", "Suzhou", "工业园区", "SIP", "星湖街", 31.3105, 120.6690, 1.1),
    _Store("S-NB01", "R-E", "宁波", "Ningbo", "鄞州", "Yinzhou", "天童南路", 29.8213, 121.5480, 0.9),
    _Store("S-HF01", "R-E", "合肥", "Hefei", "包河", "Baohe", "徽州大道", 31.7930, 117.3030, 0.8),
    _Store("S-WX01", "R-E", "无锡", "Wuxi", "滨湖", "Binhu", "太湖大道", 31.5500, 120.2880, 0.7),
    _Store("S-GZ01", "R-S", "广州", "Guangzhou", "天河", "Tianhe", "黄埔大道西", 23.1247, 113.3612, 1.8),
    _Store("S-GZ02", "R-S", "广州", "Guangzhou", "番禺", "Panyu", "迎宾路", 22.9375, 113.3840, 1.1),
    _Store("S-SZ01", "R-S", "深圳", "Shenzhen", "福田", "Futian", "深南大道", 22.5410, 114.0550, 1.7),
    _Store("S-SZ02", "R-S", "深圳", "Shenzhen", "龙岗", "Longgang", "龙岗大道", 22.7196, 114.2470, 1.1),
    _Store("S-DG01", "R-S", "东莞", "Dongguan", "南城", "Nancheng", "莞太路", 23.0207, 113.7518, 0.9),
    _Store("S-FS01", "R-S", "佛山", "Foshan", "南海", "Nanhai", "桂澜北路", 23.0215, 113.1214, 0.9),
    _Store("S-XM01", "R-S", "厦门", "Xiamen", "湖里", "Huli", "仙岳路", 24.4980, 118.1290, 0.8),
    _Store("S-FZ01", "R-S", "福州", "Fuzhou", "仓山", "Cangshan", "南江滨西大道", 26.0430, 119.2780, 0.7),
)
# fmt: on

# Where the store's district name is not itself an administrative district.
_ADDRESS_AREA = {
    "S-BJ02": "朝阳区酒仙桥", "S-BJ03": "北京经济技术开发区", "S-SH01": "浦东新区", "S-SU01": "工业园区",
    "S-DG01": "南城街道",
}  # fmt: skip

WAREHOUSE = ("WH", "廊坊中央仓", "Langfang Central Warehouse", "廊坊", 39.5380, 116.6838)
_ZONES: tuple[tuple[str, str, str], ...] = (
    ("A", "A区 快速拣货区（近发货口）", "Zone A - fast pick, next to dispatch"),
    ("B", "B区 常规货架区", "Zone B - standard racking"),
    ("C", "C区 大件及慢动区", "Zone C - bulky and slow movers"),
)
AISLES, LEVELS = 8, 5  # 40 bins per zone

_VIRTUALS: tuple[tuple[str, str, str], ...] = (
    ("supplier", "虚拟-供应商", "Virtual - suppliers"),
    ("workshop", "虚拟-维修车间", "Virtual - workshop"),
    ("adjustment", "虚拟-盘点调整", "Virtual - inventory adjustment"),
    ("transit", "虚拟-在途", "Virtual - in transit"),
    ("scrap", "虚拟-报废", "Virtual - scrap"),
    ("customer", "虚拟-客户", "Virtual - customers"),
)

STORE_CODES: tuple[str, ...] = tuple(s.code for s in _STORES)
STORE_REGION: tuple[int, ...] = tuple(
    next(i for i, r in enumerate(REGIONS) if r[0] == s.region) for s in _STORES
)
STORE_SIZE: tuple[float, ...] = tuple(s.size for s in _STORES)
ZONE_LETTERS: tuple[str, ...] = tuple(z[0] for z in _ZONES)


def bin_code(zone: str, aisle: int, level: int) -> str:
    return f"WH-{zone}-{aisle:02d}-{level:02d}"


def build_locations(bin_capacity: dict[str, int] | None = None) -> list[LocationSpec]:
    """Parent-before-child list; bin capacities come from the stock they must hold (filled in last)."""
    caps = bin_capacity or {}
    locs = [
        LocationSpec(
            "HQ", "华信汽车服务集团", "Huaxin Auto Group", "company", None,
            city="北京", latitude=39.9087, longitude=116.4605, address="北京市朝阳区建国路 89 号华信大厦",
        )
    ]  # fmt: skip
    locs += [LocationSpec(code, zh, en, "region", "HQ") for code, zh, en in REGIONS]
    for s in _STORES:
        number = 8 + sum(map(ord, s.road_zh + s.code)) % 290
        area = _ADDRESS_AREA.get(s.code, s.district_zh + "区")
        locs.append(
            LocationSpec(
                s.code, f"{s.city_zh}{s.district_zh}店", f"Huaxin {s.city_en} {s.district_en}", "store",
                s.region, city=s.city_zh, latitude=s.lat, longitude=s.lon,
                address=f"{s.city_zh}市{area}{s.road_zh} {number} 号",
            )
        )  # fmt: skip
    code, zh, en, city, lat, lon = WAREHOUSE
    locs.append(
        LocationSpec(
            code, zh, en, "warehouse", "HQ", city=city, latitude=lat, longitude=lon,
            address="河北省廊坊市广阳区物流园区 6 号路 18 号",
        )
    )  # fmt: skip
    for letter, zzh, zen in _ZONES:
        locs.append(LocationSpec(f"WH-{letter}", zzh, zen, "zone", "WH", city=city))
    for letter, _, _ in _ZONES:
        for aisle, level in itertools.product(range(1, AISLES + 1), range(1, LEVELS + 1)):
            bc = bin_code(letter, aisle, level)
            zh = f"{letter}区 {aisle:02d}排 {level:02d}层"
            en = f"Zone {letter} aisle {aisle:02d} level {level:02d}"
            locs.append(LocationSpec(bc, zh, en, "bin", f"WH-{letter}", city=city, bin_capacity=caps.get(bc)))
    for vk, vzh, ven in _VIRTUALS:
        locs.append(LocationSpec(f"V-{vk.upper()}", vzh, ven, "virtual", "HQ", virtual_kind=vk))
    return locs


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def site_distances(locations: list[LocationSpec]) -> list[tuple[str, str, float]]:
    """Road km for every unordered pair of sites (stores + warehouse), each pair once with a < b."""
    sites = sorted((loc for loc in locations if loc.kind in ("store", "warehouse")), key=lambda loc: loc.code)
    out: list[tuple[str, str, float]] = []
    for i, a in enumerate(sites):
        for b in sites[i + 1 :]:
            assert a.latitude is not None and a.longitude is not None
            assert b.latitude is not None and b.longitude is not None
            km = haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) * ROAD_FACTOR
            out.append((a.code, b.code, round(km, 1)))
    return out


# Fictional suppliers (no real trademarks): code, zh, en, city, area code, mail slug, on-time, lead mean.
# fmt: off
_SUPPLIERS: tuple[tuple[str, str, str, str, str, str, float, float], ...] = (
    ("SUP-BR", "博瑞制动系统（苏州）有限公司", "Borui Braking Systems (Suzhou) Co., Ltd.", "苏州", "0512",
     "borui-brake", 0.95, 6.0),
    ("SUP-HC", "恒驰汽车零部件有限公司", "Hengchi Auto Components Co., Ltd.", "杭州", "0571", "hengchi-parts",
     0.83, 8.0),
    ("SUP-QY", "清源滤清器（宁波）有限公司", "Qingyuan Filtration (Ningbo) Co., Ltd.", "宁波", "0574",
     "qingyuan-filter", 0.98, 5.0),
    ("SUP-LQ", "蓝泉热管理科技有限公司", "Lanquan Thermal Management Technology Co., Ltd.", "上海", "021",
     "lanquan-thermal", 0.90, 7.0),
    ("SUP-MS", "明视雨刮系统有限公司", "Mingshi Wiper Systems Co., Ltd.", "厦门", "0592", "mingshi-wiper",
     0.87, 9.0),
    ("SUP-LF", "凌峰悬架科技有限公司", "Lingfeng Suspension Technology Co., Ltd.", "芜湖", "0553",
     "lingfeng-susp", 0.76, 14.0),
    ("SUP-AC", "安驰汽车电子有限公司", "Anchi Automotive Electronics Co., Ltd.", "东莞", "0769", "anchi-auto",
     0.92, 10.0),
    ("SUP-GN", "冠能蓄电池有限公司", "Guanneng Battery Co., Ltd.", "深圳", "0755", "guanneng-battery", 0.80,
     7.0),
    ("SUP-HG", "华光车灯有限公司", "Huaguang Auto Lighting Co., Ltd.", "常州", "0519", "huaguang-lamp", 0.72,
     18.0),
    ("SUP-XD", "鑫达车身部件有限公司", "Xinda Body Parts Co., Ltd.", "台州", "0576", "xinda-body", 0.68,
     21.0),
    ("SUP-RT", "瑞途轮胎有限公司", "Ruitu Tyre Co., Ltd.", "青岛", "0532", "ruitu-tyre", 0.88, 10.0),
    ("SUP-ZH", "中汇汽配供应链有限公司", "Zhonghui Auto Parts Supply Chain Co., Ltd.", "广州", "020",
     "zhonghui-scm", 0.79, 4.0),
)
# fmt: on
SUPPLIER_CODES: tuple[str, ...] = tuple(s[0] for s in _SUPPLIERS)

# fmt: off
_SURNAMES = (("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
             ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
             ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"))
_GIVEN = (("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
          ("强", "qiang"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("军", "jun"), ("杰", "jie"),
          ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("海燕", "haiyan"),
          ("建华", "jianhua"), ("晓东", "xiaodong"), ("志强", "zhiqiang"))
# fmt: on


def person_name(rng: np.random.Generator) -> tuple[str, str]:
    """A Chinese name and its pinyin (for the e-mail address)."""
    s = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
    g = _GIVEN[int(rng.integers(len(_GIVEN)))]
    return s[0] + g[0], f"{g[1]}.{s[1]}"


def build_suppliers(rng: np.random.Generator) -> list[SupplierSpec]:
    """Fixed identities and on-time rates (both ends of 68-98 % present); contacts vary by seed."""
    out = []
    for code, zh, en, city, area, slug, on_time, lead in _SUPPLIERS:
        name, pinyin = person_name(rng)
        local = "".join(str(d) for d in rng.integers(0, 10, size=7))
        phone = f"{area}-{rng.integers(5, 9)}{local}"
        out.append(
            SupplierSpec(
                code=code, name_zh=zh, name_en=en, city=city, on_time_rate=on_time,
                lead_time_days_mean=lead, lead_time_days_std=round(lead * (0.15 + 0.6 * (1 - on_time)), 1),
                contact_name=name, contact_phone=phone, contact_email=f"{pinyin}@{slug}.example.com",
            )
        )  # fmt: skip
    return out
