"""Vehicle models sold in China that the group services, with the powertrain that decides fitment."""

from __future__ import annotations

from domain.demo.specs import VehicleModelSpec

# fmt: off
_MODELS: tuple[tuple[str, str, str, str, int, int, str, str], ...] = (
    ("大众", "Volkswagen", "朗逸", "Lavida", 2018, 2024, "1.5L", "ICE"),
    ("大众", "Volkswagen", "速腾", "Sagitar", 2019, 2024, "1.4T", "ICE"),
    ("大众", "Volkswagen", "帕萨特", "Passat", 2019, 2024, "2.0T", "ICE"),
    ("大众", "Volkswagen", "ID.4 CROZZ", "ID.4 CROZZ", 2021, 2024, "EV 150kW", "BEV"),
    ("丰田", "Toyota", "卡罗拉", "Corolla", 2019, 2024, "1.2T", "ICE"),
    ("丰田", "Toyota", "卡罗拉 双擎", "Corolla Hybrid", 2019, 2024, "1.8L HEV", "HEV"),
    ("丰田", "Toyota", "凯美瑞", "Camry", 2018, 2024, "2.5L HEV", "HEV"),
    ("丰田", "Toyota", "RAV4荣放", "RAV4", 2020, 2024, "2.0L", "ICE"),
    ("本田", "Honda", "雅阁", "Accord", 2018, 2024, "1.5T", "ICE"),
    ("本田", "Honda", "思域", "Civic", 2022, 2024, "1.5T", "ICE"),
    ("本田", "Honda", "CR-V", "CR-V", 2017, 2024, "1.5T", "ICE"),
    ("日产", "Nissan", "轩逸", "Sylphy", 2019, 2024, "1.6L", "ICE"),
    ("日产", "Nissan", "奇骏", "X-Trail", 2021, 2024, "1.5T", "ICE"),
    ("别克", "Buick", "英朗", "Excelle GT", 2015, 2024, "1.5L", "ICE"),
    ("别克", "Buick", "GL8", "GL8", 2017, 2024, "2.0T", "ICE"),
    ("奥迪", "Audi", "A4L", "A4L", 2017, 2024, "2.0T", "ICE"),
    ("宝马", "BMW", "3系", "3 Series", 2019, 2024, "2.0T", "ICE"),
    ("奔驰", "Mercedes-Benz", "C级", "C-Class", 2022, 2024, "1.5T MHEV", "HEV"),
    ("比亚迪", "BYD", "秦PLUS DM-i", "Qin PLUS DM-i", 2021, 2024, "1.5L DM-i", "PHEV"),
    ("比亚迪", "BYD", "宋PLUS DM-i", "Song PLUS DM-i", 2021, 2024, "1.5L DM-i", "PHEV"),
    ("比亚迪", "BYD", "汉EV", "Han EV", 2020, 2024, "EV 180kW", "BEV"),
    ("比亚迪", "BYD", "海豚", "Dolphin", 2021, 2024, "EV 70kW", "BEV"),
    ("比亚迪", "BYD", "元PLUS", "Atto 3", 2022, 2024, "EV 150kW", "BEV"),
    ("特斯拉", "Tesla", "Model 3", "Model 3", 2019, 2024, "EV RWD", "BEV"),
    ("特斯拉", "Tesla", "Model Y", "Model Y", 2021, 2024, "EV AWD", "BEV"),
    ("蔚来", "NIO", "ES6", "ES6", 2019, 2024, "EV AWD", "BEV"),
    ("小鹏", "XPeng", "P7", "P7", 2020, 2024, "EV RWD", "BEV"),
    ("广汽埃安", "GAC Aion", "AION S", "AION S", 2019, 2024, "EV 135kW", "BEV"),
    ("五菱", "Wuling", "宏光MINIEV", "Hongguang MINIEV", 2020, 2024, "EV 20kW", "BEV"),
    ("理想", "Li Auto", "L7", "L7", 2023, 2024, "1.5T EREV", "PHEV"),
    ("吉利", "Geely", "星越L", "Monjaro", 2021, 2024, "2.0T", "ICE"),
    ("吉利", "Geely", "帝豪", "Emgrand", 2018, 2024, "1.5L", "ICE"),
    ("长安", "Changan", "CS75 PLUS", "CS75 PLUS", 2019, 2024, "1.5T", "ICE"),
    ("哈弗", "Haval", "H6", "H6", 2017, 2024, "1.5T", "ICE"),
    ("奇瑞", "Chery", "瑞虎8", "Tiggo 8", 2018, 2024, "1.6T", "ICE"),
    ("领克", "Lynk & Co", "03", "03", 2018, 2024, "2.0T", "ICE"),
)
# fmt: on

PREMIUM_MAKES = frozenset({"奥迪", "宝马", "奔驰", "特斯拉", "蔚来", "理想"})


def build_vehicle_models() -> list[VehicleModelSpec]:
    return [
        VehicleModelSpec(make=mk, model=md, year_from=y0, year_to=y1, engine=eng,
                         make_en=mk_en, model_en=md_en, powertrain=pt)
        for mk, mk_en, md, md_en, y0, y1, eng, pt in _MODELS
    ]  # fmt: skip
