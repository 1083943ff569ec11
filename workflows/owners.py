"""The services that own items: the activities each flow's steps and marks of needing attention are recorded by,
and their queue. Plain data, read by the flows' tables and models and by the services that run the activities."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Owner:
    """The service that owns the flow's items: the activities that record their steps and their marks of needing
    attention, and its queue (empty: the flow's own queue, whose worker hosts that service's activities; attention
    marks then run as local activities)."""

    record_item_transition: str
    record_attention: str
    task_queue: str = ""


# The item owners (flightrak/projections.py ITEM_ID_OWNERS): the user-admin workflow runs identity's activities on
# identity's queue; every other flow runs its owner's on its own queue, whose worker hosts them (attention marks as
# local activities: they record no transition).
IDENTITY = Owner("identity.record_item_transition", "identity.record_attention", "flightrak-identity")
REGISTRATION = Owner("registration.record_item_transition", "registration.record_attention")
TESTBED = Owner("testbed.record_item_transition", "testbed.record_attention")
SCRIPTS = Owner("scripts.record_item_transition", "scripts.record_attention")
