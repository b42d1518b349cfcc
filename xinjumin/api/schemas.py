"""Request and response schemas of the API. Every field is described in Chinese and English
(the OpenAPI document is the contract with department systems and app developers)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

# Text inputs may not hold control characters (a NUL cannot even be stored by PostgreSQL).
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


def d(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class ErrorOut(Schema):
    code: str = Field(description=d("错误代码 (稳定, 供程序判断)", "error code (stable)"))
    message: str = Field(description=d("错误说明 (中文)", "message in Chinese"))
    message_en: str = Field(description=d("错误说明 (英文)", "message in English"))
    fields: dict[str, str] = Field(
        description=d("按字段的错误原因", "reason per field, keyed by field name"))


class MessageOut(Schema):
    message: str = Field(description=d("说明 (中文)", "message in Chinese"))
    message_en: str = Field(description=d("说明 (英文)", "message in English"))


# --- authentication -------------------------------------------------------------------

class SmsCodeIn(Schema):
    phone: str = Field(pattern=NO_CONTROL, max_length=32,
                       description=d("手机号码, 11 位", "mobile number, 11 digits"),
                       examples=["13800000001"])


class ResidentTokenIn(Schema):
    phone: str = Field(pattern=NO_CONTROL, max_length=32,
                       description=d("手机号码", "mobile number"))
    code: str = Field(pattern=NO_CONTROL, max_length=16,
                      description=d("短信验证码, 6 位", "6-digit SMS code"))


class StaffTokenIn(Schema):
    username: str = Field(pattern=NO_CONTROL, max_length=64, description=d("用户名", "username"))
    password: str = Field(pattern=NO_CONTROL, max_length=256, description=d("密码", "password"))
    totp: str = Field(pattern=NO_CONTROL, max_length=16,
                      description=d("动态口令 (TOTP, 6 位)", "TOTP code, 6 digits"))


class AccountOut(Schema):
    username: str = Field(description=d("用户名", "username"))
    display_name: str = Field(description=d("显示名称", "display name"))
    role: str = Field(description=d("角色代码", "role code (accounts.roles.Role)"))
    district: str | None = Field(description=d("所属区县代码", "district code of the scope"))


class TokenOut(Schema):
    token: str = Field(description=d("访问令牌, 仅显示一次; 以 Authorization: Bearer 发送",
                                     "access token, shown once; send as Authorization: Bearer"))
    token_type: Literal["Bearer"] = Field(description=d("令牌类型", "token type"))
    expires_at: dt.datetime = Field(description=d("过期时间 (8 小时后)", "expiry (8 hours)"))
    account: AccountOut = Field(description=d("令牌所属账户", "the account of the token"))


# --- geography ------------------------------------------------------------------------

class StreetOut(Schema):
    code: str = Field(description=d("街道/乡镇代码, 9 位", "street/town code, 9 digits"))
    name: str = Field(description=d("街道/乡镇名称", "street/town name"))


class DistrictOut(Schema):
    code: str = Field(description=d("区县代码, 6 位", "district code, 6 digits"))
    name: str = Field(description=d("区县名称", "district name"))
    name_en: str = Field(description=d("英文名称", "English name"))
    streets: list[StreetOut] = Field(description=d("下辖街道/乡镇", "streets and towns"))


class PlaceOut(Schema):
    code: str = Field(description=d("代码", "code"))
    name: str = Field(description=d("名称", "name"))


# --- residents ------------------------------------------------------------------------

class ResidentOut(Schema):
    id: int = Field(description=d("居民编号", "resident id"))
    name: str = Field(description=d("姓名 (脱敏)", "name, masked"))
    id_number: str = Field(description=d("公民身份号码 (脱敏)", "ID number, masked"))
    phone: str = Field(description=d("手机号码 (脱敏), 无则为空",
                                     "mobile number, masked; empty if none"))
    gender: Literal["M", "F"] = Field(description=d("性别: M 男, F 女", "gender: M male, F female"))
    birth_year: int = Field(description=d("出生年份", "year of birth"))
    district: PlaceOut = Field(description=d("居住区县", "district of residence"))
    street: PlaceOut | None = Field(description=d("街道/乡镇", "street or town"))
    complex: str | None = Field(description=d("小区名称", "residential complex"))
    arrived_on: dt.date | None = Field(description=d("来甬日期", "date of arrival in Ningbo"))
    registered_on: dt.date | None = Field(description=d("居住登记日期",
                                                        "residence registration date"))


class HouseholdLinkOut(Schema):
    relation: Literal["guardian", "child", "spouse"] = Field(
        description=d("关系: guardian 监护人, child 被监护子女, spouse 配偶",
                      "relation: guardian, child (ward), spouse"))
    resident_id: int = Field(description=d("对方居民编号", "the other resident's id"))
    name: str = Field(description=d("对方姓名 (脱敏)", "the other resident's name, masked"))


class MeOut(Schema):
    resident: ResidentOut = Field(description=d("本人信息 (脱敏)", "own data, masked"))
    household: list[HouseholdLinkOut] = Field(
        description=d("家庭关系 (监护、婚姻)", "household links (guardianship, marriage)"))


class ResidentPageOut(Schema):
    items: list[ResidentOut] = Field(description=d("本页居民 (脱敏)",
                                                   "residents on this page, masked"))
    page: int = Field(description=d("页码, 从 1 开始", "page number, from 1"))
    page_size: int = Field(description=d("每页条数", "page size"))
    total: int = Field(description=d("符合条件的总数", "total matching"))


class FullIdOut(Schema):
    id: int = Field(description=d("居民编号", "resident id"))
    id_number: str = Field(description=d("完整公民身份号码 (此次查看已记入审计)",
                                         "full ID number (this viewing is audited)"))


class ResidentCreateIn(Schema):
    id_number: str = Field(pattern=NO_CONTROL, max_length=32,
                           description=d("公民身份号码, 18 位", "ID number, 18 characters"))
    name: str = Field(pattern=NO_CONTROL, max_length=64, description=d("姓名", "name"))
    phone: str = Field("", pattern=NO_CONTROL, max_length=32,
                       description=d("手机号码, 可空", "mobile number, optional"))
    district: str | None = Field(None, pattern=NO_CONTROL, max_length=6, description=d(
        "居住区县代码; 省略则为经办人所属区县", "district code; defaults to the clerk's district"))
    street: str | None = Field(None, pattern=NO_CONTROL, max_length=9,
                               description=d("街道/乡镇代码", "street code"))
    arrived_on: dt.date | None = Field(None, description=d("来甬日期", "date of arrival"))
    registered_on: dt.date | None = Field(None, description=d("居住登记日期", "registration date"))


# --- machine clients ------------------------------------------------------------------

class SourceOut(Schema):
    name: str = Field(description=d("密钥名称", "key name"))
    source: str = Field(description=d("数据来源部门代码 (feeds.md)", "source department code"))
    record_types: list[str] = Field(description=d("此密钥可发送的记录类型",
                                                  "record types this key may send"))
    prefix: str = Field(description=d("密钥前缀 (识别用)", "key prefix, for identification"))
