"""The API's documentation page, rendered on the server from the application's own OpenAPI document
(no Swagger UI from a CDN): every path, method, parameter, body and response."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ..rules import PUBLIC
from ..templating import render

router = APIRouter()


def _schema_text(schema: dict[str, Any] | None, doc: dict[str, Any]) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return "[" + _schema_text(schema.get("items"), doc) + "]"
    if "anyOf" in schema:
        return " | ".join(_schema_text(s, doc) for s in schema["anyOf"])
    return str(schema.get("type", ""))


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for path, methods in doc.get("paths", {}).items():
        for method, op in methods.items():
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _schema_text(p.get("schema"), doc), "description": p.get("description", "")}
                      for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {})
            body_type = ", ".join(f"{ct}: {_schema_text(c.get('schema'), doc)}" for ct, c in body.items())
            responses = [{"status": s, "description": r.get("description", ""),
                          "type": ", ".join(_schema_text(c.get("schema"), doc) for c in r.get("content", {}).values())}
                         for s, r in op.get("responses", {}).items()]
            out.append({"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "tags": op.get("tags", []), "params": params,
                        "body": body_type, "responses": responses})
    return sorted(out, key=lambda o: (o["tags"][:1], o["path"], o["method"]))


@router.get("/api/v1/docs", dependencies=[PUBLIC], include_in_schema=False)
def api_docs(request: Request):
    doc = request.app.openapi()
    schemas = doc.get("components", {}).get("schemas", {})
    models = [{"name": name, "fields": [{"name": f, "type": _schema_text(s, doc), "required": f in m.get("required", [])}
                                        for f, s in m.get("properties", {}).items()]}
              for name, m in sorted(schemas.items())]
    return render(request, "apidocs.html", {"doc": doc, "ops": operations(doc), "models": models})
