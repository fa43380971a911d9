"""The OpenAPI document describes the submissions API truthfully, with examples and errors."""

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_every_submission_route_is_documented_with_examples_and_its_errors() -> None:
    schema = TestClient(create_app(Settings(migrate_on_start=False))).get("/openapi.json").json()
    paths = schema["paths"]

    submit = paths["/api/campaigns/{slug}/submissions"]["post"]
    assert {"200", "201", "400", "404", "409", "422", "429", "503"} <= set(submit["responses"])
    assert submit["requestBody"]["content"]["application/json"]["example"]["address"]["state"]
    assert any(p["name"] == "Idempotency-Key" for p in submit["parameters"])
    assert "Idempotency-Key" in submit["description"] and "429" in submit["description"]
    error = submit["responses"]["422"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/SubmissionErrorOut")
    assert error["example"]["error"]["fields"][0]["field"] == "address.zip"

    preview = paths["/api/campaigns/{slug}/submissions/preview"]["post"]
    assert {"200", "422", "503"} <= set(preview["responses"])
    status = paths["/api/submissions/{token}"]["get"]
    assert {"200", "404"} <= set(status["responses"])

    submission_in = schema["components"]["schemas"]["SubmissionIn"]
    assert "Mx." in submission_in["properties"]["prefix"]["anyOf"][0]["enum"]
    assert submission_in["properties"]["first_name"]["maxLength"] == 100
    assert submission_in["additionalProperties"] is False
