"""Words the demo company is made of: regions, company name parts per industry, job titles,
follow-up notes. Person names and extra brand names come from Faker's zh_CN lists."""

from __future__ import annotations

from faker.providers.company.zh_CN import Provider as FakerCompany
from faker.providers.person.zh_CN import Provider as FakerPerson

from guanxi.activities.choices import FollowUpKind
from guanxi.customers.choices import CustomerGrade, CustomerSource, CustomerStatus, Industry

# (province, city, telephone area code, districts)
REGIONS: list[tuple[str, str, str, list[str]]] = [
    ("广东", "深圳", "755", ["南山区", "福田区", "宝安区", "龙岗区", "罗湖区", "龙华区"]),
    ("广东", "广州", "20", ["天河区", "越秀区", "海珠区", "番禺区", "白云区", "黄埔区"]),
    ("广东", "东莞", "769", ["南城街道", "松山湖", "长安镇", "虎门镇"]),
    ("广东", "佛山", "757", ["禅城区", "南海区", "顺德区"]),
    ("北京", "北京", "10", ["海淀区", "朝阳区", "东城区", "西城区", "丰台区", "昌平区"]),
    ("上海", "上海", "21", ["浦东新区", "徐汇区", "静安区", "闵行区", "长宁区", "嘉定区"]),
    ("天津", "天津", "22", ["滨海新区", "和平区", "南开区", "河西区"]),
    ("重庆", "重庆", "23", ["渝中区", "江北区", "渝北区", "九龙坡区"]),
    ("浙江", "杭州", "571", ["西湖区", "滨江区", "余杭区", "上城区", "拱墅区"]),
    ("浙江", "宁波", "574", ["鄞州区", "海曙区", "北仑区"]),
    ("浙江", "温州", "577", ["鹿城区", "瓯海区", "龙湾区"]),
    ("江苏", "南京", "25", ["鼓楼区", "玄武区", "建邺区", "江宁区"]),
    ("江苏", "苏州", "512", ["工业园区", "姑苏区", "吴中区", "昆山市"]),
    ("江苏", "无锡", "510", ["滨湖区", "梁溪区", "新吴区"]),
    ("四川", "成都", "28", ["武侯区", "锦江区", "高新区", "成华区", "青羊区"]),
    ("湖北", "武汉", "27", ["江汉区", "武昌区", "洪山区", "东湖高新区"]),
    ("湖南", "长沙", "731", ["岳麓区", "芙蓉区", "天心区", "雨花区"]),
    ("陕西", "西安", "29", ["雁塔区", "碑林区", "未央区", "高新区"]),
    ("山东", "济南", "531", ["历下区", "市中区", "槐荫区"]),
    ("山东", "青岛", "532", ["市南区", "崂山区", "黄岛区", "李沧区"]),
    ("福建", "厦门", "592", ["思明区", "湖里区", "集美区"]),
    ("福建", "福州", "591", ["鼓楼区", "台江区", "仓山区"]),
    ("河南", "郑州", "371", ["金水区", "二七区", "郑东新区"]),
    ("安徽", "合肥", "551", ["蜀山区", "包河区", "庐阳区"]),
    ("辽宁", "沈阳", "24", ["和平区", "沈河区", "浑南区"]),
    ("辽宁", "大连", "411", ["中山区", "沙河口区", "甘井子区"]),
]
# Where a demo company's customers are: the home region weighs most.
REGION_WEIGHTS = [14, 10, 5, 4, 9, 9, 3, 3, 7, 3, 2, 4, 5, 2, 5, 3, 3, 2, 2, 2, 2, 1, 2, 2, 1, 1]

STREET_STEMS = ["建设", "人民", "解放", "中山", "和平", "科技", "创业", "文化", "新华", "长江", "黄河", "滨江",
                "学府", "高新", "金融", "世纪", "东方", "迎宾", "光明", "振兴", "工业", "软件园", "商务", "航空"]
STREET_KINDS = ["路", "街", "大道", "东路", "西路", "南路", "北路"]
BUILDINGS = ["大厦", "中心", "广场", "科技园", "产业园", "商务楼"]

# Two-character trade names (字号) are built from these: 腾远, 华信, 鼎盛 …
BRAND_FIRST = list("腾华鼎恒瑞中宏金安永新嘉博泰盛远天康信海东广汇智创聚佳卓凯明达科亿诚德冠锦润")
BRAND_SECOND = list("远信盛通达华源泰丰科诚宇辉捷力迅兴越瑞鑫禾和鸿晟邦峰博联众创岳麒胜图")
# Faker's own trade names, for variety (e.g. 超艺, 九方, 创联世纪); those naming a city are left out.
FAKER_BRANDS = [p for p in FakerCompany.company_prefixes if len(p) <= 4 and "济南" not in p]

# Words after the trade name, per industry.
INDUSTRY_WORDS: dict[str, list[str]] = {
    Industry.IT: ["软件", "信息技术", "网络科技", "数据科技", "智能科技", "云计算"],
    Industry.MANUFACTURING: ["机械制造", "精密机械", "电子科技", "新材料", "自动化设备", "模具", "电器"],
    Industry.RETAIL: ["商贸", "电子商务", "百货", "贸易", "连锁超市"],
    Industry.FINANCE: ["投资管理", "融资租赁", "资产管理", "商业保理"],
    Industry.EDUCATION: ["教育科技", "职业培训", "文化传播"],
    Industry.HEALTHCARE: ["医疗器械", "生物科技", "医药", "健康管理"],
    Industry.CONSTRUCTION: ["建设工程", "建材", "置业", "装饰工程", "房地产开发"],
    Industry.LOGISTICS: ["物流", "供应链管理", "国际货运代理", "仓储服务"],
    Industry.ENERGY: ["新能源", "电力设备", "光伏科技", "储能技术"],
    Industry.FOOD: ["食品", "餐饮管理", "农业发展", "饮品"],
    Industry.SERVICES: ["企业管理咨询", "广告传媒", "人力资源", "会计师事务所", "法律咨询"],
    Industry.GOVERNMENT: [],
    Industry.OTHER: ["实业", "发展", "控股"],
}
INDUSTRY_WEIGHTS = {
    Industry.MANUFACTURING: 22, Industry.IT: 16, Industry.RETAIL: 12, Industry.CONSTRUCTION: 8,
    Industry.LOGISTICS: 7, Industry.HEALTHCARE: 6, Industry.SERVICES: 7, Industry.FOOD: 6, Industry.ENERGY: 5,
    Industry.FINANCE: 4, Industry.EDUCATION: 3, Industry.GOVERNMENT: 2, Industry.OTHER: 2,
}
# Public-sector customers are named by institution, not by trade name.
PUBLIC_BODIES = ["第一人民医院", "中心医院", "人民政府办公室", "教育局", "职业技术学院", "第三中学", "公安局",
                 "交通运输局", "自然资源局", "中医院", "妇幼保健院", "图书馆"]
COMPANY_SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
EMAIL_TLDS = ["com", "cn", "com.cn", "net"]
EMAIL_BOXES = ["info", "sales", "service", "contact", "hr", "admin"]
FREE_MAIL = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com"]

SURNAMES = list(FakerPerson.last_names)
GIVEN_NAMES = list(FakerPerson.first_names)

TITLES = ["总经理", "副总经理", "采购经理", "采购专员", "技术总监", "财务经理", "行政主管", "项目经理", "IT 主管",
          "生产厂长", "董事长", "运营总监", "市场经理", "办公室主任"]
DECISION_TITLES = ["总经理", "董事长", "副总经理", "采购经理", "技术总监"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183",
                   "185", "186", "187", "188", "189", "191", "198", "199"]

PRODUCTS = ["ERP 系统", "CRM 软件", "工业传感器", "年度维保服务", "数控机床", "办公设备", "云服务器", "安防监控系统",
            "物流管理平台", "定制包装", "检测仪器", "培训课程", "光伏组件", "冷链运输服务"]

# Notes a seller writes after a follow-up; {contact}, {product}, {amount}, {days} are filled in.
FOLLOW_UP_NOTES: dict[str, list[str]] = {
    FollowUpKind.CALL: [
        "电话联系{contact}，介绍了{product}，对方表示有兴趣，需要内部讨论后再答复。",
        "给{contact}打电话确认需求，预算大约{amount}万元，计划下个季度采购。",
        "{contact}反馈上次报价偏高，希望再优惠一些，已申请特价。",
        "电话回访{contact}，产品使用正常，提到年底可能追加{product}。",
        "联系{contact}未接通，稍后再打。",
        "{contact}询问{product}的交付周期，答复约{days}天。",
    ],
    FollowUpKind.VISIT: [
        "上门拜访{contact}，参观了生产车间，了解到对{product}有持续需求。",
        "拜访{contact}并演示{product}，对方技术团队比较认可，约定提交方案。",
        "到客户现场处理售后问题，{contact}对响应速度表示满意。",
        "陪同经理拜访{contact}，沟通年度合作框架，金额约{amount}万元。",
    ],
    FollowUpKind.MEETING: [
        "与{contact}开会讨论{product}实施计划，确定{days}天内完成第一阶段。",
        "参加客户招标答疑会，{contact}提出了资质和付款方式的问题。",
        "视频会议评审方案，{contact}要求补充案例和报价明细。",
    ],
    FollowUpKind.EMAIL: [
        "已把{product}报价单和资料发到{contact}邮箱，等待回复。",
        "邮件发送合同草稿给{contact}，请对方法务审核。",
        "{contact}邮件确认收到样品，测试结果预计{days}天后出来。",
    ],
    FollowUpKind.WECHAT: [
        "微信和{contact}沟通，发了{product}的案例介绍。",
        "{contact}微信询问发票和付款进度，已转财务处理。",
        "加了{contact}微信，约了下周见面。",
    ],
    FollowUpKind.NOTE: [
        "客户今年预算收紧，{product}项目可能推迟。",
        "听说竞争对手也在接触{contact}，需要尽快推进。",
        "客户内部组织调整，新的对接人是{contact}。",
    ],
}
FOLLOW_UP_KIND_WEIGHTS = {FollowUpKind.CALL: 40, FollowUpKind.WECHAT: 22, FollowUpKind.VISIT: 14,
                          FollowUpKind.EMAIL: 10, FollowUpKind.MEETING: 8, FollowUpKind.NOTE: 6}

STATUS_WEIGHTS = {CustomerStatus.POTENTIAL: 35, CustomerStatus.INTENT: 25, CustomerStatus.WON: 20,
                  CustomerStatus.LOST: 10, CustomerStatus.DORMANT: 10}
GRADE_WEIGHTS = {CustomerGrade.A: 10, CustomerGrade.B: 25, CustomerGrade.C: 40, CustomerGrade.D: 15, "": 10}
SOURCE_WEIGHTS = {CustomerSource.WEBSITE: 18, CustomerSource.REFERRAL: 20, CustomerSource.EXHIBITION: 15,
                  CustomerSource.COLD_CALL: 20, CustomerSource.ADVERTISING: 8, CustomerSource.PARTNER: 9,
                  CustomerSource.SOCIAL: 6, CustomerSource.OTHER: 4}

# (name, colour, share of customers carrying it)
TAGS: list[tuple[str, str, float]] = [
    ("老客户", "#16a34a", 0.20), ("重点跟进", "#dc2626", 0.12), ("招投标", "#9333ea", 0.06),
    ("待回款", "#ea580c", 0.05), ("渠道商", "#0891b2", 0.05), ("展会线索", "#2563eb", 0.08),
    ("价格敏感", "#ca8a04", 0.07), ("高意向", "#db2777", 0.08),
]

COMPANY_SIZES = ["1-49 人", "50-199 人", "200-999 人", "1000 人以上"]
