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
