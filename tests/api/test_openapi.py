"""The OpenAPI document and the interactive docs: complete, valid and served without a CDN."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/customers", "/api/v1/customers/{customer_id}", "/api/v1/customers/{customer_id}/restore",
    "/api/v1/customers/bulk/transfer", "/api/v1/customers/bulk/tag", "/api/v1/customers/bulk/delete",
    "/api/v1/customers/{customer_id}/collaborators", "/api/v1/customers/{customer_id}/collaborators/{user_id}",
    "/api/v1/customers/{customer_id}/timeline", "/api/v1/customers/{customer_id}/contacts",
    "/api/v1/contacts", "/api/v1/contacts/{contact_id}", "/api/v1/tags",
    "/api/v1/follow-ups", "/api/v1/follow-ups/{follow_up_id}",
    "/api/v1/me", "/api/v1/users", "/api/v1/users/{user_id}", "/api/v1/users/{user_id}/deactivate",
    "/api/v1/users/{user_id}/reactivate", "/api/v1/departments", "/api/v1/departments/{department_id}",
    "/api/v1/roles", "/api/v1/roles/{role_id}", "/api/v1/permissions",
    "/api/v1/custom-fields", "/api/v1/custom-fields/{field_id}", "/api/v1/custom-fields/{field_id}/deactivate",
}


@pytest.fixture
def document():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_document_is_openapi_3_and_lists_every_path(document):
    assert re.match(r"^3\.\d+\.\d+$", document["openapi"])
    assert document["info"]["title"] == "Guanxi API"
    assert set(document["paths"]) >= EXPECTED_PATHS


def test_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_security_schemes_are_bearer_and_session(document):
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerToken"].items()
    assert schemes["SessionAuth"]["in"] == "cookie"


def test_every_operation_has_summary_tags_and_documented_errors(document):
    operation_ids = set()
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary"), where
            assert op.get("tags"), where
            assert op["operationId"] not in operation_ids, where
            operation_ids.add(op["operationId"])
            codes = set(op["responses"])
            success = {"200", "201", "202", "204"}  # 202: started as a background job
            assert codes & success, where
            assert "401" in codes, where
            for code in codes - success:
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, where
            if "{" in path:
                assert "404" in codes or path.startswith("/api/v1/me"), where
            if method in {"post", "patch", "put"} and op.get("requestBody"):
                assert "422" in codes, where


def test_error_schema_documents_code_message_errors(document):
    error = document["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "errors"}


def test_list_operations_document_cursor_paging(document):
    for path in ("/api/v1/customers", "/api/v1/contacts", "/api/v1/follow-ups", "/api/v1/users"):
        op = document["paths"][path]["get"]
        names = {p["name"] for p in op["parameters"]}
        assert {"cursor", "limit"} <= names, path
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert set(page["properties"]) == {"items", "next_cursor"}, path


def test_customer_list_documents_every_filter(document):
    from dataclasses import fields

    from guanxi.customers.filters import CustomerFilters

    names = {p["name"] for p in document["paths"]["/api/v1/customers"]["get"]["parameters"]}
    assert {f.name for f in fields(CustomerFilters) if f.name != "custom"} <= names


def test_docs_page_loads_swagger_from_our_own_static_files(company):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    # no inline script: the CSP (script-src 'self') would block it
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp


def test_summaries_are_translated_for_the_reader():
    chinese = Client(headers={"Accept-Language": "zh-hans"}).get("/api/v1/openapi.json").json()
    assert chinese["paths"]["/api/v1/customers"]["get"]["summary"] == "客户列表"
    english = Client(headers={"Accept-Language": "en"}).get("/api/v1/openapi.json").json()
    assert english["paths"]["/api/v1/customers"]["get"]["summary"] == "List customers"
