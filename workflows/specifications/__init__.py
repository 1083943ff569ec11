"""A Request for Testing Specifications (guide §6): a CR or its SP provides its NAESB EDM specifications
for ERCOT's review; a TDSP provides its own and then loads its test bed."""

TASK_QUEUE = "flightrak-specifications"
