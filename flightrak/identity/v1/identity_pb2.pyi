import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from flightrak.items.v1 import items_pb2 as _items_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CompanyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPANY_KIND_UNSPECIFIED: _ClassVar[CompanyKind]
    COMPANY_KIND_CR: _ClassVar[CompanyKind]
    COMPANY_KIND_TDSP: _ClassVar[CompanyKind]
    COMPANY_KIND_SP: _ClassVar[CompanyKind]
    COMPANY_KIND_NOIE: _ClassVar[CompanyKind]
    COMPANY_KIND_QSE: _ClassVar[CompanyKind]
    COMPANY_KIND_ERCOT: _ClassVar[CompanyKind]
COMPANY_KIND_UNSPECIFIED: CompanyKind
COMPANY_KIND_CR: CompanyKind
COMPANY_KIND_TDSP: CompanyKind
COMPANY_KIND_SP: CompanyKind
COMPANY_KIND_NOIE: CompanyKind
COMPANY_KIND_QSE: CompanyKind
COMPANY_KIND_ERCOT: CompanyKind

class Company(_message.Message):
    __slots__ = ("duns", "name", "kind", "parent_duns", "active", "distribution_lists", "deactivated_at", "deactivated_by", "first_admin_invitation")
    DUNS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_DUNS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    DISTRIBUTION_LISTS_FIELD_NUMBER: _ClassVar[int]
    DEACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    DEACTIVATED_BY_FIELD_NUMBER: _ClassVar[int]
    FIRST_ADMIN_INVITATION_FIELD_NUMBER: _ClassVar[int]
    duns: str
    name: str
    kind: CompanyKind
    parent_duns: str
    active: bool
    distribution_lists: _containers.RepeatedCompositeFieldContainer[DistributionList]
    deactivated_at: _timestamp_pb2.Timestamp
    deactivated_by: str
    first_admin_invitation: Invitation
    def __init__(self, duns: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[CompanyKind, str]] = ..., parent_duns: _Optional[str] = ..., active: _Optional[bool] = ..., distribution_lists: _Optional[_Iterable[_Union[DistributionList, _Mapping]]] = ..., deactivated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deactivated_by: _Optional[str] = ..., first_admin_invitation: _Optional[_Union[Invitation, _Mapping]] = ...) -> None: ...

class DistributionList(_message.Message):
    __slots__ = ("name", "email")
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    email: str
    def __init__(self, name: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("user_id", "first_name", "last_name", "employee_id", "email", "phone", "active", "company_duns", "company_name", "roles")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    first_name: str
    last_name: str
    employee_id: str
    email: str
    phone: str
    active: bool
    company_duns: str
    company_name: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., employee_id: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., active: _Optional[bool] = ..., company_duns: _Optional[str] = ..., company_name: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class SignInRequest(_message.Message):
    __slots__ = ("email", "password")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    email: str
    password: str
    def __init__(self, email: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class SignInResponse(_message.Message):
    __slots__ = ("token", "expires_at", "user")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    token: str
    expires_at: _timestamp_pb2.Timestamp
    user: User
    def __init__(self, token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class RefreshTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WhoAmIRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignOutRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignOutResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CheckSessionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CheckSessionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NewUser(_message.Message):
    __slots__ = ("first_name", "last_name", "employee_id", "email", "phone", "password")
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEE_ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    first_name: str
    last_name: str
    employee_id: str
    email: str
    phone: str
    password: str
    def __init__(self, first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., employee_id: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class CreateCompanyRequest(_message.Message):
    __slots__ = ("name", "duns", "kind", "parent_duns", "first_admin", "distribution_lists")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DUNS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARENT_DUNS_FIELD_NUMBER: _ClassVar[int]
    FIRST_ADMIN_FIELD_NUMBER: _ClassVar[int]
    DISTRIBUTION_LISTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    duns: str
    kind: CompanyKind
    parent_duns: str
    first_admin: NewUser
    distribution_lists: _containers.RepeatedCompositeFieldContainer[DistributionList]
    def __init__(self, name: _Optional[str] = ..., duns: _Optional[str] = ..., kind: _Optional[_Union[CompanyKind, str]] = ..., parent_duns: _Optional[str] = ..., first_admin: _Optional[_Union[NewUser, _Mapping]] = ..., distribution_lists: _Optional[_Iterable[_Union[DistributionList, _Mapping]]] = ...) -> None: ...

class ListCompaniesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListCompaniesResponse(_message.Message):
    __slots__ = ("companies",)
    COMPANIES_FIELD_NUMBER: _ClassVar[int]
    companies: _containers.RepeatedCompositeFieldContainer[Company]
    def __init__(self, companies: _Optional[_Iterable[_Union[Company, _Mapping]]] = ...) -> None: ...

class GetCompanyRequest(_message.Message):
    __slots__ = ("duns",)
    DUNS_FIELD_NUMBER: _ClassVar[int]
    duns: str
    def __init__(self, duns: _Optional[str] = ...) -> None: ...

class DeactivateCompanyRequest(_message.Message):
    __slots__ = ("duns",)
    DUNS_FIELD_NUMBER: _ClassVar[int]
    duns: str
    def __init__(self, duns: _Optional[str] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ("company_duns",)
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    def __init__(self, company_duns: _Optional[str] = ...) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[User]
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ...) -> None: ...

class SetUserRolesRequest(_message.Message):
    __slots__ = ("user_id", "roles")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_id: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ...) -> None: ...

class StartUserRequestRequest(_message.Message):
    __slots__ = ("kind", "company_duns", "target_user_id", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KIND_FIELD_NUMBER: _ClassVar[int]
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    TARGET_USER_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    company_duns: str
    target_user_id: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, kind: _Optional[str] = ..., company_duns: _Optional[str] = ..., target_user_id: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListUserRequestsRequest(_message.Message):
    __slots__ = ("company_duns", "include_closed")
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    include_closed: bool
    def __init__(self, company_duns: _Optional[str] = ..., include_closed: _Optional[bool] = ...) -> None: ...

class IssueInvitationRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class Invitation(_message.Message):
    __slots__ = ("user_id", "token", "expires_at")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    token: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SetPasswordRequest(_message.Message):
    __slots__ = ("token", "password")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    token: str
    password: str
    def __init__(self, token: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class SetPasswordResponse(_message.Message):
    __slots__ = ("email",)
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    email: str
    def __init__(self, email: _Optional[str] = ...) -> None: ...

class ListDistributionListsRequest(_message.Message):
    __slots__ = ("company_duns",)
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    def __init__(self, company_duns: _Optional[str] = ...) -> None: ...

class ListDistributionListsResponse(_message.Message):
    __slots__ = ("distribution_lists",)
    DISTRIBUTION_LISTS_FIELD_NUMBER: _ClassVar[int]
    distribution_lists: _containers.RepeatedCompositeFieldContainer[DistributionList]
    def __init__(self, distribution_lists: _Optional[_Iterable[_Union[DistributionList, _Mapping]]] = ...) -> None: ...

class AddDistributionListRequest(_message.Message):
    __slots__ = ("company_duns", "name", "email")
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    name: str
    email: str
    def __init__(self, company_duns: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class RemoveDistributionListRequest(_message.Message):
    __slots__ = ("company_duns", "email")
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    email: str
    def __init__(self, company_duns: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class RemoveDistributionListResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TransactionSystem(_message.Message):
    __slots__ = ("system_id", "name", "active", "registered_by", "registered_at", "last_used_at", "key_issued_at")
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_ISSUED_AT_FIELD_NUMBER: _ClassVar[int]
    system_id: str
    name: str
    active: bool
    registered_by: str
    registered_at: _timestamp_pb2.Timestamp
    last_used_at: _timestamp_pb2.Timestamp
    key_issued_at: _timestamp_pb2.Timestamp
    def __init__(self, system_id: _Optional[str] = ..., name: _Optional[str] = ..., active: _Optional[bool] = ..., registered_by: _Optional[str] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_issued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TransactionSystemKey(_message.Message):
    __slots__ = ("system", "key")
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    system: TransactionSystem
    key: str
    def __init__(self, system: _Optional[_Union[TransactionSystem, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...

class SystemSignInRequest(_message.Message):
    __slots__ = ("system_id", "key")
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    system_id: str
    key: str
    def __init__(self, system_id: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class SystemSignInResponse(_message.Message):
    __slots__ = ("token", "expires_at")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    token: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, token: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterTransactionSystemRequest(_message.Message):
    __slots__ = ("system_id", "name")
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    system_id: str
    name: str
    def __init__(self, system_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListTransactionSystemsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListTransactionSystemsResponse(_message.Message):
    __slots__ = ("systems",)
    SYSTEMS_FIELD_NUMBER: _ClassVar[int]
    systems: _containers.RepeatedCompositeFieldContainer[TransactionSystem]
    def __init__(self, systems: _Optional[_Iterable[_Union[TransactionSystem, _Mapping]]] = ...) -> None: ...

class RotateTransactionSystemKeyRequest(_message.Message):
    __slots__ = ("system_id",)
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    system_id: str
    def __init__(self, system_id: _Optional[str] = ...) -> None: ...

class DeactivateTransactionSystemRequest(_message.Message):
    __slots__ = ("system_id",)
    SYSTEM_ID_FIELD_NUMBER: _ClassVar[int]
    system_id: str
    def __init__(self, system_id: _Optional[str] = ...) -> None: ...
