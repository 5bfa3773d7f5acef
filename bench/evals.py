"""The evaluation reads: eval_results/query, the Compare page, the runs, run and prediction pages.

Each is timed on our server alone (the peer has no such routes), one client
at a time, so latency is server time; the targets are p95s (issue 33).
"""

import json

from bench.seed import prediction_id, run_id
from bench.settings import ENTITY, Profile

# (case label prefix, p95 target in ms)
TARGETS = {
    "evals eval_results": 300.0,
    "evals compare": 100.0,
    "evals runs page": 50.0,
    "evals run page": 50.0,
    "evals prediction page": 50.0,
}


def query_body(profile: Profile) -> str:
    """Two runs, a page of 50 rows sorted by the spread of a score, one score filter."""
    return json.dumps(
        {
            "evaluation_run_ids": [run_id(0, profile), run_id(1, profile)],
            "filters": [
                {
                    "query": {
                        "$expr": {
                            "$eq": [
                                {"$getField": "scores.exact_match.correct"},
                                {"$literal": False},
                            ]
                        }
                    }
                }
            ],
            "sort_by": [{"field": "scores.bleu.score", "direction": "desc", "mode": "difference"}],
            "limit": 50,
        },
        separators=(",", ":"),
    )


def cases(profile: Profile) -> list[tuple[str, str, str, str | None]]:
    """(label, method, path, body) of each case."""
    base = f"/p/{ENTITY}/{profile.project}"
    first, second = run_id(0, profile), run_id(1, profile)
    rows = profile.run_predictions
    return [
        (
            f"evals eval_results/query: 2 runs x {rows:,} rows, page of 50, difference sort,"
            " score filter",
            "POST",
            f"/v2/{ENTITY}/{profile.project}/eval_results/query",
            query_body(profile),
        ),
        ("evals compare page: 2 runs", "GET", f"{base}/compare?runs={first}&runs={second}", None),
        ("evals runs page", "GET", f"{base}/runs", None),
        ("evals run page", "GET", f"{base}/runs/{first}", None),
        (
            "evals prediction page",
            "GET",
            f"{base}/predictions/{prediction_id(rows // 2)}",
            None,
        ),
    ]


def target_of(label: str) -> float | None:
    for prefix, target in TARGETS.items():
        if label.startswith(prefix):
            return target
    return None
