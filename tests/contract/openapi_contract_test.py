#!/usr/bin/python3
"""The contract checker's own rules (openapi_contract.py): what it refuses and what it lets
pass, on a small document, so that a green contract:openapi_responses means something."""

import importlib.util
import json
import os
import unittest

spec = importlib.util.spec_from_file_location(
    "openapi_contract", os.path.join(os.path.dirname(__file__), "openapi_contract.py"))
contract_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(contract_module)

ERROR = {"$ref": "#/components/responses/Error"}
DOCUMENT = {
    "openapi": "3.0.3",
    "paths": {
        "/api/v1/things/{name}": {
            "get": {"responses": {
                "200": {"description": "a thing", "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Detail"}}}},
                "404": ERROR}},
        },
        "/api/v1/things/special": {
            "get": {"responses": {"204": {"description": "nothing"}}},
        },
        "/metrics": {
            "get": {"responses": {"200": {"description": "text", "content": {
                "text/plain": {"schema": {"type": "string"}}}}}},
        },
    },
    "components": {
        "responses": {"Error": {"description": "error", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}},
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Thing": {"type": "object", "required": ["name", "owner"], "properties": {
                "name": {"type": "string"},
                "owner": {"type": "string", "nullable": True},
                "status": {"type": "string", "enum": ["active", "retired"]},
                "at": {"type": "string", "format": "date-time"},
                "attributes": {"type": "object", "additionalProperties": True}}},
            "Detail": {"allOf": [{"$ref": "#/components/schemas/Thing"}, {
                "type": "object", "required": ["tags"],
                "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}]},
        },
    },
}
GOOD = {"name": "a", "owner": None, "tags": ["x"], "at": "2026-11-25T10:00:00.123Z",
        "attributes": {"anything": 1}}


def judge(body, status=200, target="/api/v1/things/a", content_type="application/json",
          method="GET"):
    contract = contract_module.Contract(DOCUMENT)
    text = body if isinstance(body, str) else json.dumps(body)
    return contract_module.judge(contract, {"method": method, "target": target,
                                            "status": status, "content_type": content_type,
                                            "body": text})[1]


class ContractRules(unittest.TestCase):
    def test_a_response_as_documented_passes(self):
        self.assertEqual(judge(GOOD), [])
        self.assertEqual(judge(GOOD, content_type="application/json; charset=utf-8"), [])

    def test_an_unknown_field_is_refused_in_every_allof_member_and_nested_object(self):
        self.assertRegex(" ".join(judge(dict(GOOD, extra=1))), "'extra' was unexpected")
        errors = judge({"error": {"code": "x", "message": "y", "hint": "z"}}, status=404)
        self.assertRegex(" ".join(errors), "at /error: .*'hint' was unexpected")

    def test_an_explicit_additional_properties_true_allows_any_field(self):
        self.assertEqual(judge(dict(GOOD, attributes={"a": {"b": []}})), [])

    def test_a_missing_required_field_of_either_allof_member_is_refused(self):
        self.assertRegex(" ".join(judge({k: v for k, v in GOOD.items() if k != "tags"})),
                         "'tags' is a required property")
        self.assertRegex(" ".join(judge({k: v for k, v in GOOD.items() if k != "owner"})),
                         "'owner' is a required property")

    def test_null_only_where_nullable(self):
        self.assertEqual(judge(dict(GOOD, owner="team")), [])
        self.assertRegex(" ".join(judge(dict(GOOD, name=None))), "at /name: None is not of type")

    def test_enums_types_and_date_times_are_checked(self):
        self.assertRegex(" ".join(judge(dict(GOOD, status="gone"))), "at /status: 'gone'")
        self.assertRegex(" ".join(judge(dict(GOOD, tags=[1]))), "at /tags/0: 1 is not of type")
        self.assertRegex(" ".join(judge(dict(GOOD, at="yesterday"))),
                         "at /at: 'yesterday' is not a 'date-time'")

    def test_a_status_the_operation_does_not_document_is_refused(self):
        self.assertRegex(" ".join(judge({"error": {"code": "x", "message": "y"}}, status=400)),
                         "status 400 is not documented for GET /api/v1/things/{name}")

    def test_an_undocumented_content_type_or_an_undocumented_body_is_refused(self):
        self.assertRegex(" ".join(judge("<p>hi</p>", content_type="text/html")),
                         "content type text/html is not documented")
        self.assertRegex(" ".join(judge("x", target="/api/v1/things/special", status=204)),
                         "a body .* where 204 documents none")
        self.assertEqual(judge("x 1\n", target="/metrics", content_type="text/plain"), [])

    def test_a_body_that_is_not_json_is_refused(self):
        self.assertRegex(" ".join(judge("{")), "the body is not JSON")

    def test_a_literal_path_wins_over_a_template(self):
        self.assertEqual(judge("", target="/api/v1/things/special", status=204, content_type=""),
                         [])

    def test_routes_the_document_lacks(self):
        error = {"error": {"code": "not_found", "message": "no route"}}
        self.assertEqual(judge(error, target="/api/v1/nothing", status=404), [])
        self.assertEqual(judge(error, method="DELETE", status=405), [])
        self.assertRegex(" ".join(judge(GOOD, target="/api/v1/nothing")),
                         "200 from a route the document does not have: /api/v1/nothing")
        self.assertEqual(judge("<html/>", target="/ui/products/a", content_type="text/html"), [])


if __name__ == "__main__":
    unittest.main()
