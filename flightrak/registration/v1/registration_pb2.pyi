from flightrak.items.v1 import items_pb2 as _items_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Flight(_message.Message):
    __slots__ = ("item_id", "designation", "signup_deadline", "registration_closes_at", "day1_of_testing", "end_date", "state", "open_for_registration")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    SIGNUP_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    REGISTRATION_CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    DAY1_OF_TESTING_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OPEN_FOR_REGISTRATION_FIELD_NUMBER: _ClassVar[int]
    item_id: int
    designation: str
    signup_deadline: str
    registration_closes_at: str
    day1_of_testing: str
    end_date: str
    state: str
    open_for_registration: bool
    def __init__(self, item_id: _Optional[int] = ..., designation: _Optional[str] = ..., signup_deadline: _Optional[str] = ..., registration_closes_at: _Optional[str] = ..., day1_of_testing: _Optional[str] = ..., end_date: _Optional[str] = ..., state: _Optional[str] = ..., open_for_registration: _Optional[bool] = ...) -> None: ...

class CreateFlightRequest(_message.Message):
    __slots__ = ("designation", "signup_deadline", "day1_of_testing", "end_date", "signup_deadline_time")
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    SIGNUP_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    DAY1_OF_TESTING_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    SIGNUP_DEADLINE_TIME_FIELD_NUMBER: _ClassVar[int]
    designation: str
    signup_deadline: str
    day1_of_testing: str
    end_date: str
    signup_deadline_time: str
    def __init__(self, designation: _Optional[str] = ..., signup_deadline: _Optional[str] = ..., day1_of_testing: _Optional[str] = ..., end_date: _Optional[str] = ..., signup_deadline_time: _Optional[str] = ...) -> None: ...

class ListFlightsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFlightsResponse(_message.Message):
    __slots__ = ("flights",)
    FLIGHTS_FIELD_NUMBER: _ClassVar[int]
    flights: _containers.RepeatedCompositeFieldContainer[Flight]
    def __init__(self, flights: _Optional[_Iterable[_Union[Flight, _Mapping]]] = ...) -> None: ...

class GetFlightRequest(_message.Message):
    __slots__ = ("designation",)
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    designation: str
    def __init__(self, designation: _Optional[str] = ...) -> None: ...

class GetRegistrationFormRequest(_message.Message):
    __slots__ = ("designation",)
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    designation: str
    def __init__(self, designation: _Optional[str] = ...) -> None: ...

class Choice(_message.Message):
    __slots__ = ("value", "label")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    value: str
    label: str
    def __init__(self, value: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class RegistrationForm(_message.Message):
    __slots__ = ("flight", "may_register", "refusal", "existing_item_id", "existing_cr", "values", "contacts", "distribution_lists", "tdsps", "service_providers", "customer_classes")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    MAY_REGISTER_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    EXISTING_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    EXISTING_CR_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    CONTACTS_FIELD_NUMBER: _ClassVar[int]
    DISTRIBUTION_LISTS_FIELD_NUMBER: _ClassVar[int]
    TDSPS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CLASSES_FIELD_NUMBER: _ClassVar[int]
    flight: Flight
    may_register: bool
    refusal: str
    existing_item_id: int
    existing_cr: bool
    values: _containers.ScalarMap[str, str]
    contacts: _containers.RepeatedCompositeFieldContainer[Choice]
    distribution_lists: _containers.RepeatedCompositeFieldContainer[Choice]
    tdsps: _containers.RepeatedCompositeFieldContainer[Choice]
    service_providers: _containers.RepeatedCompositeFieldContainer[Choice]
    customer_classes: _containers.RepeatedCompositeFieldContainer[Choice]
    def __init__(self, flight: _Optional[_Union[Flight, _Mapping]] = ..., may_register: _Optional[bool] = ..., refusal: _Optional[str] = ..., existing_item_id: _Optional[int] = ..., existing_cr: _Optional[bool] = ..., values: _Optional[_Mapping[str, str]] = ..., contacts: _Optional[_Iterable[_Union[Choice, _Mapping]]] = ..., distribution_lists: _Optional[_Iterable[_Union[Choice, _Mapping]]] = ..., tdsps: _Optional[_Iterable[_Union[Choice, _Mapping]]] = ..., service_providers: _Optional[_Iterable[_Union[Choice, _Mapping]]] = ..., customer_classes: _Optional[_Iterable[_Union[Choice, _Mapping]]] = ...) -> None: ...

class RegisterRequest(_message.Message):
    __slots__ = ("designation", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DESIGNATION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    designation: str
    fields: _containers.ScalarMap[str, str]
    def __init__(self, designation: _Optional[str] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateNoticeRequest(_message.Message):
    __slots__ = ("fields",)
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.ScalarMap[str, str]
    def __init__(self, fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListNoticesRequest(_message.Message):
    __slots__ = ("flight",)
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    flight: str
    def __init__(self, flight: _Optional[str] = ...) -> None: ...

class ListNoticesResponse(_message.Message):
    __slots__ = ("notices",)
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    notices: _containers.RepeatedCompositeFieldContainer[Notice]
    def __init__(self, notices: _Optional[_Iterable[_Union[Notice, _Mapping]]] = ...) -> None: ...

class GetNoticeRequest(_message.Message):
    __slots__ = ("item_id", "notice_id", "mark_read")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_FIELD_NUMBER: _ClassVar[int]
    item_id: int
    notice_id: str
    mark_read: bool
    def __init__(self, item_id: _Optional[int] = ..., notice_id: _Optional[str] = ..., mark_read: _Optional[bool] = ...) -> None: ...

class NoticeRecipient(_message.Message):
    __slots__ = ("company_duns", "company_name", "company_kind", "acknowledged", "acknowledged_by", "acknowledged_at")
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    COMPANY_NAME_FIELD_NUMBER: _ClassVar[int]
    COMPANY_KIND_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    company_name: str
    company_kind: str
    acknowledged: bool
    acknowledged_by: str
    acknowledged_at: str
    def __init__(self, company_duns: _Optional[str] = ..., company_name: _Optional[str] = ..., company_kind: _Optional[str] = ..., acknowledged: _Optional[bool] = ..., acknowledged_by: _Optional[str] = ..., acknowledged_at: _Optional[str] = ...) -> None: ...

class NoticeMailSummary(_message.Message):
    __slots__ = ("queued", "sent", "unsubscribed", "last_error")
    QUEUED_FIELD_NUMBER: _ClassVar[int]
    SENT_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    queued: int
    sent: int
    unsubscribed: int
    last_error: str
    def __init__(self, queued: _Optional[int] = ..., sent: _Optional[int] = ..., unsubscribed: _Optional[int] = ..., last_error: _Optional[str] = ...) -> None: ...

class Notice(_message.Message):
    __slots__ = ("item_id", "notice_id", "state", "notice_date", "notice_type", "short_description", "audience", "audience_text", "days_affected", "long_description", "action_required", "additional_information", "contact", "flight", "reissue_of", "reissue_of_item_id", "superseded_by", "superseded_by_item_id", "published_at", "unread", "requires_acknowledgement", "acknowledged", "recipients", "actions", "mail", "acknowledged_count", "recipient_count")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    NOTICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_DATE_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHORT_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_TEXT_FIELD_NUMBER: _ClassVar[int]
    DAYS_AFFECTED_FIELD_NUMBER: _ClassVar[int]
    LONG_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ACTION_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    CONTACT_FIELD_NUMBER: _ClassVar[int]
    FLIGHT_FIELD_NUMBER: _ClassVar[int]
    REISSUE_OF_FIELD_NUMBER: _ClassVar[int]
    REISSUE_OF_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_ACKNOWLEDGEMENT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    MAIL_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    item_id: int
    notice_id: str
    state: str
    notice_date: str
    notice_type: str
    short_description: str
    audience: str
    audience_text: str
    days_affected: _containers.RepeatedScalarFieldContainer[str]
    long_description: str
    action_required: str
    additional_information: str
    contact: str
    flight: str
    reissue_of: str
    reissue_of_item_id: int
    superseded_by: str
    superseded_by_item_id: int
    published_at: str
    unread: bool
    requires_acknowledgement: bool
    acknowledged: bool
    recipients: _containers.RepeatedCompositeFieldContainer[NoticeRecipient]
    actions: _containers.RepeatedCompositeFieldContainer[_items_pb2.ItemAction]
    mail: NoticeMailSummary
    acknowledged_count: int
    recipient_count: int
    def __init__(self, item_id: _Optional[int] = ..., notice_id: _Optional[str] = ..., state: _Optional[str] = ..., notice_date: _Optional[str] = ..., notice_type: _Optional[str] = ..., short_description: _Optional[str] = ..., audience: _Optional[str] = ..., audience_text: _Optional[str] = ..., days_affected: _Optional[_Iterable[str]] = ..., long_description: _Optional[str] = ..., action_required: _Optional[str] = ..., additional_information: _Optional[str] = ..., contact: _Optional[str] = ..., flight: _Optional[str] = ..., reissue_of: _Optional[str] = ..., reissue_of_item_id: _Optional[int] = ..., superseded_by: _Optional[str] = ..., superseded_by_item_id: _Optional[int] = ..., published_at: _Optional[str] = ..., unread: _Optional[bool] = ..., requires_acknowledgement: _Optional[bool] = ..., acknowledged: _Optional[bool] = ..., recipients: _Optional[_Iterable[_Union[NoticeRecipient, _Mapping]]] = ..., actions: _Optional[_Iterable[_Union[_items_pb2.ItemAction, _Mapping]]] = ..., mail: _Optional[_Union[NoticeMailSummary, _Mapping]] = ..., acknowledged_count: _Optional[int] = ..., recipient_count: _Optional[int] = ...) -> None: ...

class ListNoticeSubscriptionsRequest(_message.Message):
    __slots__ = ("company_duns",)
    COMPANY_DUNS_FIELD_NUMBER: _ClassVar[int]
    company_duns: str
    def __init__(self, company_duns: _Optional[str] = ...) -> None: ...

class NoticeSubscription(_message.Message):
    __slots__ = ("list_email", "list_name", "notice_type", "subscribed", "changed_by", "changed_at")
    LIST_EMAIL_FIELD_NUMBER: _ClassVar[int]
    LIST_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    list_email: str
    list_name: str
    notice_type: str
    subscribed: bool
    changed_by: str
    changed_at: str
    def __init__(self, list_email: _Optional[str] = ..., list_name: _Optional[str] = ..., notice_type: _Optional[str] = ..., subscribed: _Optional[bool] = ..., changed_by: _Optional[str] = ..., changed_at: _Optional[str] = ...) -> None: ...

class ListNoticeSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions", "notice_types")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TYPES_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[NoticeSubscription]
    notice_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[NoticeSubscription, _Mapping]]] = ..., notice_types: _Optional[_Iterable[str]] = ...) -> None: ...

class SetNoticeSubscriptionRequest(_message.Message):
    __slots__ = ("list_email", "notice_type", "subscribed")
    LIST_EMAIL_FIELD_NUMBER: _ClassVar[int]
    NOTICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_FIELD_NUMBER: _ClassVar[int]
    list_email: str
    notice_type: str
    subscribed: bool
    def __init__(self, list_email: _Optional[str] = ..., notice_type: _Optional[str] = ..., subscribed: _Optional[bool] = ...) -> None: ...
