import pytest
from solution import analyze, normalize_path, percentile

LOG = """\
2024-05-14T09:12:03.120Z GET /api/orders/83121?expand=items 200 40
2024-05-14T09:12:03.180Z GET /api/orders/77 503 900.5
2024-05-14T09:12:03.200Z POST /api/orders 201 120
this line is not a log line
2024-05-14T09:12:03.250Z GET /api/orders/12 200 60
"""


def test_report_groups_routes_and_sorts_by_p95():
    report = analyze(LOG.splitlines())

    assert report.malformed == 1
    assert [r.route for r in report.routes] == ["GET /api/orders/{id}", "POST /api/orders"]
    orders = report.routes[0]
    assert orders.count == 3
    assert orders.error_rate == pytest.approx(1 / 3)
    assert (orders.p50, orders.p95, orders.p99) == (60.0, 900.5, 900.5)


def test_numeric_segments_become_id_and_query_is_dropped():
    assert normalize_path("/api/orders/83121/?x=1") == "/api/orders/{id}"
    assert normalize_path("/api/v2/users/42/orders") == "/api/v2/users/{id}/orders"


def test_percentile_is_nearest_rank():
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([4, 3, 2, 1], 95) == 4
