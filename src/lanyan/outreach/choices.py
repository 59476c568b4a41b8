"""Enumerations of the outreach domain: stable lowercase values, zh-CN and English labels."""

from __future__ import annotations

from lanyan.registry.choices import Choice


class PersonKind(Choice):
    """Personnel category (人员类别)."""

    RESCUER = ("rescuer", "消防救援人员", "Rescue personnel")
    GOVERNMENT_FULLTIME = ("government_fulltime", "政府专职消防队员", "Government full-time")
    ENTERPRISE_FULLTIME = ("enterprise_fulltime", "企业专职消防队员", "Enterprise full-time")
    MICRO_STATION = ("micro_station", "微型消防站队员", "Micro fire station member")
    PRACTITIONER = ("practitioner", "消防从业人员", "Fire-industry practitioner")
    VOLUNTEER = ("volunteer", "注册消防志愿者", "Registered fire volunteer")


class TrainingKind(Choice):
    EMPLOYEE = ("employee", "单位员工消防培训", "Employee fire-safety training")
    SPECIALISED = ("specialised", "救援人员专项训练", "Rescuer specialised training")


class Speciality(Choice):
    """Speciality of a rescuer's specialised training (专项训练科目)."""

    HIGH_RISE = ("high_rise", "高层建筑灭火", "High-rise firefighting")
    CHEMICAL = ("chemical", "石油化工灭火", "Petrochemical firefighting")
    WATER = ("water", "水域救援", "Water rescue")
    EARTHQUAKE = ("earthquake", "地震救援", "Earthquake rescue")
    MOUNTAIN = ("mountain", "山岳救援", "Mountain rescue")
    UNDERGROUND = ("underground", "地下空间救援", "Underground rescue")
    COMMAND = ("command", "指挥通信", "Command and communication")
    OTHER = ("other", "其他", "Other")


class HealthResult(Choice):
    """Occupational-health check conclusion (职业健康检查结论)."""

    FIT = ("fit", "合格", "Fit", "#16a34a")
    RESTRICTED = ("restricted", "限制性合格", "Fit with restrictions", "#d97706")
    UNFIT = ("unfit", "不合格", "Unfit", "#dc2626")
    REVIEW = ("review", "复查", "Re-examination needed", "#2563eb")


class Channel(Choice):
    """Where an education event went (消防宣传“五进”)."""

    ENTERPRISE = ("enterprise", "进企业", "Enterprises")
    VILLAGE = ("village", "进农村", "Villages")
    COMMUNITY = ("community", "进社区", "Communities")
    SCHOOL = ("school", "进学校", "Schools")
    FAMILY = ("family", "进家庭", "Families")
    OTHER = ("other", "其他", "Other")


class EventKind(Choice):
    PUBLICITY = ("publicity", "宣传活动", "Publicity")
    LECTURE = ("lecture", "培训讲座", "Lecture / training")
    DRILL = ("drill", "疏散演练", "Evacuation drill")
    SCHOOL_DRILL = ("school_drill", "校园消防演练", "School drill")
    EXHIBITION = ("exhibition", "展览体验", "Exhibition / experience")


class ParticipantGroup(Choice):
    """Audience group of an event (参与人群)."""

    STUDENTS = ("students", "学生", "Students")
    TEACHERS = ("teachers", "教职工", "Teachers and staff")
    EMPLOYEES = ("employees", "企业职工", "Employees")
    RESIDENTS = ("residents", "居民群众", "Residents")
    VILLAGERS = ("villagers", "村民", "Villagers")
    ELDERLY = ("elderly", "老年人", "Elderly")
    MIGRANT_WORKERS = ("migrant_workers", "进城务工人员", "Migrant workers")
    OFFICIALS = ("officials", "党政干部", "Officials")
    OTHER = ("other", "其他", "Other")
