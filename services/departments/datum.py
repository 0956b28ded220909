"""Event points in WGS84: the datum a department keeps and publishes.

A reporting system may give a point in GCJ-02 (the map SDKs most Chinese apps embed) or BD-09
(Baidu) and say so in ``location.crs``. The department converts the point to WGS84 before it
places, keeps or publishes the event, so fusion and the bus only ever see WGS84 (and an empty
``crs``). The point as reported stays on the record, in ``details.reported_location``
(``{"crs", "lon", "lat"}``).
"""

from __future__ import annotations

from gridfusion.events.v1 import events_pb2

from services.reference.exchange.crs import to_wgs84

WGS84 = "wgs84"
REPORTED_LOCATION = "reported_location"


def keep_in_wgs84(event: events_pb2.DepartmentEvent) -> None:
    """Convert the event's point to WGS84 in place, keeping the reported one in its details."""
    location = event.location
    crs = location.crs
    location.crs = ""
    if not crs or crs == WGS84 or location.WhichOneof("kind") != "point":
        return
    reported = {"crs": crs, "lon": location.point.lon, "lat": location.point.lat}
    location.point.lon, location.point.lat = to_wgs84(location.point.lon, location.point.lat, crs)
    event.details.update({REPORTED_LOCATION: reported})
