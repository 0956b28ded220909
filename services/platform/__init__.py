"""The one shared kit of every Gridfusion process.

Settings, JSON logs, telemetry, the JetStream bus (streams, publishing, the pull-consumer
loop with dead-lettering), MongoDB, the gRPC server with health, and the runtime that starts
and drains a service in order. Department services, fusion and the gateway all build on it.
"""
