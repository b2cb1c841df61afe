"""API authentication: each terminal sends ``Authorization: Bearer <token>``."""

from ninja.security import HttpBearer

from itplus.store.terminals.services import terminal_authenticate


class TerminalToken(HttpBearer):
    def authenticate(self, request, token: str):
        terminal = terminal_authenticate(token=token)
        if terminal is not None:
            request.terminal = terminal
            request.auth_token = token  # for browser-code only; never logged
        return terminal
