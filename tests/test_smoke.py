from tests.builders import basic, make_api_user, post_score


def test_create_then_read(app, client):
    _user, key = make_api_user(app)
    score_id = post_score(client, key, value=1)
    response = client.get(f"/v2/team/proj/scores/{score_id}", headers=basic(key))
    assert response.status_code == 200
    assert response.get_json()["value"] == 1
