"""Distances from ZIP (or city) centroids, offline, with the ``zipcodes`` package, and a grid to find points near
a point without comparing against all of them."""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

from leads.normalize import normalize_city

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LAT = 69.05

Point = tuple[float, float]  # (lat, lon) in degrees


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, Point], dict[tuple[str, str], Point]]:
    """ZIP -> centroid and (normalized city, state) -> mean of its ZIP centroids; built once (about 1 s)."""
    import zipcodes

    by_zip: dict[str, Point] = {}
    city_sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for z in zipcodes.list_all():
        try:
            lat, lon = float(z["lat"]), float(z["long"])
        except (TypeError, ValueError, KeyError):
            continue
        if lat == 0.0 and lon == 0.0:
            # A few ZIPs (90085, a Los Angeles PO box) carry 0,0 for "unknown": kept, they would drag their
            # city's centre into the ocean and make a same-city closure look 70 miles away.
            continue
        by_zip[z["zip_code"]] = (lat, lon)
        if z.get("zip_code_type") in ("STANDARD", "PO BOX", "UNIQUE"):
            st = z.get("state") or ""
            for name in [z.get("city") or "", *(z.get("acceptable_cities") or [])]:
                s = city_sums[(normalize_city(name), st)]
                s[0] += lat
                s[1] += lon
                s[2] += 1
    by_city = {k: (v[0] / v[2], v[1] / v[2]) for k, v in city_sums.items() if v[2]}
    return by_zip, by_city


def zip_point(zip5: str) -> Point | None:
    return _tables()[0].get(zip5) if zip5 else None


def city_point(city_norm: str, state: str) -> Point | None:
    if not city_norm or not state:
        return None
    return _tables()[1].get((city_norm, state))


def locate(zip5: str = "", city_norm: str = "", state: str = "") -> tuple[Point | None, str]:
    """Best known point for a record, and what it came from ("zip5", "city" or "")."""
    p = zip_point(zip5)
    if p is not None:
        return p, "zip5"
    p = city_point(city_norm, state)
    if p is not None:
        return p, "city"
    return None, ""


def miles(p: Point, q: Point) -> float:
    """Great-circle distance in miles (haversine)."""
    lat1, lon1 = math.radians(p[0]), math.radians(p[1])
    lat2, lon2 = math.radians(q[0]), math.radians(q[1])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(h)))


class PointGrid:
    """Points bucketed in square cells of ``cell_miles`` (in latitude degrees); ``near`` scans only the cells
    a circle can touch, widening the longitude span by 1/cos(latitude)."""

    def __init__(self, cell_miles: float) -> None:
        if cell_miles <= 0:
            raise ValueError("cell_miles must be positive")
        self.cell = cell_miles / MILES_PER_DEGREE_LAT
        self.cells: dict[tuple[int, int], list[tuple[int, Point]]] = defaultdict(list)
        self.size = 0

    def _key(self, p: Point) -> tuple[int, int]:
        return (int(math.floor(p[0] / self.cell)), int(math.floor(p[1] / self.cell)))

    def add(self, item: int, p: Point) -> None:
        self.cells[self._key(p)].append((item, p))
        self.size += 1

    def near(self, p: Point, radius_miles: float) -> list[tuple[int, float]]:
        """Items within ``radius_miles`` of ``p``, with their distance, nearest first."""
        if not self.size:
            return []
        lat_span = radius_miles / MILES_PER_DEGREE_LAT
        cos_lat = max(0.01, math.cos(math.radians(min(89.0, abs(p[0]) + lat_span))))
        lon_span = lat_span / cos_lat
        i0, i1 = int(math.floor((p[0] - lat_span) / self.cell)), int(math.floor((p[0] + lat_span) / self.cell))
        j0, j1 = int(math.floor((p[1] - lon_span) / self.cell)), int(math.floor((p[1] + lon_span) / self.cell))
        out = []
        cells = self.cells
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                for item, q in cells.get((i, j), ()):
                    d = miles(p, q)
                    if d <= radius_miles:
                        out.append((item, d))
        out.sort(key=lambda t: t[1])
        return out
