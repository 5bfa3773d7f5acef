"""eval_results/query, case by case: defaults, paging, trials, rows without a stored prediction,
scorer versions, every operator and prefix, sorting by inputs, and the summary's leaves."""

import pytest

from tests.builders import basic, make_api_user, make_prediction, make_run, make_score

URL = "/v2/team/proj/eval_results/query"
JUDGE = "weave:///team/proj/object/judge:v1"
JUDGE_V2 = "weave:///team/proj/object/judge:v2"
LABEL = "weave:///team/proj/object/label:v0"


@pytest.fixture
def key(app):
    return make_api_user(app, "rows", entities=("team",))[1]


def query(client, key, body):
    response = client.post(URL, json=body, headers=basic(key))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def questions(answer) -> list:
    return [None if r["raw_data_row"] is None else r["raw_data_row"]["q"] for r in answer["rows"]]


@pytest.fixture
def runs(app):
    """Run A: rows q1 (twice), q2, q3; run B: rows q1, q2; nested judge values and labels."""
    a, b = make_run(app), make_run(app)
    made = {}

    def add(run, q, output, judge, label=None, extra=None):
        prediction = make_prediction(app, run, {"q": q, **(extra or {})}, output)
        make_score(app, prediction, JUDGE, judge, run)
        if label is not None:
            make_score(app, prediction, LABEL, label, run)
        made.setdefault((run, q), []).append(prediction)
        return prediction

    add(a, "q1", {"text": "Paris", "n": 3}, {"ok": True, "score": 0.9}, "good")
    add(a, "q1", {"text": "paris!", "n": 4}, {"ok": False, "score": 0.2})
    add(a, "q2", {"text": "Rome", "n": 10}, {"ok": False, "score": 0.1}, "bad")
    add(a, "q3", None, {"ok": True, "score": 0.5})
    add(b, "q1", {"text": "Paris", "n": 3}, {"ok": True, "score": 0.8}, "good")
    add(b, "q2", {"text": "Milan", "n": 1}, {"ok": True, "score": 0.7}, "good")
    return {"A": a, "B": b, "made": made}


def test_defaults_rows_without_summary(client, key, runs):
    answer = query(client, key, {"evaluation_run_ids": [runs["A"], runs["B"]]})
    assert answer["summary"] is None and answer["total_rows"] == 3
    assert [r["raw_data_row"] for r in answer["rows"]] == [None, None, None]
    q1 = next(r for r in answer["rows"] if len(r["evaluations"][0]["trials"]) == 2)
    first, second = q1["evaluations"][0]["trials"]
    assert first["predict_and_score_call_id"] < second["predict_and_score_call_id"]
    assert first["model_output"] == {"text": "Paris", "n": 3}
    assert first["scores"] == {"judge": {"ok": True, "score": 0.9}, "label": "good"}
    # The default logic is "or": two filters of different runs match either.
    either = query(client, key, {
        "evaluation_run_ids": [runs["A"], runs["B"]], "include_raw_data_rows": True,
        "filters": [
            {"query": {"$expr": {"$eq": [{"$getField": "outputs.text"}, {"$literal": "Rome"}]}},
             "evaluation_call_id": runs["A"]},
            {"query": {"$expr": {"$eq": [{"$getField": "outputs.text"}, {"$literal": "Paris"}]}},
             "evaluation_call_id": runs["B"]},
        ]})  # fmt: skip
    assert sorted(questions(either)) == ["q1", "q2"]


def test_paging_and_row_switches(client, key, runs):
    both = [runs["A"], runs["B"]]
    everything = query(client, key, {"evaluation_run_ids": both, "limit": None})
    assert len(everything["rows"]) == 3
    digests = [r["row_digest"] for r in everything["rows"]]
    assert digests == sorted(digests)
    for direction, expected in (("desc", digests[::-1]), ("asc", digests)):
        sort = [{"field": "row_digest", "direction": direction}]
        ordered = query(client, key, {"evaluation_run_ids": both, "sort_by": sort, "limit": 2})
        assert [r["row_digest"] for r in ordered["rows"]] == expected[:2]
        assert ordered["total_rows"] == 3
    none = query(client, key, {"evaluation_run_ids": both, "limit": 0})
    assert none["rows"] == [] and none["total_rows"] == 3
    past = query(client, key, {"evaluation_run_ids": both, "offset": 5})
    assert past["rows"] == [] and past["total_rows"] == 3
    paged = [
        query(client, key, {"evaluation_run_ids": both, "limit": 1, "offset": i})["rows"][0]
        for i in range(3)
    ]
    assert [r["row_digest"] for r in paged] == [r["row_digest"] for r in everything["rows"]]
    off = query(client, key, {"evaluation_run_ids": both, "include_rows": False,
                              "include_summary": True})  # fmt: skip
    assert off["rows"] == [] and off["total_rows"] == 0 and off["summary"]["row_count"] == 3
    assert query(client, key, {"include_summary": True}) == {
        "rows": [], "total_rows": 0, "summary": {"row_count": 0, "evaluations": []},
        "warnings": [],
    }  # fmt: skip
    assert query(client, key, {}) == {"rows": [], "total_rows": 0, "summary": None, "warnings": []}


def test_run_ids_under_either_name_once_in_request_order(client, key, runs):
    a, b = runs["A"], runs["B"]
    answer = query(client, key, {"evaluation_call_ids": [b], "evaluation_run_ids": [a, b, a],
                                 "include_summary": True})  # fmt: skip
    assert [e["evaluation_call_id"] for e in answer["summary"]["evaluations"]] == [b, a]
    for row in answer["rows"]:
        order = [e["evaluation_call_id"] for e in row["evaluations"]]
        assert order == [run for run in (b, a) if run in order]
    unknown = query(client, key, {"evaluation_run_ids": ["never-made"], "include_summary": True})
    assert unknown["rows"] == [] and unknown["summary"]["evaluations"] == [{
        "evaluation_call_id": "never-made", "trial_count": 0, "scorer_stats": [],
        "evaluation_ref": None, "model_ref": None, "display_name": None, "trace_id": None,
        "started_at": None, "predict_total_tokens": None, "predict_total_cost": None,
    }]  # fmt: skip


def test_scores_without_a_stored_prediction_are_rows_of_their_own(app, client, key, runs):
    a = runs["A"]
    lone = make_score(app, "pred-never-stored", JUDGE, {"ok": False, "score": 0.0}, a)
    make_score(app, "pred-never-stored", LABEL, "bad", a)
    answer = query(client, key, {"evaluation_run_ids": [a], "include_raw_data_rows": True,
                                 "include_summary": True})  # fmt: skip
    row = next(r for r in answer["rows"] if r["row_digest"] == "prediction:pred-never-stored")
    assert row["raw_data_row"] is None
    (trial,) = row["evaluations"][0]["trials"]
    assert trial["predict_and_score_call_id"] == "pred-never-stored"
    assert trial["model_output"] is None and trial["genai_span_ref"] is None
    assert trial["scores"] == {"judge": {"ok": False, "score": 0.0}, "label": "bad"}
    assert trial["scorer_call_ids"]["judge"] == lone
    assert answer["summary"]["evaluations"][0]["trial_count"] == 5
    found = query(client, key, {"evaluation_run_ids": [a], "filters": [{"query": {"$expr": {
        "$eq": [{"$getField": "scores.label"}, {"$literal": "bad"}]}}}]})  # fmt: skip
    assert sorted(r["row_digest"][:11] for r in found["rows"]) == sorted(
        ["prediction:", questions_digest(client, key, a, "q2")[:11]]
    )


def questions_digest(client, key, run, q) -> str:
    answer = query(client, key, {"evaluation_run_ids": [run], "include_raw_data_rows": True})
    return next(r["row_digest"] for r in answer["rows"] if (r["raw_data_row"] or {}).get("q") == q)


def test_newest_score_of_a_scorer_key_wins_with_a_warning(app, client, key, runs):
    a = runs["A"]
    (q2,) = runs["made"][a, "q2"]
    newer = make_score(app, q2, JUDGE_V2, {"ok": True, "score": 1.0}, a)
    answer = query(client, key, {"evaluation_run_ids": [a], "include_raw_data_rows": True})
    row = next(r for r in answer["rows"] if r["raw_data_row"]["q"] == "q2")
    trial = row["evaluations"][0]["trials"][0]
    assert trial["scores"]["judge"] == {"ok": True, "score": 1.0}
    assert trial["scorer_call_ids"]["judge"] == newer
    assert answer["warnings"] == [
        f"Run '{a}' has scores from 2 versions of scorer 'judge' ({JUDGE}, {JUDGE_V2});"
        " each prediction shows its newest."
    ]


def test_ignored_options_are_warned_about_in_a_stable_order(client, key, runs):
    answer = query(client, key, {"evaluation_run_ids": [runs["B"]], "include_costs": True,
                                 "resolve_row_refs": True,
                                 "include_predict_and_score_children": False})  # fmt: skip
    assert [w.split(" ")[0] for w in answer["warnings"]] == [
        "include_costs", "resolve_row_refs", "include_predict_and_score_children"]  # fmt: skip


def _filtered(client, key, runs, operation, scope=None, logic=None) -> list:
    item = {"query": {"$expr": operation}}
    if scope:
        item["evaluation_call_id"] = runs[scope]
    body = {"evaluation_run_ids": [runs["A"], runs["B"]], "include_raw_data_rows": True,
            "filters": [item]}  # fmt: skip
    if logic:
        body["filter_logic_operator"] = logic
    return sorted(questions(query(client, key, body)))


def test_every_operator_and_prefix(client, key, runs):
    get, lit = "$getField", "$literal"

    def check(operation, expected, scope=None):
        assert _filtered(client, key, runs, operation, scope) == expected, operation

    check({"$eq": [{get: "scores.judge.ok"}, {lit: True}]}, ["q1", "q2", "q3"])
    check({"$eq": [{get: "scores.judge.ok"}, {lit: True}]}, ["q1", "q3"], scope="A")
    check({"$eq": [{lit: 0.1}, {get: "scores.judge.score"}]}, ["q2"])
    check({"$gt": [{get: "scores.judge.score"}, {lit: 0.85}]}, ["q1"])
    check({"$lt": [{lit: 0.85}, {get: "scores.judge.score"}]}, ["q1"])
    check({"$gte": [{get: "scores.judge.score"}, {lit: 0.7}]}, ["q1", "q2"])
    check({"$lte": [{get: "scores.judge.score"}, {lit: 0.1}]}, ["q2"])
    check({"$in": [{get: "scores.label"}, [{lit: "bad"}, {lit: "meh"}]]}, ["q2"])
    check({"$eq": [{get: "inputs.q"}, {lit: "q3"}]}, ["q3"])
    check({"$eq": [{get: "outputs.text"}, {lit: "Milan"}]}, ["q2"])
    check({"$eq": [{get: "output.n"}, {lit: 4}]}, ["q1"])
    check({"$gt": [{get: "outputs.n"}, {lit: 5}]}, ["q2"])
    check({"$contains": {"input": {get: "outputs.text"}, "substr": {lit: "PARIS"},
                         "case_insensitive": True}}, ["q1"])  # fmt: skip
    check({"$contains": {"input": {get: "outputs.text"}, "substr": {lit: "PARIS"}}}, [])
    check({"$contains": {"input": {get: "outputs"}, "substr": {lit: "mil"},
                         "case_insensitive": True}}, ["q2"])  # fmt: skip
    check({"$contains": {"input": {get: "inputs"}, "substr": {lit: '"q3"'}}}, ["q3"])
    check({"$and": [{"$eq": [{get: "scores.judge.ok"}, {lit: False}]},
                    {"$eq": [{get: "inputs.q"}, {lit: "q1"}]}]}, ["q1"])  # fmt: skip
    check({"$or": [{"$eq": [{get: "inputs.q"}, {lit: "q3"}]},
                   {"$eq": [{get: "scores.label"}, {lit: "bad"}]}]}, ["q2", "q3"])  # fmt: skip
    # Kleene: q3 has no label, so "label = good" is unknown there, and so is its negation.
    check({"$not": [{"$eq": [{get: "scores.label"}, {lit: "good"}]}]}, ["q2"])
    check({"$eq": [{"$convert": {"input": {get: "scores.judge.score"}, "to": "int"}},
                   {lit: 0}]}, ["q1", "q2", "q3"])  # fmt: skip
    check({"$eq": [{"$convert": {"input": {get: "scores.label"}, "to": "exists"}},
                   {lit: False}]}, ["q1", "q3"])  # fmt: skip
    check({"$eq": [{get: "scores.judge"}, {lit: True}]}, [])  # an object has no scalar value
    check({"$eq": [{get: "scores.judge.ok"}, {lit: None}]}, [])
    digest = questions_digest(client, key, runs["B"], "q2")
    check({"$eq": [{get: "row_digest"}, {lit: digest}]}, ["q2"])


def test_a_score_joins_its_prediction_whatever_run_it_names(app, client, key, runs):
    b = runs["B"]
    (q2,) = runs["made"][b, "q2"]
    make_score(app, q2, "weave:///team/proj/object/extra:v0", 42)  # names no run
    operation = {"$eq": [{"$getField": "scores.extra"}, {"$literal": 42}]}
    body = {"evaluation_run_ids": [b], "include_raw_data_rows": True,
            "filters": [{"query": {"$expr": operation}}]}  # fmt: skip
    answer = query(client, key, body)
    assert questions(answer) == ["q2"]
    assert answer["rows"][0]["evaluations"][0]["trials"][0]["scores"]["extra"] == 42


def test_sort_by_inputs_numbers_first_then_text_then_missing(app, client, key):
    run = make_run(app)
    for value in ("b", 10, "a", 2, None):
        inputs = {"q": str(value)} if value is None else {"q": str(value), "v": value}
        make_prediction(app, run, inputs, "x")
    for direction, expected in (("asc", ["2", "10", "a", "b", "None"]),
                                ("desc", ["10", "2", "b", "a", "None"])):  # fmt: skip
        sort = [{"field": "inputs.v", "direction": direction}]
        body = {"evaluation_run_ids": [run], "include_raw_data_rows": True, "sort_by": sort}
        answer = query(client, key, body)
        assert questions(answer) == expected


def test_summary_leaves_of_nested_text_and_mixed_values(app, client, key):
    run = make_run(app)
    values = [{"ok": True, "why": "fine", "deep": {"x": 1}}, {"ok": False, "why": "no",
              "deep": {"x": 3}}, {"ok": 1, "why": None, "deep": {"x": [1]}}]  # fmt: skip
    for index, value in enumerate(values):
        prediction = make_prediction(app, run, {"i": index}, "o")
        make_score(app, prediction, JUDGE, value, run)
    answer = query(client, key, {"evaluation_run_ids": [run], "include_summary": True})
    stats = {s["path"]: s for s in answer["summary"]["evaluations"][0]["scorer_stats"]}
    assert list(stats) == ["deep.x", "ok", "why"]
    assert stats["deep.x"]["value_type"] == "continuous"
    assert (stats["deep.x"]["numeric_count"], stats["deep.x"]["numeric_mean"]) == (2, 2.0)
    assert (stats["deep.x"]["numeric_min"], stats["deep.x"]["numeric_max"]) == (1.0, 3.0)
    ok = stats["ok"]
    assert ok["value_type"] == "binary" and ok["trial_count"] == 3
    assert (ok["pass_true_count"], ok["pass_known_count"], ok["numeric_count"]) == (1, 2, 1)
    assert ok["pass_rate"] == 0.5 and ok["pass_signal_coverage"] == pytest.approx(2 / 3)
    assert ok["numeric_mean"] == 1.0  # the integer 1 is a number, never a pass
    why = stats["why"]
    assert why["value_type"] == "text" and why["trial_count"] == 2
    assert why["pass_rate"] is None and why["numeric_mean"] is None
    assert why["pass_signal_coverage"] == 0.0


def test_summary_over_rows_in_every_run_counts_only_those(client, key, runs):
    a, b = runs["A"], runs["B"]
    body = {"evaluation_run_ids": [a, b], "include_summary": True,
            "summary_require_intersection": True}  # fmt: skip
    answer = query(client, key, body)
    assert answer["total_rows"] == 3  # rows are not intersected, the summary is
    summary = answer["summary"]
    assert summary["row_count"] == 2
    run_a, run_b = summary["evaluations"]
    assert (run_a["trial_count"], run_b["trial_count"]) == (3, 2)
    scores_a = {s["path"]: s for s in run_a["scorer_stats"] if s["scorer_key"] == "judge"}
    assert scores_a["score"]["numeric_mean"] == pytest.approx((0.9 + 0.2 + 0.1) / 3)
    assert scores_a["ok"]["pass_rate"] == pytest.approx(1 / 3)
    labels = [s for s in run_a["scorer_stats"] if s["scorer_key"] == "label"]
    assert [(s["path"], s["trial_count"]) for s in labels] == [(None, 2)]
