"""GCJ-02: the forward shift in Lieshan, the iterative inverse, identity outside China."""

from __future__ import annotations

import math

import pytest

from parkgis.maps.gcj02 import gcj02_to_wgs84, shift_feature_collection, wgs84_to_gcj02


def _metres(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    k = 111_320.0
    return math.hypot((lng2 - lng1) * k * math.cos(math.radians(lat1)), (lat2 - lat1) * k)


def test_forward_shift_in_lieshan_is_about_half_a_kilometre() -> None:
    # DOMAIN.md §1: Gaode tiles sit 518-536 m off WGS84 in Lieshan.
    lng, lat = 116.81, 33.90
    glng, glat = wgs84_to_gcj02(lng, lat)
    assert 500 < _metres(lng, lat, glng, glat) < 560
    assert glng > lng and glat < lat + 0.01


def test_known_reference_point() -> None:
    # Public reference values of the algorithm (Tiananmen, WGS84 -> GCJ-02).
    glng, glat = wgs84_to_gcj02(116.391275, 39.907501)
    assert glng == pytest.approx(116.397519, abs=2e-5)
    assert glat == pytest.approx(39.908905, abs=2e-5)


@pytest.mark.parametrize("lng,lat", [(116.81, 33.90), (116.70, 34.02), (121.47, 31.23)])
def test_inverse_round_trips_to_a_millimetre(lng: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lng, lat))
    assert _metres(lng, lat, *back) < 0.001


def test_identity_outside_china() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_feature_collection_shift_keeps_properties_and_shape() -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"a": 1},
             "geometry": {"type": "Polygon", "coordinates": [[[116.8, 33.9], [116.81, 33.9],
                                                              [116.81, 33.91], [116.8, 33.9]]]}},
            {"type": "Feature", "properties": {}, "geometry": None},
        ],
    }  # fmt: skip
    out = shift_feature_collection(fc)
    ring = out["features"][0]["geometry"]["coordinates"][0]
    assert out["features"][0]["properties"] == {"a": 1}
    assert len(ring) == 4 and ring[0] == ring[-1]
    assert ring[0] == list(wgs84_to_gcj02(116.8, 33.9))
    assert fc["features"][0]["geometry"]["coordinates"][0][0] == [116.8, 33.9]  # not mutated
