# ruff: noqa: E501  (each paragraph of the notice is one literal, as published)
"""The demo market's market notice: ERCOT's NPRR348 reminder (seed 004) as ERCOT published it.

Every field is the notice's own text; the bill-determinant table is written as it is pasted from the
notice's Word table (tab-separated, a cell of two lines quoted), so FlighTrak shows it as a table.
`flightrak run` writes and publishes it through the API on the first start, addressed to QSEs.
"""

NPRR348_NOTICE_ID = "M-A073012-02"
NPRR348_REISSUE_OF = "M-A073012-01"  # the July 30, 2012 original, published before FlighTrak

NPRR348 = {
    "notice_date": "2012-08-17",
    "notice_type": "NPRR",
    "short_description": "REMINDER – Implementation details for NPRR348",
    "audience": "QSE",
    "days_affected": "2012-08-29",
    "long_description": (
        "ERCOT is implementing settlement and performance reporting changes for Nodal Protocol Revision Request (NPRR) 348, Generation Resource Start-Up and Shut-Down process, which was approved by the ERCOT Board on September 20, 2011. These changes have a planned production migration date of August 29, 2012, and will take effect on that same Operating Day.\n\n"
        "The Monthly Resource Energy Deployment Performance Report (NP8-501-ER) will be affected by the implementation of this NPRR. There will be no changes to the structure or format of the report, but the underlying calculations have been adjusted to comply with the changes in Protocol Section 8.1.1.4.1, Regulation Service and Generation Resource/Controllable Load Resource Energy Deployment Performance. These changes will be effective with the September posting for the August data.\n\n"
        "Settlement impacts include the addition of new flags and changes to existing flags which are noted below:\n\n"
        "1.\xa0\xa0\xa0 New exemption flag indicating the Resource has met the following conditions for either Start-Up or Shut-Down (SUSDFLAG)\n\n"
        "·\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0 Anytime a Resource sends telemetry to ERCOT with a status of “STARTUP” during the 15-minute Settlement Interval\n\n"
        "·\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0 Anytime a Resource’s Adjusted Aggregated Base Point (AABP) is less than the average telemetered Low Sustained Limit (LSL)\n\n"
        "2.\xa0\xa0\xa0 Replace the telemetered High Sustained Limit flag (TELHSLFLAG) with two separate exemption flags to provide market transparency for shadow settlements\n\n"
        "·\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0 STATUSONTEST – Resource Status of ONTEST to indicate in the Current Operating Plan (COP) and through telemetry that the Generation Resource is performing a test of its operations, either manually dispatched by the Qualified Scheduling Entity (QSE) or by ERCOT as part of the test for the 15-minute Settlement Interval\n\n"
        "·\xa0\xa0\xa0\xa0\xa0\xa0\xa0\xa0 QSFLAG – For Quick Start Generation Resources (QSGRs) during the 15-minute Settlement Interval(s) that includes any part of the first ten minutes after the start of the first Security-Constrained Economic Dispatch (SCED) interval in which the QSGR is deployed"
    ),
    "action_required": "Implement changes to shadow settlement systems in compliance with NPRR348.",
    "additional_information": (
        "The following new Settlement Bill Determinants will be implemented for NPRR348:\n"
        "\n"
        "Bill Determinant\tShort Description\tExtract\tExtract Table\n"
        'AVGTLSL\tAverage Telemetered Low Sustained Limit\tRTM CODE\t"RTMOUTPUTHEADER\n'
        'RTMOUTPUTINTERVAL"\n'
        'STATUSSTARTUP\tIndicates the Telemetered Resource status of Start-Up has been submitted to ERCOT\t"SID\n'
        'RTM CODE"\t"MKTINPUTHEADER\n'
        'MKTINPUTINTERVAL"\n'
        'SUSDFLAG\tIndicates the Resource has met the conditions for Start-Up or Shut-Down exemption\tRTM CODE\t"RTMOUTPUTHEADER\n'
        'RTMOUTPUTINTERVAL"\n'
        'STATUSONTEST\tIndicates the Telemetered Resource status of ONTEST has been submitted to ERCOT\t"SID\n'
        'RTM CODE"\t"MKTINPUTHEADER\n'
        'MKTINPUTINTERVAL"\n'
        'QSFLAG\tFor QSGRs, during the 15-minute Settlement Interval(s) that includes any part of the first ten minutes after the start of the first SCED interval in which the QSGR is deployed\t"SID\n'
        'RTM CODE"\t"MKTINPUTHEADER\n'
        'MKTINPUTINTERVAL"'
    ),
    "contact": (
        "If you have any questions, please contact your ERCOT Account Manager. You may also call the general ERCOT Client Services phone number at (512) 248-3900 or contact ERCOT Client Services via email at [log in to unmask].\n\n"
        "If you are receiving email from an ERCOT distribution list that you no longer wish to receive, please follow this link in order to unsubscribe from this list: http://lists.ercot.com.\n\n"
        "dh"
    ),
    "reissue_of": NPRR348_REISSUE_OF,
}
