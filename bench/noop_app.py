"""The framework's ceiling: a Flask POST endpoint that only parses JSON, no database."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/noop")
    def noop() -> tuple[Response, int]:
        body = request.get_json()
        return jsonify({"fields": len(body)}), 201

    return app
