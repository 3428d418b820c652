"""The 2017 checklist beyond resource allocation (教督〔2017〕6号, methods.md §1.4): 政府保障程度 15 items,
教育质量 9 items, 社会认可度 and the veto items (一票否决). Each item: id (the `item` code of the store table
balance_judgement), Chinese text, threshold, source, and how it is decided — from data (with the
computation) or by a recorded judgement (with the evidence it needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GOV, QUALITY, RECOGNITION, VETO = "政府保障程度", "教育质量", "社会认可度", "一票否决"
SRC = "教督〔2017〕6号"


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    text: str
    threshold: str
    source: str
    decided: Literal["data", "judgement"]
    how: str  # the computation (data) or the evidence needed (judgement)

    @property
    def label(self) -> str:
        """The item as a reader names it (“政府保障程度第（三）项”), for tables and workbooks; `id` stays the
        store's code."""
        return self.source.split(" ", 1)[-1]


def _g(cn: str, iid: str, text: str, threshold: str, decided: str, how: str) -> Item:
    return Item(iid, GOV, text, threshold, f"{SRC} 政府保障程度第（{cn}）项", decided, how)


def _q(cn: str, iid: str, text: str, threshold: str, decided: str, how: str) -> Item:
    return Item(iid, QUALITY, text, threshold, f"{SRC} 教育质量第（{cn}）项", decided, how)


def _v(cn: str, iid: str, text: str) -> Item:
    return Item(iid, VETO, text, "近三年无此情形", f"{SRC} 不予认定情形第（{cn}）项", "judgement",
                "督导部门核查结论（举报、信访、审计、巡视记录）；达标 = 无此情形")


ITEMS: tuple[Item, ...] = (
    _g("一", "G01_layout", "县域内义务教育学校规划布局合理，符合国家规定要求", "符合", "judgement",
       "义务教育学校布局规划文本及批复"),
    _g("二", "G02_unified_standards", "城乡义务教育学校建设标准、教师编制标准、生均公用经费基准定额、基本装备配置标准统一",
       "四统一", "judgement", "办学标准、编制标准、公用经费与装备配置文件"),
    _g("三", "G03_music_art_rooms", "所有小学、初中每12个班级配备音乐、美术专用教室1间以上（音乐≥96㎡，美术≥90㎡）",
       "每校 音乐、美术专用教室各 ≥ ⌈班数/12⌉ 间", "data",
       "每所参评学校：办学条件.音乐专用教室数、美术专用教室数 ≥ ⌈义务教育段班数 ÷ 12⌉；专用教室面积需另行核查"),
    _g("四", "G04_school_size", "所有小学、初中规模不超过2000人，九年一贯制、十二年一贯制学校义务教育阶段规模不超过2500人",
       "≤2000 人；一贯制义务段 ≤2500 人", "data",
       "每所参评学校义务教育段在校生数（分年级学生数）；312/345 按 2500、其余按 2000"),
    _g("五", "G05_class_size", "小学、初中所有班级学生数分别不超过45人、50人", "超标准班额班数 = 0", "data",
       "参评学校义务教育段 超标准班额班数（小学 >45、初中 >50）之和应为 0"),
    _g("六", "G06_small_school_funding", "不足100名学生的村小学和教学点按100名学生核定公用经费", "全部落实",
       "judgement", "公用经费拨付文件及小规模学校拨付明细"),
    _g("七", "G07_special_school_funding", "特殊教育学校生均公用经费不低于6000元", "≥6000 元", "judgement",
       "特殊教育学校公用经费决算（生均值）"),
    _g("八", "G08_teacher_salary", "义务教育学校教师平均工资水平不低于当地公务员平均工资收入水平", "教师 ≥ 公务员",
       "data", "区域年度数据：义务教育教师年平均工资 ≥ 公务员年平均工资；缺失时用上报指标 teacher_salary_ratio ≥ 100"),
    _g("九", "G09_training_360", "教师5年360学时培训完成率达到100%", "100%", "data",
       "参评学校小学、初中学段：完成5年360学时培训教师数 ÷ 专任教师数"),
    _g("十", "G10_staffing_pool", "在核定的教职工编制总额和岗位总量内，统筹调配各校教职工编制和岗位数量", "落实",
       "judgement", "编制核定与统筹调配文件"),
    _g("十一", "G11_rotation", "每年交流轮岗教师比例不低于符合交流条件教师总数的10%，其中骨干教师不低于交流轮岗教师总数的20%",
       "≥10%，骨干 ≥20%", "data",
       "参评公办学校小学、初中学段：交流轮岗教师数 ÷ 符合交流条件教师数 ≥ 10%，交流轮岗骨干教师数 ÷ 交流轮岗教师数 ≥ 20%"),
    _g("十二", "G12_certification", "专任教师持有教师资格证上岗率达到100%", "100%", "data",
       "参评学校小学、初中学段：持证上岗教师数 ÷ 专任教师数"),
    _g("十三", "G13_nearby_enrolment", "城区和镇区公办小学、初中（不含寄宿制学校）就近划片入学比例分别达到100%、95%",
       "小学 100%，初中 ≥95%", "judgement", "招生入学统计（划片范围内入学人数）"),
    _g("十四", "G14_quota_allocation", "优质高中招生名额分配比例不低于50%，并向农村初中倾斜", "≥50%", "judgement",
       "中考招生计划及名额分配文件"),
    _g("十五", "G15_migrant_children", "留守儿童关爱体系健全，符合条件的随迁子女在公办学校和政府购买服务的民办学校就读的比例不低于85%",
       "≥85%", "judgement", "随迁子女入学统计表、留守儿童关爱工作文件"),
    _q("一", "Q01_junior_retention", "初中三年巩固率达到95%以上", "≥95%", "data",
       "(当年报告的初三毕业生 − 三年内转入 + 三年内转出) ÷ (三年前初一在校生 − 死亡) × 100，参评学校合计"
       "（分年级学生数：毕业生数、转入/转出/死亡人数）"),
    _q("二", "Q02_disabled_enrolment", "残疾儿童少年入学率达到95%以上", "≥95%", "data",
       "上报指标 disabled_enrolment_rate（区残联/区教育局）"),
    _q("三", "Q03_charter_informatisation", "所有学校制定章程，实现学校管理与教学信息化", "全部", "judgement",
       "学校章程核准文件、信息化管理平台使用情况"),
    _q("四", "Q04_training_budget", "所有学校按照不低于学校年度公用经费预算总额的5%安排教师培训经费", "≥5%", "judgement",
       "各校公用经费预算及教师培训经费支出"),
    _q("五", "Q05_ict_use", "教师能熟练运用信息化手段组织教学，设施设备利用率达到较高水平", "较高水平", "judgement",
       "信息化教学应用检查记录"),
    _q("六", "Q06_moral_education", "所有学校德育工作、校园文化建设水平达到良好以上", "良好以上", "judgement",
       "德育与校园文化建设评估结果"),
    _q("七", "Q07_curriculum", "课程开齐开足，教学秩序规范，综合实践活动有效开展", "全部", "judgement",
       "课程设置与课表检查记录（可参考上报指标 curriculum_compliance_rate）"),
    _q("八", "Q08_workload", "无过重课业负担", "无", "judgement", "作业与课业负担专项督查结果"),
    _q("九", "Q09_quality_monitoring", "国家义务教育质量监测中相关科目学生学业水平达到Ⅲ级以上，且校际差异率低于0.15",
       "Ⅲ级以上，差异率 <0.15", "judgement", "国家义务教育质量监测报告"),
    Item("S01_social_recognition", RECOGNITION, "社会认可度达到85%以上（学生、家长、教师、校长、人大代表、政协委员及其他群众）",
         "≥85%", f"{SRC} 社会认可度", "data", "上报指标 social_recognition_rate（第三方调查）"),
    _v("一", "V01_exam_admission", "无以考试方式招生"),
    _v("二", "V02_school_choice", "无违规择校行为"),
    _v("三", "V03_key_schools", "无重点学校或重点班"),
    _v("四", "V04_vacant_posts", "无“有编不补”或长期聘用编外教师"),
    _v("五", "V05_safety_accident", "教育系统无重大安全责任事故和严重违纪违规事件"),
    _v("六", "V06_fraud", "无弄虚作假行为"),
)
ITEMS_BY_ID = {i.id: i for i in ITEMS}
JUDGEMENT_ITEMS = tuple(i for i in ITEMS if i.decided == "judgement")
