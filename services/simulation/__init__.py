"""A county's load, simulated: a realistic mix of the five departments' events
(:mod:`services.simulation.mix`), sent through the gateway's batch API as the department
systems send them (:mod:`services.simulation.run`); ``gridfusion simulate`` is the command.

It sees the platform only as a department system does (HTTP and JSON), and the county through
:mod:`services.reference`; it imports no service.
"""
