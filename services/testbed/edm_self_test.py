"""The EDM self-test's activity: FlighTrak sends a test file to a request's EDM server (flightrak.edm), on a queue of
its own so that a slow participant never holds up the testbed's steps. A failed test is its result."""

from pathlib import Path

from temporalio import activity

from flightrak import edm
from flightrak.activity_failures import classified_activity
from workflows.specifications import models as m


class EdmSelfTestActivities:
    def __init__(self, data_dir: Path, private_addresses: bool, signing_key: str | None = None):
        self._data_dir = (
            data_dir  # where FlighTrak's signing key is kept, unless it is given (flightrak.edm.partner_key)
        )
        self._signing_key = signing_key
        self._private_addresses = private_addresses  # Settings.edm_self_test_reaches_private_addresses

    @classified_activity(m.EDM_SELF_TEST)
    async def edm_self_test(self, tested: m.EdmSelfTestInput) -> m.EdmSelfTestResult:
        outcome = await edm.send_test(
            self._data_dir,
            tested.edm_url,
            tested.edm_port,
            tested.ssl_certificate,
            tested.pgp_public_key,
            tested.company_duns,
            private_addresses=self._private_addresses,
            signing_key=self._signing_key,
        )
        activity.logger.info("EDM self-test of item %s: %s", tested.item_id, outcome.failed or "passed")
        return m.EdmSelfTestResult(
            outcome.url, outcome.failed, outcome.detail, outcome.http_status, outcome.request_status
        )
