"""A tiny OpenID Connect provider on 127.0.0.1 for the single sign-on tests: discovery, an authorization
endpoint that signs in whoever the test says (no login form), a token endpoint that checks the client's
secret and the one-time code, and an RS256-signed ID token carrying the nonce and the e-mail. It is a real
authorization-code exchange with Streamlit's st.login (Authlib), and no request leaves the machine."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "consult-coder"
CLIENT_SECRET = secrets.token_urlsafe(16)


@dataclass
class Provider:
    issuer: str
    email: str  # whom the next sign-in vouches for
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "local"}))
    codes: dict[str, dict] = field(default_factory=dict)  # one-time code -> the ID token's claims
    tokens_issued: int = 0
    forged: bool = False  # sign ID tokens with a key the provider does not publish


    def auth_section(self, secrets_file) -> None:  # noqa: ANN001 (a Path)
        """Write the ``[auth]`` section of a secrets.toml that points Streamlit at this provider."""
        secrets_file.write_text(
            "[auth]\n"
            'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{CLIENT_ID}"\n'
            f'client_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{self.issuer}/.well-known/openid-configuration"\n')

    def metadata(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}

    def authorize(self, query: dict[str, str]) -> str:
        """Sign in ``self.email`` at once; the redirect back to the app with a one-time code."""
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            raise ValueError(f"not an authorization-code request from the app: {query}")
        code = secrets.token_urlsafe(16)
        now = int(time.time())
        self.codes[code] = {"iss": self.issuer, "aud": CLIENT_ID, "sub": self.email, "email": self.email,
                            "email_verified": True, "iat": now, "exp": now + 300, "nonce": query.get("nonce")}
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str], authorization: str | None) -> dict:
        client = (form.get("client_id"), form.get("client_secret"))
        if authorization and authorization.startswith("Basic "):
            client = tuple(base64.b64decode(authorization[6:]).decode().split(":", 1))
        if client != (CLIENT_ID, CLIENT_SECRET):
            raise PermissionError("wrong client credentials")
        claims = self.codes.pop(form.get("code", ""))  # a code is good once
        self.tokens_issued += 1
        key = RSAKey.generate_key(2048, parameters={"kid": "local"}) if self.forged else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "local"}, claims, key)
        return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                "id_token": id_token}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict | None = None, location: str | None = None) -> None:
            data = json.dumps(body or {}).encode()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._send(200, provider.metadata())
            elif url.path == "/jwks":
                self._send(200, {"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                self._send(302, location=provider.authorize(query))
            else:
                self._send(404)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._send(404)
                return
            try:
                self._send(200, provider.token(form, self.headers.get("Authorization")))
            except (PermissionError, KeyError) as why:
                self._send(400, {"error": "invalid_grant", "error_description": str(why)})

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (quiet)
            pass

    return Handler


@contextmanager
def oidc_provider(email: str) -> Iterator[Provider]:
    """The provider, serving on a free port of 127.0.0.1 until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # bound first: the port
    provider = Provider(f"http://127.0.0.1:{server.server_address[1]}", email)
    server.RequestHandlerClass = _handler(provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
